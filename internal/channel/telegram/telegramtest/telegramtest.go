// Package telegramtest is an HTTP double of the Telegram Bot API's
// sendMessage for tests, on loopback. It follows the Bot API's documented
// shapes (https://core.telegram.org/bots/api#making-requests): requests to
// /bot<token>/<method> with JSON or form parameters; answers
// {"ok":true,"result":<Message>} or {"ok":false,"error_code":…,
// "description":…,"parameters":{"retry_after"|"migrate_to_chat_id"}}, with
// the descriptions Telegram sends for an unknown chat, a blocked bot, a
// migrated group, flood control, a bad token and an unknown method.
package telegramtest

import (
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
	"unicode/utf16"
)

// Message is one message the double accepted.
type Message struct {
	// ChatID is the chat_id as sent (a number or @channelname).
	ChatID    string
	MessageID int64
	Text      string
}

// Failure is a scripted answer for one request.
type Failure struct {
	// Status is the error to answer: 429 answers flood control with
	// RetryAfter seconds; 5xx answers as Telegram's front end does.
	Status     int
	RetryAfter int
	// Drop closes the connection without answering.
	Drop bool
	// Hang waits until the client gives up.
	Hang bool
}

// Server is a fake Bot API server for one bot.
type Server struct {
	srv      *httptest.Server
	token    string
	mu       sync.Mutex
	script   []Failure
	blocked  map[string]bool
	missing  map[string]bool
	migrated map[string]int64
	messages []Message
	requests int
}

// Start runs the double for the bot with token until t ends.
func Start(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{token: token, blocked: map[string]bool{}, missing: map[string]bool{}, migrated: map[string]int64{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(func() {
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// URL is the base URL to give the sender in place of https://api.telegram.org.
func (s *Server) URL() string { return s.srv.URL }

// Block makes chat answer 403 "bot was blocked by the user".
func (s *Server) Block(chat string) { s.mu.Lock(); s.blocked[chat] = true; s.mu.Unlock() }

// Missing makes chat answer 400 "chat not found".
func (s *Server) Missing(chat string) { s.mu.Lock(); s.missing[chat] = true; s.mu.Unlock() }

// Migrate makes chat answer that the group became the supergroup to.
func (s *Server) Migrate(chat string, to int64) { s.mu.Lock(); s.migrated[chat] = to; s.mu.Unlock() }

// FailNext scripts the answers to the next requests, one per request.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	s.script = append(s.script, f...)
	s.mu.Unlock()
}

// Messages returns the accepted messages in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Requests counts every request received.
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.requests }

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	params := readParams(r)
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
	token, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	switch {
	case !strings.HasPrefix(r.URL.Path, "/bot"):
		apiError(w, 404, "Not Found", nil)
	case token != s.token:
		apiError(w, 401, "Unauthorized", nil)
	case !ok || method != "sendMessage":
		apiError(w, 404, "Not Found", nil)
	default:
		s.sendMessage(w, params["chat_id"], params["text"])
	}
}

func (s *Server) sendMessage(w http.ResponseWriter, chat, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case chat == "":
		apiError(w, 400, "Bad Request: chat_id is empty", nil)
	case s.missing[chat]:
		apiError(w, 400, "Bad Request: chat not found", nil)
	case s.migrated[chat] != 0:
		apiError(w, 400, "Bad Request: group chat was upgraded to a supergroup chat", map[string]any{"migrate_to_chat_id": s.migrated[chat]})
	case s.blocked[chat]:
		apiError(w, 403, "Forbidden: bot was blocked by the user", nil)
	case strings.TrimSpace(text) == "":
		apiError(w, 400, "Bad Request: message text is empty", nil)
	case len(utf16.Encode([]rune(text))) > 4096:
		apiError(w, 400, "Bad Request: message is too long", nil)
	default:
		m := Message{ChatID: chat, MessageID: int64(len(s.messages) + 1), Text: text}
		s.messages = append(s.messages, m)
		id, kind := chatNumber(chat), "private"
		if strings.HasPrefix(chat, "@") {
			kind = "channel"
		} else if id < 0 {
			kind = "supergroup"
		}
		writeJSON(w, 200, map[string]any{"ok": true, "result": map[string]any{
			"message_id": m.MessageID,
			"from":       map[string]any{"id": 7000000001, "is_bot": true, "first_name": "Vigie", "username": "vigie_test_bot"},
			"chat":       map[string]any{"id": id, "type": kind},
			"date":       time.Now().Unix(),
			"text":       text,
		}})
	}
}

// chatNumber gives @channelname a stable channel-style id (-100…).
func chatNumber(chat string) int64 {
	if n, err := strconv.ParseInt(chat, 10, 64); err == nil {
		return n
	}
	var h int64
	for _, c := range chat {
		h = (h*31 + int64(c)) % 1_000_000_000
	}
	return -1_000_000_000_000 - h
}

// readParams reads parameters the ways the Bot API accepts them: query
// string, form body or JSON body.
func readParams(r *http.Request) map[string]string {
	out := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		_ = json.Unmarshal(body, &m)
		for k, v := range m {
			switch v := v.(type) {
			case string:
				out[k] = v
			case float64:
				out[k] = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		return out
	}
	_ = r.ParseForm()
	for k := range r.Form {
		out[k] = r.Form.Get(k)
	}
	return out
}

func apiError(w http.ResponseWriter, code int, desc string, params map[string]any) {
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if params != nil {
		body["parameters"] = params
	}
	writeJSON(w, code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
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
	case f.Status == http.StatusTooManyRequests:
		apiError(w, 429, fmt.Sprintf("Too Many Requests: retry after %d", f.RetryAfter), map[string]any{"retry_after": f.RetryAfter})
	case f.Status >= 500:
		// Telegram's nginx front answers gateway errors in HTML.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%[1]d %[2]s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", f.Status, http.StatusText(f.Status))
	default:
		apiError(w, f.Status, http.StatusText(f.Status), nil)
	}
}
