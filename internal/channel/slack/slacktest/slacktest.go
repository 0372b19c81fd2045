// Package slacktest is an HTTP double of Slack's Incoming Webhooks and of
// chat.postMessage for tests, on loopback. It follows the documented
// requests and answers
// (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks,
// https://docs.slack.dev/apis/web-api/rate-limits): a webhook takes a
// JSON POST to /services/T…/B…/<secret> and answers 200 "ok", or an error
// status with the error as plain text (400 invalid_payload, no_text,
// invalid_blocks; 403 action_prohibited, posting_to_general_channel_denied,
// invalid_token; 404 channel_not_found, no_service, no_team, team_disabled;
// 410 channel_is_archived; 429 with Retry-After; 500 rollup_error).
// chat.postMessage takes a bearer token and answers 200 {"ok": true,
// "channel", "ts"} or {"ok": false, "error"}, and 429 {"ok": false,
// "error": "ratelimited"} with Retry-After.
package slacktest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// Post is one message the double accepted.
type Post struct {
	// Webhook is the webhook URL posted to, or empty for chat.postMessage.
	Webhook string
	Channel string
	TS      string
	Text    string
	Blocks  []Block
}

// Block is the part of a Block Kit block the double checks.
type Block struct {
	Type string `json:"type"`
	Text *struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"text"`
	Elements []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"elements"`
}

// Failure is a scripted answer for one request.
type Failure struct {
	// Status is the HTTP status; Code the error string (default: the
	// code Slack sends with that status).
	Status int
	Code   string
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Drop closes the connection without answering.
	Drop bool
	// Hang waits until the client gives up.
	Hang bool
}

// webhookStatus is the status Slack answers with each webhook error.
var webhookStatus = map[string]int{
	"invalid_payload": 400, "user_not_found": 400, "no_text": 400, "invalid_blocks": 400, "too_many_attachments": 400,
	"no_service_id": 400, "action_prohibited": 403, "posting_to_general_channel_denied": 403, "invalid_token": 403,
	"channel_not_found": 404, "no_service": 404, "no_team": 404, "team_disabled": 404, "channel_is_archived": 410,
	"rate_limited": 429, "rollup_error": 500,
}

// Server is a fake Slack workspace.
type Server struct {
	srv      *httptest.Server
	token    string
	mu       sync.Mutex
	script   []Failure
	hooks    map[string]string // path → channel
	broken   map[string]string // path or channel → error code
	channels map[string]bool
	posts    []Post
	requests int
}

