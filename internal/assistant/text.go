package assistant

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fold lower-cases s and strips the diacritics of Latin letters, so that
// "Rétabli", "retabli" and "RÉTABLI" compare equal. Ligatures are spelt out.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		if r < utf8.RuneSelf {
			b.WriteByte(byte(r))
			continue
		}
		switch r {
		case 'à', 'â', 'ä', 'á', 'ã', 'å':
			b.WriteByte('a')
		case 'ç':
			b.WriteByte('c')
		case 'é', 'è', 'ê', 'ë':
			b.WriteByte('e')
		case 'î', 'ï', 'í', 'ì':
			b.WriteByte('i')
		case 'ô', 'ö', 'ó', 'ò', 'õ':
			b.WriteByte('o')
		case 'ù', 'û', 'ü', 'ú':
			b.WriteByte('u')
		case 'ÿ', 'ý':
			b.WriteByte('y')
		case 'ñ':
			b.WriteByte('n')
		case 'œ':
			b.WriteString("oe")
		case 'æ':
			b.WriteString("ae")
		case '’', '‘', 'ʼ', '`', '´':
			b.WriteByte('\'')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// words splits folded text into runs of letters and digits. Apostrophes
// separate words ("l'heure" → "l", "heure"; "what's" → "what", "s"), and the
// elided articles are then dropped as stop words.
func words(folded string) []string {
	out := make([]string, 0, 16)
	start := -1
	for i, r := range folded {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, folded[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, folded[start:])
	}
	return out
}

// analyzer turns text into index terms: fold, split, rewrite slang and
// multi-word expressions, drop stop words, stem, then map synonyms (in both
// languages) to one concept so that "livraison", "livrer" and "delivery"
// are the same term.
type analyzer struct {
	phrases  map[string][]phrase // first word → phrases starting with it
	slang    map[string]string
	stop     map[string]bool              // stop words as written (folded)
	stopStem map[string]bool              // their stems, checked after the thesaurus
	concepts map[string]string            // folded word → concept
	stemmed  map[string]map[string]string // language → stem → concept
}

type phrase struct {
	words   []string
	concept string
}

func newAnalyzer() *analyzer {
	a := &analyzer{
		phrases:  map[string][]phrase{},
		slang:    slangWords,
		stop:     map[string]bool{},
		stopStem: map[string]bool{},
		concepts: map[string]string{},
		stemmed:  map[string]map[string]string{"fr": {}, "en": {}},
	}
	for _, w := range strings.Fields(stopWordsFR + " " + stopWordsEN) {
		a.stop[w] = true
		if len(w) >= 5 {
			a.stopStem[stem(w, "fr")] = true
			a.stopStem[stem(w, "en")] = true
		}
	}
	for _, g := range thesaurus {
		for _, w := range g.words {
			ws := words(fold(w))
			if len(ws) > 1 || g.concept == "" || strings.Contains(g.concept, " ") {
				a.phrases[ws[0]] = append(a.phrases[ws[0]], phrase{words: ws, concept: g.concept})
				continue
			}
			w = ws[0]
			// Stems are kept per language: the French stem of "counter" is
			// "count", which must not make English "count" a shop word.
			for _, lang := range []string{"fr", "en"} {
				s := stem(w, lang)
				if len(s) < 4 {
					continue // "sav" must not make "savez" a support word
				}
				if _, taken := a.stemmed[lang][s]; !taken {
					a.stemmed[lang][s] = g.concept
				}
			}
			a.concepts[w] = g.concept
		}
	}
	// Longest phrases first, so "service client" wins over "service".
	for k, ps := range a.phrases {
		for i := 1; i < len(ps); i++ {
			for j := i; j > 0 && len(ps[j].words) > len(ps[j-1].words); j-- {
				ps[j], ps[j-1] = ps[j-1], ps[j]
			}
		}
		a.phrases[k] = ps
	}
	return a
}

// token is one analysed word: its term and whether it came from a concept.
type token struct {
	term    string
	surface string // folded word before stemming, for typo matching
	weak    bool   // a question word (see weakConcepts)
}

// terms analyses text written in lang ("fr" or "en").
func (a *analyzer) terms(text, lang string) []token {
	ws := words(fold(text))
	for i, w := range ws {
		if r, ok := a.slang[w]; ok {
			ws[i] = r
		}
	}
	out := make([]token, 0, len(ws))
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if ps, ok := a.phrases[w]; ok {
			matched := false
			for _, p := range ps {
				if hasPrefixWords(ws[i:], p.words) {
					for _, c := range strings.Fields(p.concept) {
						out = append(out, token{term: c, surface: c, weak: weakConcepts[c]})
					}
					i += len(p.words) - 1
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		if a.stop[w] || (len(w) == 1 && !isDigit(w[0])) {
			continue
		}
		if c, ok := a.concepts[w]; ok {
			out = append(out, token{term: c, surface: w, weak: weakConcepts[c]})
			continue
		}
		s := stem(w, lang)
		if c, ok := a.stemmed[lang][s]; ok {
			out = append(out, token{term: c, surface: w, weak: weakConcepts[c]})
			continue
		}
		if a.stopStem[s] || isNumber(w) {
			continue
		}
		out = append(out, token{term: s, surface: w})
	}
	return out
}

func hasPrefixWords(ws, prefix []string) bool {
	if len(ws) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if ws[i] != p {
			return false
		}
	}
	return true
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// isNumber reports whether w is all digits: quantities and order numbers
// say nothing about the topic of a question.
func isNumber(w string) bool {
	for i := 0; i < len(w); i++ {
		if !isDigit(w[i]) {
			return false
		}
	}
	return w != ""
}
