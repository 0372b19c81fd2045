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
	"fmt"
	"net/http"
	"regexp"
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

// SubscriberBroadcaster is a Broadcaster whose channel also has
// subscribers of its own: a Telegram channel post for the channel's
// followers, and a direct message to each chat that started the bot.
type SubscriberBroadcaster interface {
	Broadcaster
	// AlsoSubscribers reports whether the channel's confirmed subscribers
	// get each customer message too.
	AlsoSubscribers() bool
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

// SendInOrder sends items one after another with send, for providers that
// take one recipient per request and should not be hit in parallel; once
// ctx is done the remaining items fail with stopped(ctx.Err()) and are not
// sent.
func SendInOrder(ctx context.Context, items []Item, send func(context.Context, Item) Result, stopped func(error) error) []Result {
	out := make([]Result, len(items))
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			out[i] = Result{Key: it.Key, Err: stopped(err)}
			continue
		}
		out[i] = send(ctx, it)
	}
	return out
}

// e164 is a phone number in E.164 form: "+", country code, up to 15 digits.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// E164 returns number in E.164 form, dropping the spaces, dots, dashes,
// brackets and "(0)" people write; phone channels check addresses with it.
func E164(number string) (string, error) {
	n := strings.ReplaceAll(strings.TrimSpace(number), "(0)", "")
	n = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" .-()\u00a0\t", r) {
			return -1
		}
		return r
	}, n)
	if !e164.MatchString(n) {
		return "", fmt.Errorf("%q is not a phone number in E.164 form (+33612345678)", number)
	}
	return n, nil
}
