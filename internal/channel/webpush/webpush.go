// Package webpush sends browser push notifications (the Push API) to
// subscriptions collected by the status page: each message is encrypted
// for the subscription's keys (RFC 8291, aes128gcm content coding of
// RFC 8188) and posted to the subscription's push service with a VAPID
// token (RFC 8292) signed by the operator's application server key.
// Push services do not deduplicate, so a Sender is not idempotent.
package webpush

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/vigie-hq/vigie/internal/channel/webhook"
	"github.com/vigie-hq/vigie/internal/deliver"
)

const (
	defaultTTL     = 24 * time.Hour
	defaultTimeout = 10 * time.Second
	maxBatch       = 50
	// parallel requests run at once in one Send.
	parallel = 10
)

// Options configures a Sender.
type Options struct {
	// PublicKey and PrivateKey are the VAPID application server key pair
	// from GenerateVAPIDKeys (base64url). PublicKey may be left empty; it
	// is derived from PrivateKey.
	PublicKey, PrivateKey string
	// Subject is the operator's contact, "mailto:…" or an https URL, sent
	// in every VAPID token so that push services can reach the operator.
	Subject string
	// TTL is how long a push service keeps a message for a browser that is
	// offline (default 24 h).
	TTL time.Duration
	// Timeout bounds each request, connection included (default 10 s).
	Timeout time.Duration
	// AllowHTTP accepts http endpoints (tests).
	AllowHTTP bool
	// AllowPrivate lets requests reach loopback, private and link-local
	// addresses (tests). Otherwise they are refused when dialled, since
	// endpoints come from browsers, that is from anyone.
	AllowPrivate bool
	// Client replaces the HTTP client. Unless AllowPrivate is set, its
	// Transport must be nil or an *http.Transport so that the address
	// guard can be installed on a copy.
	Client *http.Client
	// Now replaces the clock (tests).
	Now func() time.Time
}

// Notification is the JSON the service worker receives in event.data.
type Notification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	Lang  string `json:"lang,omitempty"`
	// Drill is true during an exercise: show it as a test.
	Drill bool `json:"drill,omitempty"`
}

