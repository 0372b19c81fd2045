// Package blueskytest is an HTTP double of a Bluesky PDS holding one
// account, for tests, on loopback. It follows the documented XRPC
// procedures (lexicons in github.com/bluesky-social/atproto/lexicons,
// https://docs.bsky.app/docs/advanced-guides/posts): createSession with
// identifier + app password, refreshSession authenticated with the
// refreshJwt (which rotates it), uploadBlob, createRecord of
// app.bsky.feed.post records checked as the lexicon requires, and
// deleteRecord; errors as {"error","message"} (400 ExpiredToken for an
// expired access token); RateLimit-Limit/Remaining/Reset (epoch seconds)
// and RateLimit-Policy on every answer
// (https://docs.bsky.app/docs/advanced-guides/rate-limits).
package blueskytest

import (
	"cmp"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// DID is the account's DID.
const DID = "did:plc:vigie7testaccount0000000"

// Ref is a strong reference (at:// URI + CID).
type Ref struct{ URI, CID string }

// Image is an image embedded in a post.
type Image struct {
	Alt      string
	BlobCID  string
	MimeType string
	Size     int
}

// Record is an app.bsky.feed.post record the double accepted.
type Record struct {
	URI, CID, RKey string
	Text           string
	CreatedAt      string
	Langs          []string
	// Facets is the record's facets array as sent.
	Facets json.RawMessage
	// Root and Parent are zero for a post that starts a thread.
	Root, Parent Ref
	Images       []Image
	Deleted      bool
}

// Failure is a scripted answer for one request.
type Failure struct {
	// Status is the HTTP status: 429 (with Reset), 400, 401, 5xx.
	Status int
	// Error and Message replace the default XRPC error body.
	Error, Message string
	// Reset is RateLimit-Reset for a 429.
	Reset time.Time
}

// Server is a fake PDS with one account.
type Server struct {
	srv                      *httptest.Server
	mu                       sync.Mutex
	handle, password         string
	access, refresh          string
	accessExpired, refreshOK bool
	seq                      int
	script                   []Failure
	records                  []*Record
	blobs                    map[string]Image
	creates, refreshes       int
}

// Start runs the double for the account handle with app password until
// t ends.
func Start(t testing.TB, handle, appPassword string) *Server {
	t.Helper()
	s := &Server{handle: handle, password: appPassword, blobs: map[string]Image{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /xrpc/com.atproto.server.createSession", s.createSession)
	mux.HandleFunc("POST /xrpc/com.atproto.server.refreshSession", s.refreshSession)
	mux.HandleFunc("POST /xrpc/com.atproto.repo.uploadBlob", s.authed(s.uploadBlob))
	mux.HandleFunc("POST /xrpc/com.atproto.repo.createRecord", s.authed(s.createRecord))
	mux.HandleFunc("POST /xrpc/com.atproto.repo.deleteRecord", s.authed(s.deleteRecord))
	s.srv = httptest.NewServer(s.guard(mux))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the PDS URL to give the client.
func (s *Server) URL() string { return s.srv.URL }

// FailNext scripts the answers to the next requests, one per request.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	s.script = append(s.script, f...)
	s.mu.Unlock()
}

// ExpireAccess makes the current access token answer 400 ExpiredToken.
func (s *Server) ExpireAccess() { s.mu.Lock(); s.accessExpired = true; s.mu.Unlock() }

// ExpireRefresh makes the current refresh token answer ExpiredToken too.
func (s *Server) ExpireRefresh() { s.mu.Lock(); s.refreshOK = false; s.mu.Unlock() }

// SessionsCreated counts successful createSession calls.
func (s *Server) SessionsCreated() int { s.mu.Lock(); defer s.mu.Unlock(); return s.creates }

// Refreshes counts successful refreshSession calls.
func (s *Server) Refreshes() int { s.mu.Lock(); defer s.mu.Unlock(); return s.refreshes }

// Records returns the created records in order, deleted ones flagged.
func (s *Server) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Record, len(s.records))
	for i, r := range s.records {
		out[i] = *r
	}
	return out
}

func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seq++
		remaining := max(0, 3000-s.seq)
		var f *Failure
		if len(s.script) > 0 {
			f = &s.script[0]
			s.script = s.script[1:]
		}
		s.mu.Unlock()
		h := w.Header()
		h.Set("RateLimit-Limit", "3000")
		h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(5*time.Minute).Unix(), 10))
		h.Set("RateLimit-Policy", "3000;w=300")
		if f != nil {
			fail(w, *f)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) newTokensLocked() map[string]any {
	s.seq++
	s.access = fmt.Sprintf("eyJhbGciOiJFUzI1NksifQ.access-%d.sig", s.seq)
	s.refresh = fmt.Sprintf("eyJhbGciOiJFUzI1NksifQ.refresh-%d.sig", s.seq)
	s.accessExpired, s.refreshOK = false, true
	return map[string]any{"accessJwt": s.access, "refreshJwt": s.refresh, "handle": s.handle, "did": DID, "active": true}
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	var in struct{ Identifier, Password string }
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.Identifier == "" || in.Password == "" {
		xrpcError(w, 400, "InvalidRequest", "Input must have the property \"identifier\"")
		return
	}
	if (in.Identifier != s.handle && in.Identifier != DID) || in.Password != s.password {
		xrpcError(w, 401, "AuthenticationRequired", "Invalid identifier or password")
		return
	}
	s.creates++
	writeJSON(w, 200, s.newTokensLocked())
}

