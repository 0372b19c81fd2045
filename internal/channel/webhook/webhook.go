// Package webhook posts each message as signed JSON to the recipient's own
// URL. Receivers check X-Vigie-Signature (HMAC-SHA256 over the timestamp and
// the body, see [Verify]) and deduplicate by Idempotency-Key, which is what
// lets the delivery engine send a batch again after a crash. Targets on
// loopback, private, link-local, CGNAT, multicast and unspecified addresses
// are refused when the connection is dialled, unless the operator allows
// them.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vigie-hq/vigie/internal/deliver"
)

const (
	defaultTimeout = 10 * time.Second
	// maxBatch requests run in parallel in one Send, so a batch takes about
	// one timeout at worst.
	maxBatch  = 10
	minSecret = 16
)

// Options configures a Sender.
type Options struct {
	// Secret signs every request; at least 16 bytes (32 random bytes is
	// the recommended size).
	Secret []byte
	// Timeout bounds each request, connection included (default 10 s).
	Timeout time.Duration
	// AllowPrivate lets requests reach loopback, private and link-local
	// addresses: tests, or receivers on the operator's own network.
	AllowPrivate bool
	// Client replaces the HTTP client. Its Transport must be nil or an
	// *http.Transport so that the address guard can be installed on a copy.
	Client *http.Client
}

// Payload is the JSON body of a webhook request.
type Payload struct {
	// ID is the idempotency key, also sent as the Idempotency-Key header.
	ID      string  `json:"id"`
	Message Message `json:"message"`
}

// Message is the message inside a Payload.
type Message struct {
	Subject        string `json:"subject,omitempty"`
	Text           string `json:"text"`
	Lang           string `json:"lang,omitempty"`
	Drill          bool   `json:"drill"`
	UnsubscribeURL string `json:"unsubscribe_url,omitempty"`
}

// Error is a failed request: an HTTP answer other than 2xx, or a
// transport error when Status is 0.
type Error struct {
	Status int
	// Body is the start of the receiver's answer, for the operator.
	Body string
	Err  error
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "webhook: " + e.Err.Error()
	}
	msg := fmt.Sprintf("webhook: receiver answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Gone reports that the receiver said the URL no longer exists (410), so
// the address should be dropped.
func (e *Error) Gone() bool { return e.Status == http.StatusGone }

// Sender posts messages to webhook URLs.
type Sender struct {
	secret  []byte
	timeout time.Duration
	client  *http.Client
	now     func() time.Time
}

var _ deliver.Sender = (*Sender)(nil)

// New returns a Sender; it fails on a short secret or a client the address
// guard cannot be installed on.
func New(o Options) (*Sender, error) {
	if len(o.Secret) < minSecret {
		return nil, fmt.Errorf("webhook: the signing secret has %d bytes, want at least %d", len(o.Secret), minSecret)
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	client, err := GuardedClient(o.Client, o.AllowPrivate, 64)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	return &Sender{secret: bytes.Clone(o.Secret), timeout: o.Timeout, client: client, now: time.Now}, nil
}

// Channel implements deliver.Sender.
func (s *Sender) Channel() string { return "webhook" }

// Provider implements deliver.Sender.
func (s *Sender) Provider() string { return "http" }

// MaxBatch implements deliver.Sender.
func (s *Sender) MaxBatch() int { return maxBatch }

// Idempotent implements deliver.Sender: receivers deduplicate by
// Idempotency-Key, as docs/channels.md asks them to.
func (s *Sender) Idempotent() bool { return true }

// Send posts each item to its URL, up to MaxBatch at a time.
func (s *Sender) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	return deliver.SendEach(ctx, items, maxBatch, s.post)
}

func (s *Sender) post(ctx context.Context, it deliver.Item) deliver.Result {
	body, err := json.Marshal(Payload{ID: it.Key, Message: Message{Subject: it.Subject, Text: it.Text, Lang: it.Lang, Drill: it.Drill, UnsubscribeURL: it.UnsubscribeURL}})
	if err != nil {
		return deliver.Result{Key: it.Key, Err: fmt.Errorf("webhook: encode payload: %w", err), Permanent: true}
	}
	return s.postBody(ctx, it.Address, it.Key, body)
}

// SendJSON posts v, signed like every message, to rawURL through the same
// address guard and timeout: the subscription confirmation of a webhook
// subscriber, which is the only request an unconfirmed URL ever gets.
func (s *Sender) SendJSON(ctx context.Context, rawURL, key string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("webhook: encode payload: %w", err)
	}
	return s.postBody(ctx, rawURL, key, body).Err
}

func (s *Sender) postBody(ctx context.Context, address, key string, body []byte) deliver.Result {
	res := deliver.Result{Key: key}
	target, err := ParseURL(address)
	if err != nil {
		res.Err, res.Permanent = err, true
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		res.Err, res.Permanent = fmt.Errorf("webhook: request: %w", err), true
		return res
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Vigie-Webhook/1")
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("X-Vigie-Timestamp", ts)
	req.Header.Set("X-Vigie-Signature", Sign(s.secret, ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		// url.Error repeats the full URL, which may carry a token in its
		// query or user info: name the target without them.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		res.Err = &Error{Err: fmt.Errorf("POST %s: %w", redact(target), err)}
		res.Permanent = errors.Is(err, ErrBlocked)
		return res
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	return s.classify(res, resp, snippet)
}

// classify maps an HTTP answer to a result: 2xx is accepted; 408, 429 and
// 5xx are retried (after Retry-After when given); any other answer, a
// redirect included, is permanent.
func (s *Sender) classify(res deliver.Result, resp *http.Response, body []byte) deliver.Result {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return res
	}
	e := &Error{Status: code, Body: summary(body)}
	if code >= 300 && code < 400 {
		e.Body = "redirect to " + resp.Header.Get("Location") + " not followed; update the webhook URL"
	}
	res.Err = e
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
		res.RetryAfter = deliver.RetryAfter(resp.Header.Get("Retry-After"), s.now())
	default:
		res.Permanent = true
	}
	return res
}

// ParseURL checks that raw is an absolute http or https URL with a host; the
// audience import uses it to reject bad addresses early.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("webhook: URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("webhook: URL scheme %q: want http or https", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("webhook: URL %q has no host", raw)
	}
	return u, nil
}

func redact(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

// summary makes a receiver's answer safe to store and show: one line,
// printable, short.
func summary(b []byte) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, strings.ToValidUTF8(string(b), "?"))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}
