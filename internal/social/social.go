// Package social is the shared vocabulary of the social publishing
// channels (internal/channel/mastodon, bluesky, x): the post to publish,
// what a platform gives back, the Publisher every platform client
// implements, one error type whose class tells the delivery queue what to
// do, and Thread, which chains an incident's updates as replies to one
// another on each platform.
package social

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Publisher publishes to one account on one platform. Implementations
// classify failures as *Error and do not retry on their own beyond one
// token refresh: the durable delivery queue owns retries.
type Publisher interface {
	// Platform names the platform ("mastodon", "bluesky", "x").
	Platform() string
	// Publish posts p and returns where it landed.
	Publish(ctx context.Context, p Post) (Posted, error)
	// Delete removes a post published earlier; deleting a post that is
	// already gone is not an error.
	Delete(ctx context.Context, p Posted) error
}

// Post is one message to publish on a platform.
type Post struct {
	// Text is the final text, already fitted to the platform's length
	// rules by the composer.
	Text string
	// Lang is its language (ISO 639-1, "fr"); empty lets the platform guess.
	Lang string
	// ReplyTo chains the post under the previous update of the incident;
	// nil starts a new thread.
	ReplyTo *ReplyTo
	// Image is an optional picture (a status card) with its alt text.
	Image *Image
	// Facets are Bluesky's rich-text annotations of Text (links,
	// mentions, hashtags), computed by the composer; other platforms
	// derive them from the text themselves and ignore this field.
	Facets []Facet
	// IdempotencyKey is stable for one message on one account, so that a
	// platform that deduplicates (Mastodon) posts it once however many
	// times the queue sends it.
	IdempotencyKey string
}

// Image is a PNG picture attached to a post.
type Image struct {
	PNG []byte
	// Alt describes the picture for people who cannot see it; platforms
	// show it to screen readers.
	Alt string
}

// StrongRef is an AT Protocol strong reference: a record's at:// URI and
// the CID (content hash) of the version referred to.
type StrongRef struct {
	URI string
	CID string
}

// IsZero reports whether r refers to nothing.
func (r StrongRef) IsZero() bool { return r.URI == "" && r.CID == "" }

// ReplyTo names the post a new post answers, in each platform's terms.
type ReplyTo struct {
	// ID is the parent's id on Mastodon (status id) and X (post id).
	ID string
	// Root and Parent are Bluesky's references: the first post of the
	// thread and the post answered.
	Root   StrongRef
	Parent StrongRef
}

// Facet annotates Text[ByteStart:ByteEnd] (UTF-8 byte offsets, end
// exclusive), as app.bsky.richtext.facet does.
type Facet struct {
	ByteStart int
	ByteEnd   int
	// Kind is FacetLink, FacetMention or FacetTag.
	Kind FacetKind
	// Value is the link's URI, the mentioned account's DID, or the tag
	// without its "#".
	Value string
}

// FacetKind is the feature a Facet carries.
type FacetKind string

// The facet features Bluesky defines.
const (
	FacetLink    FacetKind = "link"
	FacetMention FacetKind = "mention"
	FacetTag     FacetKind = "tag"
)

// Posted is where a post landed.
type Posted struct {
	Platform string
	// ID is the platform's id: Mastodon status id, X post id, Bluesky
	// at:// URI.
	ID string
	// URI and CID are the Bluesky record's strong reference (URI is also
	// set to the ActivityPub id on Mastodon).
	URI string
	CID string
	// Root is the first post of the Bluesky thread this post belongs to;
	// for a post that starts a thread it is the post itself.
	Root StrongRef
	// URL is the public web page of the post.
	URL string
}

// Ref is p's own strong reference.
func (p Posted) Ref() StrongRef { return StrongRef{URI: p.URI, CID: p.CID} }

// NextReplyTo is the ReplyTo of a post that answers p: it keeps the
// thread's Bluesky root, so that every update hangs under the first one.
func (p Posted) NextReplyTo() *ReplyTo {
	root := p.Root
	if root.IsZero() {
		root = p.Ref()
	}
	return &ReplyTo{ID: p.ID, Root: root, Parent: p.Ref()}
}

// Class says what the delivery queue should do with a failed call.
type Class int

// The classes of Error.
const (
	// Temporary: the platform or the network failed (5xx, timeout);
	// retry with backoff.
	Temporary Class = iota
	// RateLimited: the platform refused for now; retry after Reset.
	RateLimited
	// Auth: the platform refused the credentials (expired, revoked, wrong
	// scopes); retrying cannot help until someone reconnects the account.
	Auth
	// Permanent: the platform refused this post (validation, duplicate,
	// too long); retrying cannot help.
	Permanent
)

