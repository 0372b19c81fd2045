package plan

import (
	"regexp"
)

// gsm7Basic is the GSM 03.38 basic character set; gsm7Ext characters take
// two septets (escape + char).
const (
	gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext   = "^{}\\[~]|€\f"
)

// SMSInfo describes how an SMS text is encoded and split.
type SMSInfo struct {
	Encoding string // "GSM-7" or "UCS-2"
	Units    int    // septets for GSM-7, UTF-16 code units for UCS-2
	Segments int
	// PerSegment is the capacity of one segment in a multi-part message
	// (or of the single segment when Segments is 1).
	PerSegment int
}

// SMSSegments computes the encoding and number of segments of text as an
// SMS: 160 GSM-7 septets or 70 UCS-2 units in one segment, 153 or 67 per
// segment when concatenated.
func SMSSegments(text string) SMSInfo {
	gsm := true
	septets := 0
	units := 0
	for _, r := range text {
		if r > 0xFFFF {
			units += 2
		} else {
			units++
		}
		switch {
		case containsRune(gsm7Basic, r):
			septets++
		case containsRune(gsm7Ext, r):
			septets += 2
		default:
			gsm = false
		}
	}
	if gsm {
		return split("GSM-7", septets, 160, 153)
	}
	return split("UCS-2", units, 70, 67)
}

func split(enc string, n, single, multi int) SMSInfo {
	if n <= single {
		return SMSInfo{Encoding: enc, Units: n, Segments: 1, PerSegment: single}
	}
	return SMSInfo{Encoding: enc, Units: n, Segments: (n + multi - 1) / multi, PerSegment: multi}
}

func containsRune(set string, r rune) bool {
	for _, c := range set {
		if c == r {
			return true
		}
	}
	return false
}

var urlPattern = regexp.MustCompile(`https?://[^\s]+`)

// XLength is the length of a post as X counts it: every URL counts as 23,
// characters in the Latin and general punctuation ranges count one and all
// others (CJK, emoji…) count two.
func XLength(text string) int {
	return urlWeighted(text, xWeight)
}

// MastodonLength is the length of a post as Mastodon counts it: every URL
// counts as 23 characters, other characters one each.
func MastodonLength(text string) int {
	return urlWeighted(text, func(rune) int { return 1 })
}

func urlWeighted(text string, weight func(rune) int) int {
	n, last := 0, 0
	count := func(s string) {
		for _, r := range s {
			n += weight(r)
		}
	}
	for _, loc := range urlPattern.FindAllStringIndex(text, -1) {
		count(text[last:loc[0]])
		n += 23
		last = loc[1]
	}
	count(text[last:])
	return n
}

func xWeight(r rune) int {
	switch {
	case r <= 0x10FF, r >= 0x2000 && r <= 0x200D, r >= 0x2010 && r <= 0x201F, r >= 0x2032 && r <= 0x2037:
		return 1
	}
	return 2
}

// Limits of posts per channel, in characters.
var postLimits = map[string]int{"x": 280, "bluesky": 300, "mastodon": 500, "telegram": 4096}
