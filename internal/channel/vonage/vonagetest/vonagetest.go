// Package vonagetest is an HTTP double of the Vonage SMS API for tests, on
// loopback. Vonage has no local server, so it follows the documented
// request and answers (https://developer.vonage.com/en/api/sms,
// https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms):
// POST /sms/json with form fields api_key, api_secret, from, to (digits,
// no +), text, type (text or unicode), client-ref and callback; HTTP 200
// with {"message-count", "messages": [{"to", "message-id", "status",
// "remaining-balance", "message-price", "network"}]}, where a refusal is a
// non-zero status with its error-text.
package vonagetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
)

// Message is one SMS the double accepted.
type Message struct {
	ID        string
	To        string
	From      string
	Text      string
	Type      string
	ClientRef string
	Callback  string
}

// Failure is a scripted answer for one request.
type Failure struct {
	// Status is the Vonage status to answer ("1", "5", "9"…).
	Status string
	// HTTPStatus answers an HTTP error instead (429, 503…).
	HTTPStatus int
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Parts answers a multi-part message whose later parts fail with Status.
	Parts int
	// Drop closes the connection without answering.
	Drop bool
	// Hang waits until the client gives up.
	Hang bool
}

// errorText holds Vonage's error-text for the statuses used here.
var errorText = map[string]string{
	"1": "Throughput Rate Exceeded - please wait [ 1000 ] and retry", "2": "Missing to param", "3": "Invalid to address",
	"4": "Bad Credentials", "5": "Internal Error", "6": "Invalid Message", "7": "Number Barred", "8": "Partner Account Barred",
	"9": "Partner Quota Exceeded", "11": "Account Not Enabled For HTTP", "12": "Message Too Long", "15": "Illegal Sender Address - rejected",
	"29": "Non White-listed Destination - rejected", "33": "Number De-activated",
}

var digits = regexp.MustCompile(`^[1-9][0-9]{6,14}$`)

// Server is a fake SMS API for one account.
type Server struct {
	srv       *httptest.Server
	key       string
	secret    string
	mu        sync.Mutex
	script    []Failure
	rejects   map[string]string
	messages  []Message
	requests  int
	idCounter int
}

// Start runs the double for one account until t ends.
func Start(t testing.TB, key, secret string) *Server {
	t.Helper()
	s := &Server{key: key, secret: secret, rejects: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(func() {
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// URL is the base URL to give the sender in place of https://rest.nexmo.com.
func (s *Server) URL() string { return s.srv.URL }

// Reject makes messages to the number (digits, no +) fail with a status.
func (s *Server) Reject(to, status string) { s.mu.Lock(); s.rejects[to] = status; s.mu.Unlock() }

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
	_ = r.ParseForm()
	s.mu.Lock()
	s.requests++
	if len(s.script) > 0 {
		f := s.script[0]
		s.script = s.script[1:]
		s.mu.Unlock()
		s.fail(w, r, f)
		return
	}
	defer s.mu.Unlock()
	p := r.PostForm
	to := p.Get("to")
	status := ""
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/sms/json":
		http.NotFound(w, r)
		return
	case p.Get("api_key") == "" || p.Get("api_secret") == "" || p.Get("from") == "" || to == "" || p.Get("text") == "":
		status = "2"
	case p.Get("api_key") != s.key || p.Get("api_secret") != s.secret:
		status = "4"
	case !digits.MatchString(to):
		status = "3"
	case p.Get("type") != "" && p.Get("type") != "text" && p.Get("type") != "unicode":
		status = "3"
	case len(p.Get("client-ref")) > 100:
		status = "3"
	case s.rejects[to] != "":
		status = s.rejects[to]
	}
	if status != "" {
		writeJSON(w, map[string]any{"message-count": "1", "messages": []map[string]string{{"to": to, "status": status, "error-text": errorText[status]}}})
		return
	}
	m := Message{ID: s.nextID(), To: to, From: p.Get("from"), Text: p.Get("text"), Type: p.Get("type"), ClientRef: p.Get("client-ref"), Callback: p.Get("callback")}
	s.messages = append(s.messages, m)
	part := map[string]string{"to": to, "message-id": m.ID, "status": "0", "remaining-balance": "15.53590000", "message-price": "0.03330000", "network": "20801"}
	if m.ClientRef != "" {
		part["client-ref"] = m.ClientRef
	}
	writeJSON(w, map[string]any{"message-count": "1", "messages": []map[string]string{part}})
}

// nextID is a message-id in Vonage's form. Callers hold s.mu.
func (s *Server) nextID() string {
	s.idCounter++
	return fmt.Sprintf("0C000000217B%04X", s.idCounter)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, f Failure) {
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
	case f.HTTPStatus != 0:
		http.Error(w, http.StatusText(f.HTTPStatus), f.HTTPStatus)
	default:
		var parts []map[string]string
		s.mu.Lock()
		for i := 1; i < f.Parts; i++ {
			parts = append(parts, map[string]string{"to": r.PostForm.Get("to"), "message-id": s.nextID(), "status": "0"})
		}
		s.mu.Unlock()
		parts = append(parts, map[string]string{"to": r.PostForm.Get("to"), "status": f.Status, "error-text": errorText[f.Status]})
		writeJSON(w, map[string]any{"message-count": fmt.Sprint(len(parts)), "messages": parts})
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