func (s *Server) refreshSession(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch tok := bearer(r); {
	case tok == "":
		xrpcError(w, 401, "AuthMissing", "Authentication Required")
	case tok == s.access:
		xrpcError(w, 400, "InvalidToken", "Invalid token type")
	case tok != s.refresh || !s.refreshOK:
		xrpcError(w, 400, "ExpiredToken", "Token has been revoked")
	default:
		s.refreshes++
		writeJSON(w, 200, s.newTokensLocked())
	}
}

// authed checks the access token before h runs, holding s.mu.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch tok := bearer(r); {
		case tok == "":
			xrpcError(w, 401, "AuthMissing", "Authentication Required")
		case tok == s.refresh:
			xrpcError(w, 400, "InvalidToken", "Invalid token type")
		case tok != s.access:
			xrpcError(w, 401, "InvalidToken", "Token could not be verified")
		case s.accessExpired:
			xrpcError(w, 400, "ExpiredToken", "Token has expired")
		default:
			h(w, r)
		}
	}
}

func (s *Server) uploadBlob(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	data, _ := io.ReadAll(io.LimitReader(r.Body, 50<<20+1))
	switch {
	case ct == "" || ct == "*/*":
		xrpcError(w, 400, "InvalidRequest", "Request encoding (Content-Type) required but not provided")
		return
	case len(data) > 50<<20:
		xrpcError(w, 413, "PayloadTooLarge", "request entity too large")
		return
	}
	c := cid("bafkrei", data)
	s.blobs[c] = Image{BlobCID: c, MimeType: ct, Size: len(data)}
	writeJSON(w, 200, map[string]any{"blob": map[string]any{"$type": "blob", "ref": map[string]string{"$link": c}, "mimeType": ct, "size": len(data)}})
}

func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request) {
	var in struct{ Repo, Collection, Rkey string }
	if !decode(w, r, &in) {
		return
	}
	if in.Repo != DID && in.Repo != s.handle {
		xrpcError(w, 400, "InvalidRequest", "Could not find repo: "+in.Repo)
		return
	}
	for _, rec := range s.records {
		if rec.RKey == in.Rkey && in.Collection == "app.bsky.feed.post" {
			rec.Deleted = true
		}
	}
	// Documented: "Delete a record, or ensure it doesn't exist."
	writeJSON(w, 200, map[string]any{"commit": map[string]string{"cid": cid("bafyrei", []byte(in.Rkey)), "rev": tid(s.seq)}})
}

func bearer(r *http.Request) string {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return tok
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		xrpcError(w, 400, "InvalidRequest", "Wrong request encoding (Content-Type): "+r.Header.Get("Content-Type"))
		return false
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v); err != nil {
		xrpcError(w, 400, "InvalidRequest", "Invalid JSON: "+err.Error())
		return false
	}
	return true
}

// cid makes a CID-shaped id: prefix plus base32 of the SHA-256.
func cid(prefix string, data []byte) string {
	sum := sha256.Sum256(data)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))
}

// tid makes a 13-character, sortable, TID-shaped record key.
func tid(n int) string {
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	v := uint64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro())<<10 | uint64(n)
	out := make([]byte, 13)
	for i := 12; i >= 0; i-- {
		out[i] = alphabet[v&31]
		v >>= 5
	}
	return string(out)
}

func fail(w http.ResponseWriter, f Failure) {
	name, msg := f.Error, f.Message
	switch {
	case f.Status == http.StatusTooManyRequests:
		if !f.Reset.IsZero() {
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", strconv.FormatInt(f.Reset.Unix(), 10))
		}
		name, msg = cmp.Or(name, "RateLimitExceeded"), cmp.Or(msg, "Rate Limit Exceeded")
	case f.Status >= 500:
		name, msg = cmp.Or(name, "InternalServerError"), cmp.Or(msg, "Internal Server Error")
	case f.Status == http.StatusUnauthorized:
		name, msg = cmp.Or(name, "AuthenticationRequired"), cmp.Or(msg, "Authentication Required")
	default:
		name, msg = cmp.Or(name, "InvalidRequest"), cmp.Or(msg, http.StatusText(f.Status))
	}
	xrpcError(w, f.Status, name, msg)
}

func xrpcError(w http.ResponseWriter, code int, name, msg string) {
	writeJSON(w, code, map[string]string{"error": name, "message": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// graphemes approximates a grapheme count by runes, enough for tests.
func graphemes(s string) int { return utf8.RuneCountInString(s) }
