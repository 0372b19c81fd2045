package plan

import "sort"

// Text is a string per language code ("fr", "en").
type Text map[string]string

// Get returns the text in lang, else in fallback, else any non-empty text in
// a stable order.
func (t Text) Get(lang, fallback string) string {
	if s := t[lang]; s != "" {
		return s
	}
	if s := t[fallback]; s != "" {
		return s
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t[k] != "" {
			return t[k]
		}
	}
	return ""
}

// Languages returns the languages with a non-empty text, sorted.
func (t Text) Languages() []string {
	var out []string
	for k, v := range t {
		if v != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
