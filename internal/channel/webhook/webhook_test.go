package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/webhook/webhooktest"
	"github.com/vigie-hq/vigie/internal/deliver"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func newSender(t *testing.T, o Options) *Sender {
	t.Helper()
	if o.Secret == nil {
		o.Secret = secret
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sendOne(t *testing.T, s *Sender, it deliver.Item) deliver.Result {
	t.Helper()
	res := s.Send(context.Background(), []deliver.Item{it})
	if len(res) != 1 || res[0].Key != it.Key {
		t.Fatalf("results = %+v", res)
	}
	return res[0]
}

func TestSendSigned(t *testing.T) {
	srv := webhooktest.Start(t, secret)
	s := newSender(t, Options{AllowPrivate: true})
	it := deliver.Item{Key: "m42-r7-webhook", Address: srv.URL() + "/api/vigie-banner", Lang: "fr", Subject: "Panne WhatsApp",
		Text: "Commandez par SMS au 06 00 00 12 34.", Drill: true, UnsubscribeURL: "https://status.example/u/abc"}
	if r := sendOne(t, s, it); r.Err != nil {
		t.Fatalf("send: %v", r.Err)
	}
	got := srv.Deliveries()
	if len(got) != 1 {
		t.Fatalf("receiver got %d deliveries, rejected %d", len(got), srv.Rejected())
	}
	d := got[0]
	if d.ID != it.Key || d.IdempotencyKey != it.Key || d.Path != "/api/vigie-banner" || d.Text != it.Text || d.Subject != it.Subject ||
		d.Lang != "fr" || !d.Drill || d.UnsubscribeURL != it.UnsubscribeURL {
		t.Errorf("delivery = %+v", d)
	}
	// The receiver checked the signature on its own; Verify must agree.
	if err := Verify(secret, d.Header.Get("X-Vigie-Timestamp"), d.Header.Get("X-Vigie-Signature"), d.Body, time.Now(), 0); err != nil {
		t.Errorf("Verify: %v", err)
	}
	var p map[string]any
	if err := json.Unmarshal(d.Body, &p); err != nil || len(p) != 2 {
		t.Errorf("body %s: want exactly id and message", d.Body)
	}
	// Sending again after a crash: the receiver deduplicates.
	sendOne(t, s, it)
	if len(srv.Deliveries()) != 1 || srv.Duplicates() != 1 {
		t.Errorf("resend: %d deliveries, %d duplicates", len(srv.Deliveries()), srv.Duplicates())
	}
	bad := newSender(t, Options{AllowPrivate: true, Secret: []byte("another secret of 32 bytes......")})
	if r := sendOne(t, bad, deliver.Item{Key: "k2", Address: srv.URL()}); r.Err == nil || !r.Permanent || srv.Rejected() != 1 {
		t.Errorf("wrong secret: %+v, rejected %d", r, srv.Rejected())
	}
}

func TestSendResults(t *testing.T) {
	now := time.Date(2026, 3, 14, 16, 10, 0, 0, time.UTC)
	tests := []struct {
		name       string
		fail       webhooktest.Failure
		permanent  bool
		ok         bool
		retryAfter time.Duration
	}{
		{name: "accepted", ok: true},
		{name: "bad request", fail: webhooktest.Failure{Status: 400}, permanent: true},
		{name: "not found", fail: webhooktest.Failure{Status: 404}, permanent: true},
		{name: "gone", fail: webhooktest.Failure{Status: 410}, permanent: true},
		{name: "redirect", fail: webhooktest.Failure{Status: 308}, permanent: true},
		{name: "request timeout", fail: webhooktest.Failure{Status: 408}},
		{name: "rate limited", fail: webhooktest.Failure{Status: 429, RetryAfter: "7"}, retryAfter: 7 * time.Second},
		{name: "unavailable until a date", fail: webhooktest.Failure{Status: 503, RetryAfter: now.Add(90 * time.Second).Format(http.TimeFormat)}, retryAfter: 90 * time.Second},
		{name: "absurd retry-after", fail: webhooktest.Failure{Status: 503, RetryAfter: "99999999999999"}, retryAfter: 24 * time.Hour},
		{name: "server error", fail: webhooktest.Failure{Status: 500}},
		{name: "bad gateway", fail: webhooktest.Failure{Status: 502, RetryAfter: "soon"}},
		{name: "closed connection", fail: webhooktest.Failure{Drop: true}},
		{name: "timeout", fail: webhooktest.Failure{Hang: true}},
	}
	s := newSender(t, Options{AllowPrivate: true, Timeout: 300 * time.Millisecond})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A server per case: Go's transport replays a request carrying an
			// Idempotency-Key when a reused connection drops, which would
			// consume the next case's script.
			srv := webhooktest.Start(t, secret)
			if !tt.ok {
				srv.FailNext(tt.fail)
			}

			// Scripted failures ignore the signature, so the fixed clock can
			// date Retry-After; an accepted request needs the receiver's clock.
			s.now = func() time.Time { return now }
			if tt.ok {
				s.now = time.Now
			}
			start := time.Now()
			r := sendOne(t, s, deliver.Item{Key: "k-" + tt.name, Address: srv.URL() + "/hook", Text: "x"})
			if tt.ok != (r.Err == nil) || r.Permanent != tt.permanent || r.RetryAfter != tt.retryAfter {
				t.Errorf("result = {err: %v, permanent: %v, retry after: %s}, want ok %v, permanent %v, retry after %s",
					r.Err, r.Permanent, r.RetryAfter, tt.ok, tt.permanent, tt.retryAfter)
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			var e *Error
			if r.Err != nil && !errors.As(r.Err, &e) {
				t.Errorf("error %T is not a *webhook.Error", r.Err)
			}
			if tt.fail.Status == 410 && !e.Gone() {
				t.Error("410 is not Gone")
			}
		})
	}
}

