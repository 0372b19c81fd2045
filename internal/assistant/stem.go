package assistant

import "strings"

// stem reduces a folded word to a light stem. It is deliberately light
// (plurals, gender, the common verb and adverb endings): aggressive stemmers
// conflate words that our short FAQ questions must keep apart, and the
// thesaurus already unites the words that matter.
func stem(w, lang string) string {
	if len(w) <= 3 || !isLetters(w) {
		return w
	}
	if lang == "en" {
		return stemEN(w)
	}
	return stemFR(w)
}

func isLetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// frSuffixes are tried longest first; a suffix is removed only when at least
// 3 letters remain.
var frSuffixes = []string{
	"issements", "issement", "eraient", "assions", "ssaient",
	"ements", "ations", "ement", "ation", "aient", "erons", "eront", "erais", "erait", "eriez",
	"ments", "ment", "ites", "euses", "euse", "ions", "ees", "ais", "ait", "ant", "ons", "iez",
	"ent", "era", "erai", "eras", "erez", "ite", "ee", "es", "er", "ez", "e", "s", "x",
}

func stemFR(w string) string {
	for _, suf := range frSuffixes {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			// "-ent" and "-ment" also end nouns ("moment", "paiement"):
			// keep at least 4 letters for them.
			if (suf == "ent" || suf == "ment" || suf == "ments") && len(w)-len(suf) < 4 {
				continue
			}
			w = w[:len(w)-len(suf)]
			break
		}
	}
	return undouble(w)
}

func stemEN(w string) string {
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	for _, suf := range []string{"ingly", "edly", "ing", "ed", "ly", "ment"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			w = w[:len(w)-len(suf)]
			break
		}
	}
	if strings.HasSuffix(w, "e") && len(w) > 3 {
		w = w[:len(w)-1]
	}
	return undouble(w)
}

// undouble drops a final doubled consonant ("cancell" → "cancel",
// "gett" → "get") so that inflected and bare forms meet.
func undouble(w string) string {
	n := len(w)
	if n >= 4 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiouls", rune(w[n-1])) {
		return w[:n-1]
	}
	if n >= 5 && w[n-1] == 'l' && w[n-2] == 'l' {
		return w[:n-1]
	}
	return w
}