// Error is a failed request: a push service answer other than 2xx, or a
// transport error when Status is 0.
type Error struct {
	Status int
	// Body is the start of the push service's answer, for the operator.
	Body string
	Err  error
	// uncertain: the request was written and no answer was read.
	uncertain bool
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "webpush: " + e.Err.Error()
	}
	msg := fmt.Sprintf("webpush: push service answered %d %s", e.Status, http.StatusText(e.Status))
	switch e.Status {
	case http.StatusNotFound, http.StatusGone:
		msg += " (the subscription expired or was cancelled; drop it)"
	case http.StatusRequestEntityTooLarge:
		msg += " (payload too large)"
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		msg += " (check the VAPID keys and subject: the subscription may have been made with another application server key)"
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Gone reports that the subscription no longer exists (404 or 410), so the
// address should be dropped.
func (e *Error) Gone() bool { return e.Status == http.StatusNotFound || e.Status == http.StatusGone }

// Uncertain reports that the push service may have taken the message
// although no answer was read: sending it again may notify twice.
func (e *Error) Uncertain() bool { return e.uncertain }

// Sender posts notifications to push services.
type Sender struct {
	key     *ecdsa.PrivateKey
	pub     string
	subject string
	ttl     string
	timeout time.Duration
	http    bool
	client  *http.Client
	now     func() time.Time
}

var _ deliver.Sender = (*Sender)(nil)

// New checks the options and returns a Sender.
func New(o Options) (*Sender, error) {
	key, pub, err := vapidKey(o.PublicKey, o.PrivateKey)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(o.Subject, "mailto:") && !strings.HasPrefix(o.Subject, "https://") {
		return nil, errors.New(`webpush: the VAPID subject must be "mailto:" an address or an https URL`)
	}
	if o.TTL <= 0 {
		o.TTL = defaultTTL
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	client, err := webhook.GuardedClient(o.Client, o.AllowPrivate, parallel)
	if err != nil {
		return nil, fmt.Errorf("webpush: %w", err)
	}
	return &Sender{key: key, pub: pub, subject: o.Subject, ttl: strconv.FormatInt(int64(o.TTL/time.Second), 10),
		timeout: o.Timeout, http: o.AllowHTTP, client: client, now: o.Now}, nil
}

// PublicKey returns the application server key (base64url), for
// pushManager.subscribe in the browser.
func (s *Sender) PublicKey() string { return s.pub }

// Channel implements deliver.Sender.
func (s *Sender) Channel() string { return "push" }

// Provider implements deliver.Sender.
func (s *Sender) Provider() string { return "webpush" }

// MaxBatch implements deliver.Sender.
func (s *Sender) MaxBatch() int { return maxBatch }

// Idempotent implements deliver.Sender: push services do not deduplicate.
func (s *Sender) Idempotent() bool { return false }

// Send posts each item to its subscription, a few at a time.
func (s *Sender) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	return deliver.SendEach(ctx, items, parallel, s.post)
}

func (s *Sender) post(ctx context.Context, it deliver.Item) deliver.Result {
	res := deliver.Result{Key: it.Key}
	fail := func(err error) deliver.Result {
		res.Err, res.Permanent = err, true
		return res
	}
	sub, err := parseSubscription(it.Address, s.http)
	if err != nil {
		return fail(err)
	}
	target, _ := url.Parse(sub.Endpoint) // checked by parseSubscription
	plain, err := json.Marshal(Notification{Title: title(it), Body: it.Text, Lang: it.Lang, Drill: it.Drill})
	if err != nil {
		return fail(fmt.Errorf("webpush: encode notification: %w", err))
	}
	body, err := Encrypt(sub, plain)
	if err != nil {
		return fail(err)
	}
	jwt, err := vapidJWT(s.key, audience(target), s.subject, s.now())
	if err != nil {
		res.Err = err
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		wrote.Store(i.Err == nil)
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		return fail(fmt.Errorf("webpush: request: %w", err))
	}
	req.Header.Set("Content-Encoding", "aes128gcm")
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("TTL", s.ttl)
	req.Header.Set("Urgency", "high")
	req.Header.Set("Authorization", "vapid t="+jwt+", k="+s.pub)
	resp, err := s.client.Do(req)
	if err != nil {
		// url.Error repeats the endpoint, whose path is the subscription's
		// capability: name only the push service.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		res.Err = &Error{Err: fmt.Errorf("POST %s: %w", audience(target), err), uncertain: wrote.Load()}
		res.Permanent = errors.Is(err, webhook.ErrBlocked)
		return res
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	return s.classify(res, resp, snippet)
}

// classify maps a push service answer to a result: 2xx is accepted (the
// Location header is the message's id); 429 and 5xx are retried after
// Retry-After; anything else is permanent: 404 and 410 say the
// subscription is gone, 413 the payload is too large, 400, 401 and 403
// that the VAPID token or keys do not fit the subscription.
func (s *Sender) classify(res deliver.Result, resp *http.Response, body []byte) deliver.Result {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		res.ProviderID = resp.Header.Get("Location")
		return res
	}
	res.Err = &Error{Status: code, Body: summary(body)}
	if code == http.StatusTooManyRequests || code >= 500 {
		res.RetryAfter = deliver.RetryAfter(resp.Header.Get("Retry-After"), s.now())
	} else {
		res.Permanent = true
	}
	return res
}

// title is the subject, or the text's first line.
func title(it deliver.Item) string {
	if t := strings.TrimSpace(it.Subject); t != "" {
		return t
	}
	first, _, _ := strings.Cut(strings.TrimSpace(it.Text), "\n")
	return strings.TrimSpace(first)
}

// summary makes an answer safe to store and show: one line, printable,
// short.
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