func TestSendRefused(t *testing.T) {
	var hits atomic.Int32
	local := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(local.Close)
	_, port, _ := net.SplitHostPort(local.Listener.Addr().String())
	guarded := newSender(t, Options{})
	tests := []struct {
		name, address string
		blocked       bool
	}{
		{"loopback", local.URL, true},
		{"localhost name", "http://localhost:" + port + "/hook", true},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + port + "/", true},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", true},
		{"private", "http://10.0.0.1:" + port + "/", true},
		{"file scheme", "file:///etc/passwd", false},
		{"gopher scheme", "gopher://example.com/", false},
		{"no host", "http:///hook", false},
		{"not a URL", "::", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sendOne(t, guarded, deliver.Item{Key: "k", Address: tt.address, Text: "x"})
			if r.Err == nil || !r.Permanent || errors.Is(r.Err, ErrBlocked) != tt.blocked {
				t.Errorf("%s: err %v, permanent %v; want permanent, blocked %v", tt.address, r.Err, r.Permanent, tt.blocked)
			}
		})
	}
	if hits.Load() != 0 {
		t.Errorf("the loopback server was reached %d times", hits.Load())
	}
	allowed := newSender(t, Options{AllowPrivate: true})
	if r := sendOne(t, allowed, deliver.Item{Key: "k", Address: local.URL, Text: "x"}); r.Err != nil || hits.Load() != 1 {
		t.Errorf("AllowPrivate: %v, hits %d", r.Err, hits.Load())
	}
}

func TestSendErrorsHideSecrets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	s := newSender(t, Options{AllowPrivate: true})
	r := sendOne(t, s, deliver.Item{Key: "k", Address: "http://partner:pa55word@" + addr + "/hook?token=t0ps3cret", Text: "x"})
	if r.Err == nil || r.Permanent {
		t.Fatalf("connection refused: %+v", r)
	}
	if msg := r.Err.Error(); strings.Contains(msg, "pa55word") || strings.Contains(msg, "t0ps3cret") || !strings.Contains(msg, addr+"/hook") {
		t.Errorf("error %q leaks credentials or lacks the target", msg)
	}
}

func TestSendBatchInParallel(t *testing.T) {
	var inflight, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(50 * time.Millisecond)
		if strings.HasSuffix(r.URL.Path, "/bad") {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
	}))
	t.Cleanup(srv.Close)
	s := newSender(t, Options{AllowPrivate: true})
	items := make([]deliver.Item, maxBatch)
	for i := range items {
		items[i] = deliver.Item{Key: string(rune('a' + i)), Address: srv.URL + "/ok", Text: "x"}
	}
	items[3].Address = srv.URL + "/bad"
	res := s.Send(context.Background(), items)
	for i, r := range res {
		if r.Key != items[i].Key || (r.Err != nil) != (i == 3) || r.Permanent != (i == 3) {
			t.Errorf("result %d = %+v", i, r)
		}
	}
	if peak.Load() < 2 {
		t.Errorf("peak concurrency %d: the batch was sent one by one", peak.Load())
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Options{Secret: []byte("short")}); err == nil {
		t.Error("short secret accepted")
	}
	odd := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("no") })}
	if _, err := New(Options{Secret: secret, Client: odd}); err == nil {
		t.Error("a transport the guard cannot wrap was accepted without AllowPrivate")
	}
	if _, err := New(Options{Secret: secret, Client: odd, AllowPrivate: true}); err != nil {
		t.Errorf("AllowPrivate with a custom transport: %v", err)
	}
	proxied := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: "proxy.internal:3128"})}}
	if s := newSender(t, Options{Client: proxied}); s.client.Transport.(*http.Transport).Proxy != nil || s.client.Transport == proxied.Transport {
		t.Error("the proxy, which would dial past the guard, was kept")
	}
	s := newSender(t, Options{})
	if s.Channel() != "webhook" || s.Provider() != "http" || !s.Idempotent() || s.MaxBatch() < 1 || s.timeout != defaultTimeout {
		t.Errorf("sender = %+v", s)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
