package compose

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// selectHashtags normalises the plan's hashtags to "#Tag", and keeps those
// that are well-formed and not already in the text or earlier in the list,
// compared without case because every platform links them that way.
func selectHashtags(hashtags []string, present []tagSpan) (tags, warnings []string) {
	seen := make(map[string]bool, len(present)+len(hashtags))
	for _, t := range present {
		seen[strings.ToLower(t.tag)] = true
	}
	for _, h := range hashtags {
		tag, err := normaliseHashtag(h)
		if err != nil {
			warnings = append(warnings, err.Error())
			continue
		}
		key := strings.ToLower(tag)
		if seen[key] {
			continue // already in the text: repeating it reads as spam
		}
		seen[key] = true
		tags = append(tags, "#"+tag)
	}
	return tags, warnings
}

// normaliseHashtag returns the tag without its '#'. It accepts only letters,
// digits, marks and underscores with at least one letter, the common
// ground of what X, Instagram, Mastodon and Bluesky link as a whole; a tag
// that one of them would cut short is refused rather than half-linked.
func normaliseHashtag(h string) (string, error) {
	tag := strings.TrimSpace(h)
	tag = strings.TrimPrefix(strings.TrimPrefix(tag, "#"), "＃")
	switch {
	case tag == "":
		return "", fmt.Errorf("hashtag %q left out: it is empty", h)
	case utf8.RuneCountInString(tag) > maxTagRunes:
		return "", fmt.Errorf("hashtag %q left out: longer than %d characters", h, maxTagRunes)
	case strings.ContainsFunc(tag, func(r rune) bool {
		return r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	}):
		return "", fmt.Errorf("hashtag %q left out: only letters, digits and _ are linked", h)
	case !strings.ContainsFunc(tag, unicode.IsLetter):
		return "", fmt.Errorf("hashtag %q left out: it needs a letter", h)
	}
	return tag, nil
}
