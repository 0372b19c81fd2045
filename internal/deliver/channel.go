// Package deliver turns published messages into deliveries: it expands
// each outbox entry to the matching recipients, records one ledger row per
// (message, recipient, channel) with an idempotency key, batches them into
// durable jobs, and sends the batches through channel senders with rate
// limits, bounded retries, a circuit breaker and failover to a secondary
// provider. A crash between "sending" and "sent" never silently resends to
// a provider that cannot deduplicate: those deliveries become "uncertain".
package deliver

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Item is one message to one recipient, ready for a provider.
type Item struct {
	// Key is the idempotency key of (message, recipient, channel); senders
	// pass it to providers that deduplicate.
	Key string
	// Address is the recipient's address on the channel (e-mail address,
	// E.164 phone number, webhook URL, chat id…).
	Address string
	Lang    string
	Subject string
	Text    string
	// Headers are extra protocol headers (List-Unsubscribe for e-mail).
	Headers map[string]string
	// UnsubscribeURL is the recipient's one-click unsubscribe link.
	UnsubscribeURL string
	Drill          bool
	// MessageID and IncidentID say what the item publishes: account
	// channels thread an incident's updates with them.
	MessageID, IncidentID int64
}

// Result is the outcome of one Item.
type Result struct {
	Key string
	// ProviderID is the provider's id for the message, when it gives one.
	ProviderID string
	// Err is nil when the provider accepted the message.
	Err error
	// Permanent says retrying cannot help (invalid address, unsubscribed,
	// 4xx other than 429).
	Permanent bool
	// RetryAfter is the provider's requested delay (HTTP Retry-After), if any.
	RetryAfter time.Duration
}

// Sender sends batches on one channel through one provider. Implementations
// live in internal/channel/<name> and are registered in one place
// (app wiring).
type Sender interface {
	// Channel is the plan channel name ("email", "sms", "webhook", …).
	Channel() string
	// Provider names the provider ("smtp", "twilio", …).
	Provider() string
	// MaxBatch is the largest batch the provider's bulk API takes.
	MaxBatch() int
	// Idempotent reports whether the provider deduplicates by Item.Key, so
	// that a batch interrupted by a crash may be sent again safely.
	Idempotent() bool
	// Send sends the items and returns one result per item, in any order.
	// It must honour ctx and never block longer than its own timeout.
	Send(ctx context.Context, items []Item) []Result
}

// Broadcaster is a Sender that publishes to the organisation's own account
// (a social network profile, a channel) rather than to subscribers: each
// message becomes one delivery, addressed to Account, in the account's
// language.
type Broadcaster interface {
	Sender
	// Account names the account posted to (its handle or id).
	Account() string
	// Lang is the account's language; the message is posted in it, or in
	// the default language when the message lacks it.
	Lang() string
	// Audiences are the plan audiences whose messages the account carries
	// (a public profile: customers, partners, press; a team chat: staff).
	Audiences() []string
}

// SendEach sends items one by one with send, at most parallel at a time,
// and returns their results in order: the Send of channels whose provider
// has no batch API.
func SendEach(ctx context.Context, items []Item, parallel int, send func(context.Context, Item) Result) []Result {
	out := make([]Result, len(items))
	sem := make(chan struct{}, max(1, parallel))
	var wg sync.WaitGroup
	for i, it := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = send(ctx, it)
		})
	}
	wg.Wait()
	return out
}

// MaxRetryAfter bounds a provider's Retry-After, so that a hostile or
// broken value cannot park a delivery for months.
const MaxRetryAfter = 24 * time.Hour

// RetryAfter reads an HTTP Retry-After value (seconds or an HTTP date),
// bounded to MaxRetryAfter; zero when absent or unreadable.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		d = time.Duration(min(n, int64(MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, MaxRetryAfter))
}
