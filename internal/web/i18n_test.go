package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/plan"
)

// TestFrenchCoversEveryString fails when a string shown by the console has
// no French translation: in templates ({{.T "…"}}), in Go code (T("…"),
// tr(lang, "…")) and in the lookup tables of states, phases and roles.
func TestFrenchCoversEveryString(t *testing.T) {
	keys := map[string]string{}
	tmpl := regexp.MustCompile(`\.T "((?:[^"\\]|\\.)*)"`)
	code := regexp.MustCompile(`\b(?:T|tr\([a-zA-Z.]+,) ?\(?"((?:[^"\\]|\\.)*)"`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		for _, m := range tmpl.FindAllStringSubmatch(string(b), -1) {
			keys[strings.ReplaceAll(m[1], `\\`, `\`)] = p
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "i18n_fr.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range code.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = f
		}
	}
	for _, v := range phaseNames {
		keys[v] = "phaseNames"
	}
	for _, v := range stateNames {
		keys[v] = "stateNames"
	}
	for _, v := range messageStates {
		keys[v] = "messageStates"
	}
	for _, r := range account.Roles() {
		keys[string(r)] = "account roles"
	}
	for _, a := range plan.Audiences {
		keys[a] = "audiences"
	}
	for _, s := range []string{"minor", "major", "critical", "Status page"} {
		keys[s] = "lookups"
	}
	if len(keys) < 200 {
		t.Fatalf("only %d strings found: the extraction is broken", len(keys))
	}
	for k, where := range keys {
		if _, ok := french[k]; !ok {
			t.Errorf("no French for %q (%s)", k, where)
		}
	}
}

func TestPickLang(t *testing.T) {
	for _, c := range []struct{ chosen, query, accept, want string }{
		{"", "", "", "en"},
		{"", "", "fr-FR,fr;q=0.9,en;q=0.8", "fr"},
		{"", "", "de-DE,en;q=0.5", "en"},
		{"", "fr", "en", "fr"},
		{"en", "fr", "fr", "en"},
		{"xx", "", "fr", "fr"},
	} {
		r, _ := httpRequest("/admin/login?lang="+c.query, c.accept)
		if got := pickLang(r, c.chosen); got != c.want {
			t.Errorf("pickLang(%q, ?lang=%q, %q) = %q, want %q", c.chosen, c.query, c.accept, got, c.want)
		}
	}
}
