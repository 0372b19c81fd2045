// Package teamstest is an HTTP double of a Microsoft Teams Workflows
// webhook ("Post to a channel when a webhook request is received") for
// tests, on loopback. It follows the documented request and answers
// (https://github.com/MicrosoftDocs/msteams-docs/blob/main/msteams-platform/webhooks-and-connectors/how-to/add-incoming-webhook.md,
// https://learn.microsoft.com/en-us/connectors/teams/): a JSON POST to
// /workflows/<id>/triggers/manual/paths/invoke?api-version=…&sig=<secret>
// holding {"type": "message", "attachments": [{"contentType":
// "application/vnd.microsoft.card.adaptive", "content": <AdaptiveCard>}]};
// 202 Accepted with an x-ms-workflow-run-id header; Logic Apps error
// documents {"error": {"code", "message"}} for a wrong signature (401),
// a deleted flow (404), a message over 28 KB (413) and throttling (429
// with Retry-After).
package teamstest

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
)

// Card is one Adaptive Card the double accepted.
type Card struct {
	// Webhook is the URL posted to.
	Webhook string
	RunID   string
	Version string
	// Texts are the card's TextBlocks, in order.
	Texts []TextBlock
}

// TextBlock is an Adaptive Card TextBlock.
type TextBlock struct {
	Type   string `json:"type"`
	Text   string `json:"text"`
	Weight string `json:"weight"`
	Wrap   bool   `json:"wrap"`
}

// Failure is a scripted answer for one request.
type Failure struct {
	// Status is the HTTP status; Code the Logic Apps error code.
	Status int
	Code   string
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Drop closes the connection without answering.
	Drop bool
	// Hang waits until the client gives up.
	Hang bool
}

// Server is a fake Power Automate endpoint holding any number of flows.
type Server struct {
	srv      *httptest.Server
	mu       sync.Mutex
	script   []Failure
	flows    map[string]string // path → sig
	deleted  map[string]bool
	cards    []Card
	requests int
}

// Start runs the double until t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{flows: map[string]string{}, deleted: map[string]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(func() {
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// Host is the double's host, to allow in the sender's options.
func (s *Server) Host() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// Webhook creates a flow and returns its URL, signature included.
func (s *Server) Webhook() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	p := "/workflows/" + hex.EncodeToString(b[:16]) + "/triggers/manual/paths/invoke"
	sig := hex.EncodeToString(b[16:]) + "Sig"
	s.mu.Lock()
	s.flows[p] = sig
	s.mu.Unlock()
	return s.srv.URL + p + "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + sig
}

// Delete removes the flow behind a webhook URL: it answers 404 from now on.
func (s *Server) Delete(webhook string) {
	p, _, _ := strings.Cut(strings.TrimPrefix(webhook, s.srv.URL), "?")
	s.mu.Lock()
	s.deleted[p] = true
	s.mu.Unlock()
}

// FailNext scripts the answers to the next requests, one per request.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	s.script = append(s.script, f...)
	s.mu.Unlock()
}

// Cards returns the accepted cards in order.
func (s *Server) Cards() []Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Card(nil), s.cards...)
}

// Requests counts every request received.
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.requests }

type message struct {
	Type        string `json:"type"`
	Attachments []struct {
		ContentType string `json:"contentType"`
		Content     struct {
			Type    string      `json:"type"`
			Version string      `json:"version"`
			Body    []TextBlock `json:"body"`
		} `json:"content"`
	} `json:"attachments"`
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
	sig, known := s.flows[r.URL.Path]
	deleted := s.deleted[r.URL.Path]
	s.mu.Unlock()
	if f != nil {
		fail(w, r, *f)
		return
	}
	var m message
	perr := json.Unmarshal(raw, &m)
	switch {
	case !known || deleted:
		apiError(w, 404, "WorkflowNotFound", "The workflow could not be found.")
	case r.URL.Query().Get("sig") != sig:
		apiError(w, 401, "DirectApiInvalidAuthorizationSignature", "The provided authorization signature is not valid.")
	case r.Method != http.MethodPost:
		apiError(w, 405, "TriggerRequestMethodNotValid", "The HTTP method for this request is not valid: expected 'Post'.")
	case len(raw) > 28<<10:
		apiError(w, 413, "MessageTooLarge", "Request entity too large.")
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || perr != nil:
		apiError(w, 400, "InvalidRequestContent", "The request content is not valid JSON.")
	case m.Type != "message" || len(m.Attachments) == 0 || m.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive":
		apiError(w, 400, "InvalidTemplate", "The message must be of type 'message' with an Adaptive Card attachment.")
	case m.Attachments[0].Content.Type != "AdaptiveCard" || !strings.HasPrefix(m.Attachments[0].Content.Version, "1.") || len(m.Attachments[0].Content.Body) == 0:
		apiError(w, 400, "InvalidTemplate", "The attachment is not a valid Adaptive Card.")
	default:
		s.mu.Lock()
		run := fmt.Sprintf("08584%013d", len(s.cards)+1)
		s.cards = append(s.cards, Card{Webhook: s.srv.URL + r.URL.String(), RunID: run, Version: m.Attachments[0].Content.Version, Texts: m.Attachments[0].Content.Body})
		s.mu.Unlock()
		w.Header().Set("x-ms-workflow-run-id", run)
		w.WriteHeader(http.StatusAccepted)
	}
}

func apiError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func fail(w http.ResponseWriter, r *http.Request, f Failure) {
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
	default:
		code := f.Code
		if code == "" {
			code = strings.ReplaceAll(http.StatusText(f.Status), " ", "")
		}
		apiError(w, f.Status, code, "Scripted failure for "+r.URL.String())
	}
}
