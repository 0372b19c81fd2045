// Package webhooktest runs a webhook receiver on loopback for tests. It
// behaves as docs/channels.md asks real receivers to: it checks the
// timestamp and the HMAC-SHA256 signature (computed here independently of
// package webhook, so that the two check each other), answers 401 to a bad
// signature, and deduplicates by Idempotency-Key, counting duplicates so
// that exactly-once tests can assert on them. It can be told to fail.
package webhooktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Delivery is one accepted, correctly signed message.
type Delivery struct {
	ID             string
	IdempotencyKey string
	Path           string
	Subject        string
	Text           string
	Lang           string
	Drill          bool
	UnsubscribeURL string
	Header         http.Header
	Body           []byte
}

// Failure is a scripted answer for one request.
type Failure struct {
	// Status is the HTTP status to answer (e.g. 429, 503, 400).
	Status int
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Drop closes the connection without answering.
	Drop bool
	// Hang waits until the client gives up.
	Hang bool
}

// Server is a loopback webhook receiver.
type Server struct {
	srv        *httptest.Server
	secret     []byte
	mu         sync.Mutex
	script     []Failure
	deliveries []Delivery
	seen       map[string]bool
	requests   int
	duplicates int
	rejected   int
}

// Start runs a receiver that verifies signatures with secret, until t ends.
func Start(t testing.TB, secret []byte) *Server {
	t.Helper()
	s := &Server{secret: secret, seen: map[string]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(func() {
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// URL is the receiver's base URL; any path under it accepts deliveries.
func (s *Server) URL() string { return s.srv.URL }

// FailNext scripts the answers to the next requests, one per request.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	s.script = append(s.script, f...)
	s.mu.Unlock()
}

// Deliveries returns the accepted messages, one per idempotency key.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Requests counts every request received, failed ones included.
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.requests }

// Duplicates counts correctly signed requests whose key was already
// accepted: they are answered 200 and not recorded again.
func (s *Server) Duplicates() int { s.mu.Lock(); defer s.mu.Unlock(); return s.duplicates }

// Rejected counts requests refused for a bad timestamp or signature.
func (s *Server) Rejected() int { s.mu.Lock(); defer s.mu.Unlock(); return s.rejected }

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	s.requests++
	var f *Failure
	if len(s.script) > 0 {
		f = &s.script[0]
		s.script = s.script[1:]
	}
	s.mu.Unlock()
	if f != nil {
		fail(w, r, *f)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "want a JSON POST", http.StatusBadRequest)
		return
	}
	if !s.signed(r, body) {
		s.mu.Lock()
		s.rejected++
		s.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p struct {
		ID      string `json:"id"`
		Message struct {
			Subject        string `json:"subject"`
			Text           string `json:"text"`
			Lang           string `json:"lang"`
			Drill          bool   `json:"drill"`
			UnsubscribeURL string `json:"unsubscribe_url"`
		} `json:"message"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.ID == "" {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[key] {
		s.duplicates++
		return
	}
	s.seen[key] = true
	m := p.Message
	s.deliveries = append(s.deliveries, Delivery{ID: p.ID, IdempotencyKey: key, Path: r.URL.Path, Subject: m.Subject, Text: m.Text,
		Lang: m.Lang, Drill: m.Drill, UnsubscribeURL: m.UnsubscribeURL, Header: r.Header.Clone(), Body: body})
}

func (s *Server) signed(r *http.Request, body []byte) bool {
	ts := r.Header.Get("X-Vigie-Timestamp")
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(n, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(ts + "." + string(body)))
	want := "v1=" + hex.EncodeToString(m.Sum(nil))
	for _, v := range strings.Split(r.Header.Get("X-Vigie-Signature"), ",") {
		if hmac.Equal([]byte(strings.TrimSpace(v)), []byte(want)) {
			return true
		}
	}
	return false
}

func fail(w http.ResponseWriter, r *http.Request, f Failure) {
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
		}
	case f.Hang:
		<-r.Context().Done()
	default:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		http.Error(w, http.StatusText(f.Status), f.Status)
	}
}
