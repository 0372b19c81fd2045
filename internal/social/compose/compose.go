package compose

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Errors that block approval of a post; the text has to be changed.
var (
	ErrEmptyText   = errors.New("post text is empty")
	ErrInvalidLink = errors.New("link is not an http or https URL")
)

// Input is what an update gives each platform.
type Input struct {
	// Text is the plan's template for the platform, or the status-page
	// text when the platform has none.
	Text string
	// Hashtags come from the plan, with or without their '#', in order of
	// importance: when room runs out the last ones are dropped first.
	Hashtags []string
	// Link is the status page or a continuity link; optional.
	Link string
}

// Post is a composed post, ready to send.
type Post struct {
	// Platform is the network the post is for.
	Platform Platform
	// Text is exactly what to send.
	Text string
	// Length is Text measured the platform's way, in Unit.
	Length int
	// Limit is the platform's maximum Length.
	Limit int
	// Unit names what Length counts.
	Unit string
	// Warnings list what was left out (hashtags that did not fit, were
	// duplicates or malformed); they do not block approval.
	Warnings []string
	// Facets are the Bluesky richtext facets for links and hashtags; nil
	// on other platforms.
	Facets []Facet
}

// LengthError says that a text is too long for a platform. The text is
// never cut to fit: a person has to shorten it.
type LengthError struct {
	Platform Platform
	Length   int
	Limit    int
	Unit     string
}

// Error tells the platform, the length, the limit and the excess.
func (e *LengthError) Error() string {
	return fmt.Sprintf("%s: text is %d %s, the limit is %d: shorten it by %d",
		e.Platform, e.Length, e.Unit, e.Limit, e.Length-e.Limit)
}

// HashtagLimitError says that the text alone already holds more hashtags
// than the platform accepts.
type HashtagLimitError struct {
	Platform Platform
	Count    int
	Limit    int
}

// Error tells the platform, the count, the limit and the excess.
func (e *HashtagLimitError) Error() string {
	return fmt.Sprintf("%s: text has %d hashtags, the limit is %d: remove %d",
		e.Platform, e.Count, e.Limit, e.Count-e.Limit)
}

// Compose builds the post for p. On error the returned Post still carries
// the text that was measured, its length and the limit, so the approval
// screen can show the counter next to the error.
func Compose(p Profile, in Input) (Post, error) {
	post := Post{Platform: p.Platform, Limit: p.Limit, Unit: p.Unit}
	body := strings.TrimSpace(strings.ReplaceAll(in.Text, "\r\n", "\n"))
	if body == "" {
		return post, fmt.Errorf("compose: %s: %w", p.Platform, ErrEmptyText)
	}
	if link := strings.TrimSpace(in.Link); link != "" && !strings.Contains(body, link) {
		if err := checkLink(link); err != nil {
			return post, fmt.Errorf("compose: %s: %w", p.Platform, err)
		}
		body += p.Separator + link
	}
	post.Text, post.Length = body, p.Count(body)
	if err := p.check(body, post.Length); err != nil {
		return post, fmt.Errorf("compose: %w", err)
	}
	present := findHashtags(body)
	if p.MaxHashtags > 0 && len(present) > p.MaxHashtags {
		return post, fmt.Errorf("compose: %w",
			&HashtagLimitError{Platform: p.Platform, Count: len(present), Limit: p.MaxHashtags})
	}
	tags, warnings := selectHashtags(in.Hashtags, present)
	if p.MaxHashtags > 0 && len(present)+len(tags) > p.MaxHashtags {
		keep := p.MaxHashtags - len(present)
		for _, t := range tags[keep:] {
			warnings = append(warnings, fmt.Sprintf("hashtag %s left out: %s allows %d hashtags", t, p.Platform, p.MaxHashtags))
		}
		tags = tags[:keep]
	}
	text := body
	for n := len(tags); n >= 0; n-- {
		text = body
		if n > 0 {
			text += p.Separator + strings.Join(tags[:n], " ")
		}
		if n == 0 || p.check(text, p.Count(text)) == nil {
			for _, t := range tags[n:] {
				warnings = append(warnings, fmt.Sprintf("hashtag %s left out: no room within %d %s", t, p.Limit, p.Unit))
			}
			break
		}
	}
	post.Text, post.Length, post.Warnings = text, p.Count(text), warnings
	if p.Facets {
		post.Facets = Facets(text)
	}
	return post, nil
}

// check returns a *LengthError when text, of the given length, breaks one
// of the profile's limits.
func (p Profile) check(text string, length int) error {
	if length > p.Limit {
		return &LengthError{Platform: p.Platform, Length: length, Limit: p.Limit, Unit: p.Unit}
	}
	if p.MaxBytes > 0 && len(text) > p.MaxBytes {
		return &LengthError{Platform: p.Platform, Length: len(text), Limit: p.MaxBytes, Unit: "bytes"}
	}
	return nil
}

func checkLink(link string) error {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(link, " \t\n") {
		return fmt.Errorf("%w: %q", ErrInvalidLink, link)
	}
	return nil
}
