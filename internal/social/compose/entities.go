package compose

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a half-open range of byte offsets into a text.
type span struct{ start, end int }

// tagSpan is a hashtag found in a text: the span covers the '#', tag does not.
type tagSpan struct {
	span
	tag string
}

// maxTagRunes is Bluesky's limit on a tag (app.bsky.richtext.facet#tag,
// maxGraphemes 64); longer runs are not linked, so they are not tags.
const maxTagRunes = 64

// findURLs returns the http and https links in s. Trailing punctuation is
// left out, as every platform does, so "voir https://x.fr/a." links "…/a".
func findURLs(s string) []span {
	var out []span
	lower := strings.ToLower(s)
	for pos := 0; pos < len(s); {
		i := strings.Index(lower[pos:], "http")
		if i < 0 {
			break
		}
		start := pos + i
		pos = start + 4
		var rest string
		switch {
		case strings.HasPrefix(lower[start:], "https://"):
			rest = s[start+8:]
		case strings.HasPrefix(lower[start:], "http://"):
			rest = s[start+7:]
		default:
			continue
		}
		if prev, _ := utf8.DecodeLastRuneInString(s[:start]); start > 0 && isWordRune(prev) {
			continue
		}
		end := len(s) - len(rest)
		for _, r := range rest {
			if unicode.IsSpace(r) || r == '<' || r == '>' || r == '"' {
				break
			}
			end += utf8.RuneLen(r)
		}
		end = trimURLEnd(s[start:end]) + start
		if end-start <= len(s)-len(rest)-start { // nothing after "://"
			continue
		}
		out = append(out, span{start, end})
		pos = end
	}
	return out
}

// trimURLEnd returns the length of u without the trailing punctuation that
// ends a sentence rather than the link; a ')' stays when the link opened one.
func trimURLEnd(u string) int {
	for len(u) > 0 {
		r, size := utf8.DecodeLastRuneInString(u)
		if r == ')' && strings.Count(u, "(") >= strings.Count(u, ")") {
			break
		}
		if !strings.ContainsRune(".,;:!?'\")]}»…’", r) {
			break
		}
		u = u[:len(u)-size]
	}
	return len(u)
}

// bareDomain matches a token that X would likely link without a scheme,
// such as "cafe-express.fr/statut".
var bareDomain = regexp.MustCompile(`(?i)^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}(?:[/?#:]\S*)?$`)

// findBareDomains returns the domain-like tokens of s outside the spans
// already found as links.
func findBareDomains(s string, links []span) []span {
	var out []span
	for _, tok := range tokens(s) {
		if overlaps(tok, links) {
			continue
		}
		word := s[tok.start:tok.end]
		lead := len(word) - len(strings.TrimLeft(word, "(«\"'“‘["))
		word = word[lead:]
		word = word[:trimURLEnd(word)]
		if strings.ContainsRune(word, '@') || !bareDomain.MatchString(word) {
			continue
		}
		out = append(out, span{tok.start + lead, tok.start + lead + len(word)})
	}
	return out
}

// tokens splits s on white space and returns the spans of the words.
func tokens(s string) []span {
	var out []span
	start := -1
	for i, r := range s {
		switch {
		case unicode.IsSpace(r) && start >= 0:
			out = append(out, span{start, i})
			start = -1
		case !unicode.IsSpace(r) && start < 0:
			start = i
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(s)})
	}
	return out
}

func overlaps(a span, spans []span) bool {
	for _, b := range spans {
		if a.start < b.end && b.start < a.end {
			return true
		}
	}
	return false
}

// findHashtags returns the hashtags of s following Bluesky's detection
// (tag body, trailing punctuation, 64-character cap). Bluesky wants white
// space before the '#'; an opening bracket or quote is accepted too, as X
// and Mastodon do, so that "(#WhatsAppDown)" is not added a second time.
// "https://x.fr/#ancre" and "mot#collé" hold no tag.
func findHashtags(s string) []tagSpan {
	var out []tagSpan
	prev := ' '
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == '#' || r == '＃') && (unicode.IsSpace(prev) || strings.ContainsRune("([{«\"'“‘", prev)) {
			if t, ok := tagAt(s, i, size); ok {
				out = append(out, t)
				i, prev = t.end, 'x'
				continue
			}
		}
		i += size
		prev = r
	}
	return out
}

// tagAt reads the hashtag whose '#' of hashSize bytes is at byte i of s.
func tagAt(s string, i, hashSize int) (tagSpan, bool) {
	body := s[i+hashSize:]
	if strings.HasPrefix(body, "\uFE0F") { // "#️⃣" is the keycap emoji
		return tagSpan{}, false
	}
	n := strings.IndexFunc(body, func(r rune) bool { return unicode.IsSpace(r) || isInvisible(r) })
	if n >= 0 {
		body = body[:n]
	}
	body = strings.TrimRightFunc(body, unicode.IsPunct)
	if body == "" || utf8.RuneCountInString(body) > maxTagRunes ||
		!strings.ContainsFunc(body, func(r rune) bool { return !unicode.IsDigit(r) && !unicode.IsPunct(r) }) {
		return tagSpan{}, false
	}
	end := i + hashSize + len(body)
	return tagSpan{span: span{i, end}, tag: body}, true
}

// isInvisible reports the invisible characters that end a tag in Bluesky.
func isInvisible(r rune) bool {
	switch r {
	case '\u00AD', '\u2060', '\u200A', '\u200B', '\u200C', '\u200D', '\u20E2':
		return true
	}
	return false
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// mastodonMention matches "@user@domain"; Mastodon charges only "@user".
var mastodonMention = regexp.MustCompile(`@([a-zA-Z0-9_]+(?:[a-zA-Z0-9_.-]+[a-zA-Z0-9_]+)?)@[\p{L}\p{N}_.-]*[\p{L}\p{N}_]`)
