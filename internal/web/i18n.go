package web

import (
	"fmt"
	"net/http"
	"strings"
)

// uiLanguages are the console's languages; English is the fallback.
var uiLanguages = []string{"en", "fr"}

func validLang(l string) bool { return l == "en" || l == "fr" }

// pickLang chooses the console language: the account's choice, then
// ?lang=, then the browser's Accept-Language, then English.
func pickLang(r *http.Request, chosen string) string {
	if validLang(chosen) {
		return chosen
	}
	if q := r.URL.Query().Get("lang"); validLang(q) {
		return q
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if validLang(base) {
			return base
		}
	}
	return "en"
}

// tr translates an English UI string; with args the translation is a
// format. Strings without a French entry stay in English.
func tr(lang, key string, args ...any) string {
	s := key
	if lang == "fr" {
		if f, ok := french[key]; ok {
			s = f
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}
