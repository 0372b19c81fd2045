// Package textutil turns short social posts into tokens and hashed features
// without regular expressions and with almost no allocation, so that every
// classifier of the listen engine can share one pass over the text.
package textutil

import (
	"unicode"
	"unicode/utf8"
)

// Kind is the type of a token.
type Kind uint8

// Token kinds.
const (
	Word Kind = iota
	Hashtag
	Mention
	URL
	Number
	Emoji
	Emoticon
	Punct
)

// Token is one unit of a post. Lower is the lower-cased text, Fold the same
// without accents and with letters repeated more than twice squeezed
// ("cooool" -> "cool"); for a hashtag both hold the tag without '#'. The
// slices point into the Tokenizer's buffer and are valid until the next call.
type Token struct {
	Kind  Kind
	Caps  bool // written in capitals, at least two letters
	Lower []byte
	Fold  []byte
	Raw   string
}

// Tokenizer holds reusable buffers; it is not safe for concurrent use.
type Tokenizer struct {
	buf  []byte
	toks []Token
	offs []int
}

// Tokenize splits s into tokens. The result and the byte slices in it are
// reused by the next call.
func (t *Tokenizer) Tokenize(s string) []Token {
	t.toks = t.toks[:0]
	t.buf = t.buf[:0]
	t.offs = t.offs[:0]
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case (c == 'h' || c == 'H') && hasURLPrefix(s[i:]), (c == 'w' || c == 'W') && hasPrefixFold(s[i:], "www."):
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' {
				j++
			}
			t.add(URL, s[i:j], "url")
			i = j
		case c == '@' && i+1 < len(s) && isWordByte(s[i+1]):
			j := i + 1
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			t.add(Mention, s[i:j], "@user")
			i = j
		case c == '#' && i+1 < len(s) && startsWord(s[i+1:]):
			j := scanWord(s, i+1)
			t.addWord(Hashtag, s[i:j], s[i+1:j])
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || (s[j] == '.' || s[j] == ',' || s[j] == ':' || s[j] == 'h') && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9') {
				j++
			}
			// "2day", "4ever", "5G": a word that starts with digits.
			if j < len(s) && startsWord(s[j:]) {
				j = scanWord(s, j)
				t.addWord(Word, s[i:j], s[i:j])
			} else {
				t.add(Number, s[i:j], "0")
			}
			i = j
		default:
			if n := emoticonLen(s[i:]); n > 0 {
				t.addWord(Emoticon, s[i:i+n], s[i:i+n])
				i += n
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case isLetter(r):
				j := scanWord(s, i)
				t.addWord(Word, s[i:j], s[i:j])
				i = j
			case IsEmoji(r):
				j := i + size
				// Keep modifiers and joiners with their emoji but only the
				// base rune as the token.
				for j < len(s) {
					r2, s2 := utf8.DecodeRuneInString(s[j:])
					if r2 == 0xFE0F || r2 == 0x200D || (r2 >= 0x1F3FB && r2 <= 0x1F3FF) {
						j += s2
						continue
					}
					break
				}
				t.addWord(Emoji, s[i:j], s[i:i+size])
				i = j
			case r == '!' || r == '?' || r == '.' || r == ',' || r == ';' || r == ':' || r == '¿' || r == '¡':
				j := i + size
				for j < len(s) && s[j] == s[i] {
					j++
				}
				t.addWord(Punct, s[i:j], s[i:j])
				i = j
			case r == '…':
				t.addWord(Punct, s[i:i+size], "...")
				i += size
			default:
				i += size
			}
		}
	}
	// Resolve offsets into slices only now: buf may have grown.
	for k := range t.toks {
		o := t.offs[4*k:]
		t.toks[k].Lower = t.buf[o[0]:o[1]:o[1]]
		t.toks[k].Fold = t.buf[o[2]:o[3]:o[3]]
	}
	return t.toks
}

func (t *Tokenizer) add(k Kind, raw, norm string) {
	a := len(t.buf)
	t.buf = append(t.buf, norm...)
	b := len(t.buf)
	t.toks = append(t.toks, Token{Kind: k, Raw: raw})
	t.offs = append(t.offs, a, b, a, b)
}

// addWord stores the lower-cased and folded forms of w.
func (t *Tokenizer) addWord(k Kind, raw, w string) {
	a := len(t.buf)
	upper, letters := 0, 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
		t.buf = utf8.AppendRune(t.buf, unicode.ToLower(r))
	}
	b := len(t.buf)
	var prev rune
	run := 0
	for _, r := range string(t.buf[a:b]) {
		f := Fold(r)
		if f == prev && f >= 'a' && f <= 'z' {
			run++
			if run >= 2 {
				continue
			}
		} else {
			run = 0
		}
		prev = f
		switch f {
		case '’':
			t.buf = append(t.buf, '\'')
		case 'œ':
			t.buf = append(t.buf, 'o', 'e')
		case 'æ':
			t.buf = append(t.buf, 'a', 'e')
		default:
			t.buf = utf8.AppendRune(t.buf, f)
		}
	}
	c := len(t.buf)
	t.toks = append(t.toks, Token{Kind: k, Raw: raw, Caps: letters >= 2 && upper == letters})
	t.offs = append(t.offs, a, b, b, c)
}

func hasURLPrefix(s string) bool {
	return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || (hasPrefixFold(s, "http") && (len(s) == 4 || !isWordByte(s[4])))
}

func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func startsWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isLetter(r) || r >= '0' && r <= '9'
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)
}

// scanWord returns the end of the word starting at i: letters, digits, and
// an inner apostrophe or hyphen ("aujourd'hui", "peut-être", "don't").
func scanWord(s string, i int) int {
	j := i
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if isLetter(r) || r >= '0' && r <= '9' || r == '_' {
			j += size
			continue
		}
		if (r == '\'' || r == '’' || r == '-') && j+size < len(s) {
			r2, _ := utf8.DecodeRuneInString(s[j+size:])
			if isLetter(r2) {
				// French elision ends the word: "l'appli" -> "l'", "appli".
				if r != '-' && elision(s[i:j]) {
					return j + size
				}
				j += size
				continue
			}
		}
		break
	}
	return j
}

// elision reports whether w is a French elided article or pronoun.
func elision(w string) bool {
	switch len(w) {
	case 1:
		switch w[0] | 0x20 {
		case 'l', 'd', 'j', 'm', 't', 's', 'n', 'c':
			return true
		}
	case 2:
		return hasPrefixFold(w, "qu")
	case 5:
		return hasPrefixFold(w, "jusqu") || hasPrefixFold(w, "lorsq") || hasPrefixFold(w, "puisq")
	}
	return false
}

// emoticonLen recognises the common ASCII emoticons at the start of s.
func emoticonLen(s string) int {
	for _, e := range emoticons {
		if len(s) >= len(e) && s[:len(e)] == e && (len(s) == len(e) || !isWordByte(s[len(e)]) || e == "<3") {
			return len(e)
		}
	}
	return 0
}

var emoticons = [...]string{":-)", ":-(", ":-D", ":-p", ":-P", ":'(", ":)", ":(", ":D", ":p", ":P", ";)", ";-)", ":/", ":-/", "xD", "XD", "<3", "^^", ":o", ":O", "-_-", "=)", "=("}

// IsEmoji reports whether r is a pictographic emoji or a common symbol used as one.
func IsEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF && !(r >= 0x1F3FB && r <= 0x1F3FF) ||
		r >= 0x2600 && r <= 0x27BF || r >= 0x2B00 && r <= 0x2BFF || r == 0x2764 || r == 0x203C || r == 0x2049
}
