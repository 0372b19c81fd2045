// Package compose turns an approved update into the text of one social
// post per platform: it appends the link and the plan's hashtags where each
// platform expects them, measures the result the way that platform does, and
// refuses, with a message a person can act on, any text that would not fit.
//
// It never shortens the text itself and never splits it into several posts:
// the only thing it may leave out to make room is trailing hashtags, and it
// says so in the warnings.
package compose

import (
	"errors"
	"fmt"
)

// Platform names a social network as it appears in the plan.
type Platform string

// The platforms compose knows the rules of.
const (
	X         Platform = "x"
	Bluesky   Platform = "bluesky"
	Mastodon  Platform = "mastodon"
	Facebook  Platform = "facebook"
	Instagram Platform = "instagram"
	LinkedIn  Platform = "linkedin"
	Telegram  Platform = "telegram"
)

// Limits published by each platform; docs/social.md gives the sources.
const (
	XLimit               = 280
	BlueskyLimit         = 300
	BlueskyMaxBytes      = 3000
	MastodonDefaultLimit = 500
	FacebookLimit        = 63206
	InstagramLimit       = 2200
	// InstagramMaxHashtags is the cap Instagram rolled out from December
	// 2025, down from 30; see docs/social.md.
	InstagramMaxHashtags = 5
	LinkedInLimit        = 3000
	TelegramLimit        = 4096
	TelegramCaptionLimit = 1024
	// URLLength is what X and Mastodon charge for any link, whatever its
	// real length, because they display it shortened.
	URLLength = 23
)

// Units in which lengths are reported to people.
const (
	unitWeighted   = "weighted characters"
	unitGraphemes  = "characters (graphemes)"
	unitCharacters = "characters"
)

// separators between the text, the link and the hashtags: short-form
// platforms keep everything on one line to save room, the others put the
// hashtags in their own paragraph as their users expect.
const (
	inline    = " "
	paragraph = "\n\n"
)

// ErrUnknownPlatform is returned by ProfileFor for a platform it has no
// rules for.
var ErrUnknownPlatform = errors.New("unknown social platform")

// Counter measures a text in a platform's own unit.
type Counter func(text string) int

// Profile holds the rules of one platform (or one Mastodon instance).
type Profile struct {
	// Platform is the network the rules belong to.
	Platform Platform
	// Limit is the maximum Length of a post.
	Limit int
	// MaxBytes is an extra limit on the UTF-8 size, or 0.
	MaxBytes int
	// MaxHashtags caps the hashtags in a post, or 0 for no cap.
	MaxHashtags int
	// Unit names what Length counts, for error messages and counters.
	Unit string
	// Separator goes between the text, the link and the hashtags.
	Separator string
	// Count measures a text the way the platform does.
	Count Counter
	// Facets says whether links and hashtags must be sent as Bluesky
	// richtext facets rather than being detected by the platform.
	Facets bool
}

// Length measures text the way the profile's platform does.
func (p Profile) Length(text string) int { return p.Count(text) }

// Options carries the per-account settings that change a platform's rules.
type Options struct {
	// MastodonLimit is the instance's character limit; 0 means the
	// default of 500.
	MastodonLimit int
	// InstagramMaxHashtags overrides Instagram's hashtag cap, for an
	// account still allowed the former 30; 0 means InstagramMaxHashtags.
	InstagramMaxHashtags int
	// WithImage is set when the post carries the image card, which turns a
	// Telegram message into a photo caption with a lower limit.
	WithImage bool
}

// ProfileFor returns the rules of a platform.
func ProfileFor(p Platform, o Options) (Profile, error) {
	switch p {
	case X:
		return XProfile(), nil
	case Bluesky:
		return BlueskyProfile(), nil
	case Mastodon:
		return MastodonProfile(o.MastodonLimit), nil
	case Facebook:
		return FacebookProfile(), nil
	case Instagram:
		return InstagramProfile(o.InstagramMaxHashtags), nil
	case LinkedIn:
		return LinkedInProfile(), nil
	case Telegram:
		return TelegramProfile(o.WithImage), nil
	}
	return Profile{}, fmt.Errorf("compose: %w: %q", ErrUnknownPlatform, p)
}

// XProfile returns X's rules: 280 weighted characters, links count 23.
func XProfile() Profile {
	return Profile{Platform: X, Limit: XLimit, Unit: unitWeighted, Separator: inline, Count: XLength}
}

// BlueskyProfile returns Bluesky's rules: 300 graphemes and 3,000 bytes,
// with links and hashtags sent as facets.
func BlueskyProfile() Profile {
	return Profile{Platform: Bluesky, Limit: BlueskyLimit, MaxBytes: BlueskyMaxBytes, Unit: unitGraphemes,
		Separator: inline, Count: GraphemeLength, Facets: true}
}

// MastodonProfile returns Mastodon's rules for an instance whose limit is
// limit characters (500 when limit is 0 or less).
func MastodonProfile(limit int) Profile {
	if limit <= 0 {
		limit = MastodonDefaultLimit
	}
	return Profile{Platform: Mastodon, Limit: limit, Unit: unitGraphemes, Separator: paragraph, Count: MastodonLength}
}

// FacebookProfile returns the rules of a Facebook Page post.
func FacebookProfile() Profile {
	return Profile{Platform: Facebook, Limit: FacebookLimit, Unit: unitCharacters, Separator: paragraph, Count: UTF16Length}
}

// InstagramProfile returns the rules of an Instagram caption: 2,200
// characters and at most maxHashtags hashtags (InstagramMaxHashtags when
// maxHashtags is 0 or less).
func InstagramProfile(maxHashtags int) Profile {
	if maxHashtags <= 0 {
		maxHashtags = InstagramMaxHashtags
	}
	return Profile{Platform: Instagram, Limit: InstagramLimit, MaxHashtags: maxHashtags, Unit: unitCharacters,
		Separator: paragraph, Count: UTF16Length}
}

// LinkedInProfile returns the rules of a LinkedIn post.
func LinkedInProfile() Profile {
	return Profile{Platform: LinkedIn, Limit: LinkedInLimit, Unit: unitCharacters, Separator: paragraph, Count: UTF16Length}
}

// TelegramProfile returns the rules of a Telegram channel post; caption
// selects the lower limit of a caption under a photo.
func TelegramProfile(caption bool) Profile {
	limit := TelegramLimit
	if caption {
		limit = TelegramCaptionLimit
	}
	return Profile{Platform: Telegram, Limit: limit, Unit: unitCharacters, Separator: paragraph, Count: UTF16Length}
}