// Start runs the double until t ends; token is the bot token
// chat.postMessage accepts.
func Start(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{token: token, hooks: map[string]string{}, broken: map[string]string{}, channels: map[string]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(func() {
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// WebhookBase is the prefix of this double's webhook URLs.
func (s *Server) WebhookBase() string { return s.srv.URL + "/services/" }

// APIBase is the Web API base URL in place of https://slack.com/api.
func (s *Server) APIBase() string { return s.srv.URL + "/api" }

// Webhook creates an incoming webhook posting to channel and returns its
// URL, secret included.
func (s *Server) Webhook(channel string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	p := "/services/T0VIGIE01/B0" + strings.ToUpper(hex.EncodeToString(b[:4])) + "/" + hex.EncodeToString(b)
	s.mu.Lock()
	s.hooks[p] = channel
	s.channels[channel] = true
	s.mu.Unlock()
	return s.srv.URL + p
}

// Channel creates a channel the bot is a member of.
func (s *Server) Channel(id string) { s.mu.Lock(); s.channels[id] = true; s.mu.Unlock() }

// Break makes a webhook URL or a channel id answer code from now on
// (channel_is_archived, no_service, action_prohibited…).
func (s *Server) Break(target, code string) {
	s.mu.Lock()
	s.broken[strings.TrimPrefix(target, s.srv.URL)] = code
	s.mu.Unlock()
}

// FailNext scripts the answers to the next requests, one per request.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	s.script = append(s.script, f...)
	s.mu.Unlock()
}

// Posts returns the accepted posts in order.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// Requests counts every request received.
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.requests }

type payload struct {
	Channel string  `json:"channel"`
	Text    string  `json:"text"`
	Blocks  []Block `json:"blocks"`
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	s.requests++
	var f *Failure
	if len(s.script) > 0 {
		f = &s.script[0]
		s.script = s.script[1:]
	}
	s.mu.Unlock()
	api := r.URL.Path == "/api/chat.postMessage"
	if f != nil {
		fail(w, r, *f, api)
		return
	}
	var p payload
	perr := json.Unmarshal(raw, &p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if api {
		s.postMessage(w, r, p, perr)
		return
	}
	channel, ok := s.hooks[r.URL.Path]
	code := s.broken[r.URL.Path]
	switch {
	case !ok || r.Method != http.MethodPost:
		code = "no_service"
	case code != "":
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || perr != nil:
		code = "invalid_payload"
	case p.Text == "" && len(p.Blocks) == 0:
		code = "no_text"
	case badBlocks(p.Blocks):
		code = "invalid_blocks"
	}
	if code != "" {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(webhookStatus[code])
		fmt.Fprint(w, code)
		return
	}
	s.posts = append(s.posts, Post{Webhook: s.srv.URL + r.URL.Path, Channel: channel, Text: p.Text, Blocks: p.Blocks})
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprint(w, "ok")
}

// postMessage answers as chat.postMessage. Callers hold s.mu.
func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, p payload, perr error) {
	code := ""
	switch {
	case r.Header.Get("Authorization") == "":
		code = "not_authed"
	case r.Header.Get("Authorization") != "Bearer "+s.token:
		code = "invalid_auth"
	case perr != nil:
		code = "invalid_arguments"
	case p.Channel == "" || !s.channels[p.Channel]:
		code = "channel_not_found"
	case s.broken[p.Channel] != "":
		code = s.broken[p.Channel]
	case p.Text == "" && len(p.Blocks) == 0:
		code = "no_text"
	case badBlocks(p.Blocks):
		code = "invalid_blocks"
	}
	if code != "" {
		writeJSON(w, 200, map[string]any{"ok": false, "error": code})
		return
	}
	ts := fmt.Sprintf("1773504600.%06d", len(s.posts)+1)
	s.posts = append(s.posts, Post{Channel: p.Channel, TS: ts, Text: p.Text, Blocks: p.Blocks})
	writeJSON(w, 200, map[string]any{"ok": true, "channel": p.Channel, "ts": ts, "message": map[string]any{"type": "message", "text": p.Text, "ts": ts}})
}

// badBlocks checks the Block Kit limits the sender relies on.
func badBlocks(blocks []Block) bool {
	if len(blocks) > 50 {
		return true
	}
	for _, b := range blocks {
		switch {
		case b.Type == "header" && (b.Text == nil || b.Text.Type != "plain_text" || utf8.RuneCountInString(b.Text.Text) > 150):
			return true
		case b.Type == "section" && (b.Text == nil || b.Text.Text == "" || utf8.RuneCountInString(b.Text.Text) > 3000):
			return true
		case b.Type == "context" && len(b.Elements) == 0:
			return true
		case b.Type != "header" && b.Type != "section" && b.Type != "context" && b.Type != "divider":
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, r *http.Request, f Failure, api bool) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
		}
	case f.Hang:
		<-r.Context().Done()
	case api:
		code := f.Code
		if code == "" {
			code = "internal_error"
			if f.Status == http.StatusTooManyRequests {
				code = "ratelimited"
			}
		}
		writeJSON(w, max(f.Status, 200), map[string]any{"ok": false, "error": code})
	default:
		code, status := f.Code, f.Status
		if status == 0 {
			status = webhookStatus[code]
		}
		if code == "" {
			code = "rollup_error"
			if status == http.StatusTooManyRequests {
				code = "rate_limited"
			}
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprint(w, code)
	}
}
