package assistant

// Fact extraction for the guard: what in a text is a checkable claim, and
// its normalised value ("4 pm", "16h00" and "16:00" are the same time).

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	reURL     = regexp.MustCompile(`\b(?:https?://|www\.)[^\s<>"'()\[\]]+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:fr|com|net|org|io|eu|me|app|be|ch|ca|uk|de|info|co)\b(?:/[^\s<>"'()\[\]]*)?`)
	reEmail   = regexp.MustCompile(`\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\b`)
	reISODate = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	reNumDate = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b`)
	reDateFR  = regexp.MustCompile(`\b(\d{1,2})(?:er)?\s+(janvier|janv\.?|fevrier|février|fevr?\.?|févr\.?|mars|avril|avr\.?|mai|juin|juillet|juil\.?|aout|août|septembre|sept\.?|octobre|oct\.?|novembre|nov\.?|decembre|décembre|dec\.?|déc\.?)`)
	reDateEN  = regexp.MustCompile(`\b(january|jan\.?|february|feb\.?|march|mar\.?|april|apr\.?|may|june|jun\.?|july|jul\.?|august|aug\.?|september|sept?\.?|october|oct\.?|november|nov\.?|december|dec\.?)\s+(\d{1,2})(?:st|nd|rd|th)?\b|\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(january|february|march|april|may|june|july|august|september|october|november|december)\b`)
	reTimeHM  = regexp.MustCompile(`\b([01]?\d|2[0-3])\s?[:h]\s?([0-5]\d)\b(?:\s?(am|pm|a\.m\.|p\.m\.))?`)
	reTimeAP  = regexp.MustCompile(`\b(1[0-2]|0?[1-9])\s?(am|pm|a\.m\.|p\.m\.)`)
	reTimeH   = regexp.MustCompile(`\b([01]?\d|2[0-3])\s?h\b`)
	reNoon    = regexp.MustCompile(`\b(noon|midday|midi|midnight|minuit)\b`)
	reNumber  = regexp.MustCompile(`\+?\d(?:[\d\s.,-]*\d)?`)
)

var months = map[string]int{"jan": 1, "fev": 2, "feb": 2, "mar": 3, "avr": 4, "apr": 4, "mai": 5, "may": 5, "jui": 0,
	"jun": 6, "jul": 7, "aou": 8, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

func monthNumber(name string) int {
	n := fold(strings.TrimSuffix(name, "."))
	switch {
	case strings.HasPrefix(n, "juin"):
		return 6
	case strings.HasPrefix(n, "juil"):
		return 7
	case len(n) >= 3:
		return months[n[:3]]
	}
	return 0
}

// dayWords are weekdays and relative days: a rephrasing must not move a
// promise to "tomorrow" or "Monday".
var dayWords = map[string]string{
	"lundi": "mon", "mardi": "tue", "mercredi": "wed", "jeudi": "thu", "vendredi": "fri", "samedi": "sat", "dimanche": "sun",
	"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri", "saturday": "sat", "sunday": "sun",
	"demain": "tomorrow", "tomorrow": "tomorrow", "hier": "yesterday", "yesterday": "yesterday", "aujourd": "today", "aujourd'hui": "today",
	"today": "today", "tonight": "tonight", "soir": "tonight", "weekend": "weekend",
}

// numberWords are numbers written out; "un/une/one/a" are left out because
// they are mostly articles.
var numberWords = map[string]string{
	"deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "six": "6", "sept": "7", "huit": "8", "neuf": "9", "dix": "10",
	"onze": "11", "douze": "12", "quinze": "15", "vingt": "20", "trente": "30", "quarante": "40", "cinquante": "50",
	"soixante": "60", "cent": "100", "mille": "1000", "demi": "0.5", "demie": "0.5",
	"two": "2", "three": "3", "four": "4", "five": "5", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
	"eleven": "11", "twelve": "12", "fifteen": "15", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
	"sixty": "60", "hundred": "100", "thousand": "1000", "half": "0.5", "dozen": "12",
}

// claimWords are causes and commitments, by folded prefix, grouped so that
// a French source supports an English rephrasing of the same claim.
var claimWords = []struct {
	claim    string
	prefixes []string
}{
	{"hack", []string{"pirat", "hack", "cyber", "intrusion", "breach"}},
	{"attack", []string{"attaqu", "attack", "ddos"}},
	{"leak", []string{"fuit", "fuite", "leak"}},
	{"bug", []string{"bug", "glitch"}},
	{"maintenance", []string{"maintenance"}},
	{"server", []string{"serveur", "server", "datacent"}},
	{"power", []string{"electricit", "electricity", "courant", "power"}},
	{"fire", []string{"incendi", "fire"}},
	{"weather", []string{"meteo", "weather", "tempete", "storm", "orage"}},
	{"guarantee", []string{"garanti", "guarantee"}},
	{"promise", []string{"promet", "promis", "promise"}},
	{"refund", []string{"rembours", "refund", "reimburs"}},
	{"free", []string{"gratuit", "free", "offert"}},
	{"compensation", []string{"compens", "dedommag", "indemni", "voucher", "coupon", "discount", "reduction"}},
	{"gift", []string{"cadeau", "gift"}},
	{"fault", []string{"faute", "fault", "responsab", "liable", "blame"}},
}

// Facts extracts the checkable facts of text.
func Facts(text string) []Fact {
	var out []Fact
	add := func(kind, s, v string) { out = append(out, Fact{Kind: kind, Text: s, Value: v}) }
	orig := text
	low := []byte(asciiLower(text)) // same byte offsets as orig
	// scan runs re over the spans of text that may hold what it finds, adds
	// each match, and blanks it so that its digits are not read again.
	// Running the regular expressions over a few short spans instead of the
	// whole text keeps the guard cheap enough to check every answer.
	scan := func(spans [][2]int, re *regexp.Regexp, f func(m []string)) {
		for _, sp := range spans {
			seg := string(low[sp[0]:sp[1]])
			for _, loc := range re.FindAllStringSubmatchIndex(seg, -1) {
				m := make([]string, len(loc)/2)
				for i := range m {
					if loc[2*i] >= 0 {
						m[i] = orig[sp[0]+loc[2*i] : sp[0]+loc[2*i+1]]
					}
				}
				f(m)
				for i := sp[0] + loc[0]; i < sp[0]+loc[1]; i++ {
					low[i] = ' '
				}
			}
		}
	}
	scan(tokensWith(low, "@"), reEmail, func(m []string) { add("email", m[0], strings.ToLower(m[0])) })
	scan(tokensWith(low, "."), reURL, func(m []string) {
		s := strings.TrimRight(m[0], ".,;:!?")
		add("url", s, normURL(s))
	})
	for _, h := range handles(string(low)) {
		add("name", orig[h[0]:h[1]], fold(orig[h[0]+1:h[1]]))
		for i := h[0]; i < h[1]; i++ {
			low[i] = ' '
		}
	}
	num := digitWindows(low)
	if len(num) > 0 {
		l := string(low)
		scan(num, reISODate, func(m []string) { add("date", m[0], m[2]+"-"+m[3]) })
		if containsAny(l, monthsFR) {
			scan(num, reDateFR, func(m []string) { add("date", m[0], fmt.Sprintf("%02d-%02d", monthNumber(m[2]), atoi(m[1]))) })
		}
		if containsAny(l, monthsEN) {
			scan(num, reDateEN, func(m []string) {
				if m[1] != "" {
					add("date", m[0], fmt.Sprintf("%02d-%02d", monthNumber(m[1]), atoi(m[2])))
				} else {
					add("date", m[0], fmt.Sprintf("%02d-%02d", monthNumber(m[4]), atoi(m[3])))
				}
			})
		}
		scan(num, reTimeHM, func(m []string) { add("time", m[0], hhmm(atoi(m[1]), atoi(m[2]), m[3])) })
		if containsAny(l, []string{"am", "pm", "a.m", "p.m"}) {
			scan(num, reTimeAP, func(m []string) { add("time", m[0], hhmm(atoi(m[1]), 0, m[2])) })
		}
		scan(num, reTimeH, func(m []string) { add("time", m[0], hhmm(atoi(m[1]), 0, "")) })
		scan(num, reNumDate, func(m []string) {
			if atoi(m[1]) <= 31 && atoi(m[2]) <= 12 && m[3] != "" {
				// day/month/year, the French order
				add("date", m[0], fmt.Sprintf("%02d-%02d", atoi(m[2]), atoi(m[1])))
			} else {
				add("number", m[0], normNumber(m[1]))
				add("number", m[0], normNumber(m[2]))
			}
		})
		scan(num, reNumber, func(m []string) {
			s := strings.TrimRight(m[0], " .,-")
			add("number", s, normNumber(s))
		})
	}
	scan(tokensWith(low, "mid", "noon", "minuit"), reNoon, func(m []string) {
		v := "12:00"
		if l := strings.ToLower(m[1]); l == "midnight" || l == "minuit" {
			v = "00:00"
		}
		add("time", m[0], v)
	})
	text = string(low)
	// Words: written numbers, days, claims, capitalised names.
	for _, w := range wordsWithCase(blankAs(orig, text)) {
		f := fold(w.s)
		if v, ok := numberWords[f]; ok {
			add("number", w.s, v)
		} else if v, ok := dayWords[f]; ok {
			add("day", w.s, v)
		} else if c := claimOf(f); c != "" {
			add("claim", w.s, c)
		} else if isName(w.s, w.start) {
			add("name", w.s, nameValue(f))
		}
	}
	return out
}

var (
	monthsFR = []string{"janv", "fevr", "févr", "mars", "avr", "mai", "juin", "juil", "aout", "août", "sept", "oct", "nov", "dec", "déc"}
	monthsEN = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
)

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// asciiLower lower-cases ASCII letters only, so byte offsets are kept.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// blankAs returns orig with the bytes blanked in blanked blanked too.
func blankAs(orig, blanked string) string {
	b := []byte(orig)
	for i := range b {
		if blanked[i] == ' ' {
			b[i] = ' '
		}
	}
	return string(b)
}

// tokenSpans returns the spans of the runs of non-space bytes of s.
func tokenSpans(s []byte) [][2]int {
	var out [][2]int
	start := -1
	for i, c := range s {
		space := c == ' ' || c == '\n' || c == '\t' || c == '\r'
		switch {
		case !space && start < 0:
			start = i
		case space && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}

// tokensWith returns the tokens of s that contain one of subs.
func tokensWith(s []byte, subs ...string) [][2]int {
	var out [][2]int
	for _, t := range tokenSpans(s) {
		tok := string(s[t[0]:t[1]])
		if containsAny(tok, subs) {
			out = append(out, t)
		}
	}
	return out
}

// digitWindows returns, merged, the spans of up to three tokens either side
// of each token holding a digit: enough for "le 3 juin", "June 4th",
// "16 h 10", "4 pm" and phone numbers written in pairs.
func digitWindows(s []byte) [][2]int {
	toks := tokenSpans(s)
	var out [][2]int
	for i, t := range toks {
		if !strings.ContainsAny(string(s[t[0]:t[1]]), "0123456789") {
			continue
		}
		lo, hi := max(i-3, 0), min(i+3, len(toks)-1)
		if n := len(out); n > 0 && toks[lo][0] <= out[n-1][1] {
			out[n-1][1] = toks[hi][1]
			continue
		}
		out = append(out, [2]int{toks[lo][0], toks[hi][1]})
	}
	return out
}

// handles finds @handles and #hashtags: a @ or # after a non-word byte,
// followed by at least two letters, digits or underscores.
func handles(s string) [][2]int {
	var out [][2]int
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c != '@' && c != '#') || (i > 0 && isWordByte(s[i-1])) {
			continue
		}
		j := i + 1
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
				break
			}
			j += size
		}
		if j-i > 2 {
			out = append(out, [2]int{i, j})
			i = j - 1
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 0x80 || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func hhmm(h, m int, ampm string) string {
	ap := strings.ToLower(strings.ReplaceAll(ampm, ".", ""))
	switch {
	case ap == "pm" && h < 12:
		h += 12
	case ap == "am" && h == 12:
		h = 0
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

func normURL(s string) string {
	s = strings.ToLower(s)
	for _, p := range []string{"https://", "http://", "www."} {
		s = strings.TrimPrefix(s, p)
	}
	return strings.TrimRight(s, "/")
}

// normNumber keeps the digits; a French or international phone number
// (+33 6 00 00 12 34, 0033…) becomes its national form 0600001234, and a
// short number loses its leading zeros.
func normNumber(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(s, "+33") && len(d) == 11:
		d = "0" + d[2:]
	case strings.HasPrefix(d, "0033") && len(d) == 13:
		d = "0" + d[4:]
	}
	if len(d) <= 3 {
		d = strings.TrimLeft(d, "0")
		if d == "" {
			d = "0"
		}
	}
	return d
}

func claimOf(folded string) string {
	for _, c := range claimWords {
		for _, p := range c.prefixes {
			if strings.HasPrefix(folded, p) {
				// "free" must not catch "freeze", "fire" not "firefox":
				// short prefixes must be whole words.
				if len(p) <= 4 && len(folded) > len(p)+2 {
					continue
				}
				return c.claim
			}
		}
	}
	return ""
}
