package compose

import (
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// lightRanges are the code points twitter-text v3 weighs 1 (100 at scale
// 100); every other code point weighs 2.
var lightRanges = [...][2]rune{{0, 4351}, {8192, 8205}, {8208, 8223}, {8242, 8247}}

// XLength returns the weighted length X gives text under twitter-text v3:
// the text is NFC-normalised, every link counts URLLength, an emoji
// sequence counts 2 and other code points 1 or 2 by range.
//
// A domain without scheme ("cafe.fr/statut") counts at least URLLength
// because X links it when it knows the top-level domain; counting it the
// higher way can only make us refuse a post X would take, never the reverse.
func XLength(text string) int {
	s := norm.NFC.String(text)
	links := findURLs(s)
	bare := findBareDomains(s, links)
	all := append(append([]span(nil), links...), bare...)
	sort.Slice(all, func(i, j int) bool { return all[i].start < all[j].start })
	total, pos := 0, 0
	for _, l := range all {
		total += xWeight(s[pos:l.start])
		if overlaps(l, bare) {
			total += max(URLLength, xWeight(s[l.start:l.end]))
		} else {
			total += URLLength
		}
		pos = l.end
	}
	return total + xWeight(s[pos:])
}

// xWeight weighs text with no link in it.
func xWeight(s string) int {
	total := 0
	state := -1
	for len(s) > 0 {
		var cluster string
		cluster, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		if isEmojiSequence(cluster) {
			total += 2
			continue
		}
		for _, r := range cluster {
			total += runeWeight(r)
		}
	}
	return total
}

func runeWeight(r rune) int {
	for _, lr := range lightRanges {
		if r >= lr[0] && r <= lr[1] {
			return 1
		}
	}
	return 2
}

// isEmojiSequence reports a cluster of several code points that forms one
// emoji: ZWJ sequences, presentation selectors, keycaps, skin tones, flags
// and subdivision flags. twitter-text counts each such sequence as 2.
func isEmojiSequence(cluster string) bool {
	n := 0
	emoji := false
	for _, r := range cluster {
		n++
		switch {
		case r == 0x200D, r == 0xFE0F, r == 0x20E3,
			r >= 0x1F3FB && r <= 0x1F3FF, // skin tones
			r >= 0x1F1E6 && r <= 0x1F1FF, // regional indicators
			r >= 0xE0020 && r <= 0xE007F: // tag characters
			emoji = true
		}
	}
	return n > 1 && emoji
}

// GraphemeLength returns the number of user-perceived characters (extended
// grapheme clusters, Unicode UAX #29), which is what Bluesky counts.
func GraphemeLength(text string) int {
	return uniseg.GraphemeClusterCount(text)
}

// MastodonLength returns the length Mastodon's StatusLengthValidator gives
// text: graphemes, with every http(s) link counted as URLLength and a
// remote mention "@user@domain" as "@user".
func MastodonLength(text string) int {
	var b strings.Builder
	pos := 0
	for _, l := range findURLs(text) {
		b.WriteString(text[pos:l.start])
		b.WriteString(strings.Repeat("x", URLLength))
		pos = l.end
	}
	b.WriteString(text[pos:])
	countable := b.String()
	countable = mastodonMention.ReplaceAllStringFunc(countable, func(m string) string {
		return m[:strings.IndexByte(m[1:], '@')+1]
	})
	return uniseg.GraphemeClusterCount(countable)
}

// UTF16Length returns the number of UTF-16 code units in text. Meta,
// LinkedIn and Telegram document their limits in "characters" and measure
// them the way JavaScript's String.length does, so an emoji outside the
// Basic Multilingual Plane counts 2: the safe reading of an unclear rule.
func UTF16Length(text string) int {
	n := 0
	for _, r := range text {
		n += utf16.RuneLen(r)
	}
	return n
}
