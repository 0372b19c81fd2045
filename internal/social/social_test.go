package social

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestThreadChainsUpdates(t *testing.T) {
	var th Thread
	if r := th.ReplyTo("inc-1", "bluesky"); r != nil {
		t.Fatalf("first post ReplyTo = %+v, want nil", r)
	}
	first := Posted{Platform: "bluesky", ID: "at://did:plc:a/app.bsky.feed.post/1", URI: "at://did:plc:a/app.bsky.feed.post/1", CID: "c1"}
	first.Root = first.Ref()
	th.Record("inc-1", first)

	r := th.ReplyTo("inc-1", "bluesky")
	if r.Root != first.Ref() || r.Parent != first.Ref() || r.ID != first.ID {
		t.Fatalf("second ReplyTo = %+v", r)
	}
	second := Posted{Platform: "bluesky", ID: "at://did:plc:a/app.bsky.feed.post/2", URI: "at://did:plc:a/app.bsky.feed.post/2", CID: "c2", Root: r.Root}
	th.Record("inc-1", second)

	r = th.ReplyTo("inc-1", "bluesky")
	if r.Root != first.Ref() || r.Parent != second.Ref() {
		t.Fatalf("third ReplyTo = %+v: the root must stay the first post", r)
	}
	if th.ReplyTo("inc-1", "mastodon") != nil || th.ReplyTo("inc-2", "bluesky") != nil {
		t.Fatal("threads leak across platforms or incidents")
	}
	th.Forget("inc-1")
	if _, ok := th.Last("inc-1", "bluesky"); ok {
		t.Fatal("Forget kept the thread")
	}
}

func TestNextReplyToWithoutRoot(t *testing.T) {
	// A post recorded without Root (Mastodon, X, or restored from an old
	// row) starts its own thread.
	p := Posted{Platform: "x", ID: "1799", URI: "u", CID: "c"}
	r := p.NextReplyTo()
	if r.ID != "1799" || r.Root != (StrongRef{"u", "c"}) || r.Parent != r.Root {
		t.Fatalf("NextReplyTo = %+v", r)
	}
}

func TestErrorClasses(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 40, 0, 0, time.UTC)
	cause := errors.New("connection reset")
	tests := []struct {
		name       string
		err        error
		class      Class
		safe       string
		retryAfter time.Duration
	}{
		{"auth", &Error{Platform: "x", Op: "publish", Class: Auth, Status: 401}, Auth, "the X token expired: reconnect the account in the console", 0},
		{"rate limited", &Error{Platform: "mastodon", Op: "publish", Class: RateLimited, Status: 429, Reset: now.Add(90 * time.Second)}, RateLimited, "Mastodon is limiting how often the account can post; Vigie will retry after 15:41 UTC", 90 * time.Second},
		{"rate limit in the past", &Error{Platform: "bluesky", Class: RateLimited, Reset: now.Add(-time.Minute)}, RateLimited, "Bluesky is limiting", 0},
		{"permanent", &Error{Platform: "bluesky", Op: "publish", Class: Permanent, Status: 400, Code: "InvalidRequest", Message: "Record/text must not be longer than 300 graphemes"}, Permanent, "Bluesky refused the post: Record/text must not be longer than 300 graphemes", 0},
		{"temporary", &Error{Platform: "x", Op: "publish", Class: Temporary, Err: cause}, Temporary, "X is unavailable for now", 0},
		{"wrapped", fmt.Errorf("deliver: %w", &Error{Platform: "x", Class: Permanent}), Permanent, "X refused the post", 0},
		{"foreign", cause, Temporary, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClassOf(tt.err); got != tt.class {
				t.Errorf("ClassOf = %v, want %v", got, tt.class)
			}
			e, ok := errors.AsType[*Error](tt.err)
			if !ok {
				return
			}
			if !strings.HasPrefix(e.Safe(), tt.safe) {
				t.Errorf("Safe() = %q, want prefix %q", e.Safe(), tt.safe)
			}
			if got := e.RetryAfter(now); got != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", got, tt.retryAfter)
			}
			if !strings.Contains(e.Error(), tt.class.String()) {
				t.Errorf("Error() = %q lacks the class", e.Error())
			}
		})
	}
	if e := (&Error{Platform: "x", Err: cause}); !errors.Is(e, cause) {
		t.Error("Unwrap does not reach the cause")
	}
}