var classNames = [...]string{Temporary: "temporary", RateLimited: "rate_limited", Auth: "auth", Permanent: "permanent"}

// String is the class's stable snake_case name, for logs.
func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return fmt.Sprintf("class(%d)", int(c))
	}
	return classNames[c]
}

// Error is a failed call to a platform. Messages never hold tokens.
type Error struct {
	// Platform names the platform ("mastodon", "bluesky", "x").
	Platform string
	// Op is the call that failed ("publish", "upload media", "delete",
	// "refresh token", "create session").
	Op    string
	Class Class
	// Status is the HTTP status, 0 when no answer was read.
	Status int
	// Code is the platform's error name when it gives one (Bluesky
	// "ExpiredToken", X problem type, Mastodon has none).
	Code string
	// Message is the platform's explanation.
	Message string
	// Reset is when a rate limit lifts (RateLimited), zero if unknown.
	Reset time.Time
	// Uncertain: the request was sent and no answer was read, so the
	// post may exist; resending may publish it twice on platforms
	// without idempotency keys.
	Uncertain bool
	// Err is the underlying cause (transport error), if any.
	Err error
}

// Error describes the failure for logs: platform, call, class, HTTP
// status, the platform's code and message, and the reset time.
func (e *Error) Error() string {
	msg := e.Platform + ": " + e.Op + ": " + e.Class.String()
	if e.Status != 0 {
		msg += fmt.Sprintf(", HTTP %d", e.Status)
	}
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if !e.Reset.IsZero() {
		msg += " (resets " + e.Reset.UTC().Format(time.RFC3339) + ")"
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Safe is a message for the console, without provider internals.
func (e *Error) Safe() string {
	name := DisplayName(e.Platform)
	switch e.Class {
	case Auth:
		return "the " + name + " token expired: reconnect the account in the console"
	case RateLimited:
		if e.Reset.IsZero() {
			return name + " is limiting how often the account can post; Vigie will retry"
		}
		return name + " is limiting how often the account can post; Vigie will retry after " + e.Reset.UTC().Format("15:04 UTC")
	case Permanent:
		if e.Message != "" {
			return name + " refused the post: " + e.Message
		}
		return name + " refused the post"
	default:
		return name + " is unavailable for now; Vigie will retry"
	}
}

// RetryAfter is how long to wait before trying again: until Reset for a
// rate limit, zero otherwise.
func (e *Error) RetryAfter(now time.Time) time.Duration {
	if e.Class != RateLimited || e.Reset.IsZero() {
		return 0
	}
	return max(0, e.Reset.Sub(now))
}

// ClassOf is the class of err: that of the *Error it wraps, Temporary for
// any other error (a transport failure the client did not wrap).
func ClassOf(err error) Class {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Class
	}
	return Temporary
}

// DisplayName is the platform's name as people write it.
func DisplayName(platform string) string {
	switch platform {
	case "mastodon":
		return "Mastodon"
	case "bluesky":
		return "Bluesky"
	case "x":
		return "X"
	case "facebook":
		return "Facebook"
	case "instagram":
		return "Instagram"
	case "linkedin":
		return "LinkedIn"
	}
	return platform
}

// Thread keeps the last post of each (incident, platform) so that the
// next update of the incident is published as a reply to it. It is
// in-memory and safe for concurrent use; persisting it is the caller's
// concern (Record restores it).
type Thread struct {
	mu   sync.Mutex
	last map[threadKey]Posted
}

type threadKey struct{ incident, platform string }

// Record notes p as the latest post of the incident on p.Platform.
func (t *Thread) Record(incident string, p Posted) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		t.last = map[threadKey]Posted{}
	}
	t.last[threadKey{incident, p.Platform}] = p
}

// Last is the latest post of the incident on platform.
func (t *Thread) Last(incident, platform string) (Posted, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.last[threadKey{incident, platform}]
	return p, ok
}

// ReplyTo is the ReplyTo of the incident's next post on platform, nil
// when nothing was posted there yet.
func (t *Thread) ReplyTo(incident, platform string) *ReplyTo {
	p, ok := t.Last(incident, platform)
	if !ok {
		return nil
	}
	return p.NextReplyTo()
}

// Forget drops the incident's threads on every platform (the incident is
// closed, or its posts were deleted).
func (t *Thread) Forget(incident string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.last {
		if k.incident == incident {
			delete(t.last, k)
		}
	}
}
