package assistant

import (
	"strings"
	"unicode"
)

type caseWord struct {
	s     string
	start bool // first word of a sentence
}

// wordsWithCase splits text into words keeping their case; apostrophes and
// hyphens inside a word keep it whole ("Rassurez-vous", "aujourd'hui").
func wordsWithCase(text string) []caseWord {
	var out []caseWord
	start := -1
	sentence := true
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || (start >= 0 && (r == '\'' || r == '’' || r == '-')) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, caseWord{s: strings.TrimRight(text[start:i], "'’-"), start: sentence})
			start = -1
			sentence = false
		}
		switch r {
		case '.', '!', '?', ':', ';', '«', '"', '(', '\n', '—':
			sentence = true
		}
	}
	if start >= 0 {
		out = append(out, caseWord{s: text[start:], start: sentence})
	}
	return out
}

// commonStarters may begin a sentence without being a name.
var commonStarters = wordSet(stopWordsFR + " " + stopWordsEN + ` unfortunately however meanwhile currently sorry sadly
please note rest good great thank dear malheureusement cependant actuellement desole desolee pardon notez rassurez
en attendant bien sur sure of course oui non yes no voici here pour merci nous we our notre votre you vous il ils elle
they it there sans without avec with dans during pendant depuis since comme as si if when quand des que un une`)

// isName reports whether w is a capitalised word that names something: an
// inner capital (WhatsApp, SMS, iPhone), or a leading capital on a word that
// is not a common sentence opener. A sentence-initial ordinary word that is
// neither ("Perhaps") therefore counts as a name unless the sources have it:
// the guard prefers rejecting a harmless rephrasing to letting a name
// through.
func isName(w string, sentenceStart bool) bool {
	rs := []rune(w)
	if len(rs) < 2 {
		return false
	}
	for _, r := range rs[1:] {
		if unicode.IsUpper(r) {
			return true
		}
	}
	if !unicode.IsUpper(rs[0]) {
		return false
	}
	f := fold(w)
	if i := strings.IndexAny(f, "-'"); i > 0 {
		f = f[:i]
	}
	if commonStarters[f] {
		return false
	}
	// At the start of a sentence, an imperative or an adverb ("Écrivez",
	// "Unfortunately") is an ordinary word, not a name.
	if sentenceStart {
		for _, suf := range []string{"ez", "ons", "ment", "ly", "ing", "ed"} {
			if strings.HasSuffix(f, suf) && len(f) > len(suf)+2 {
				return false
			}
		}
	}
	return true
}
