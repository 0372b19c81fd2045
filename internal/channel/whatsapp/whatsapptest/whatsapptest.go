// Package whatsapptest is an HTTP double of the WhatsApp Business Cloud
// API's messages endpoint for tests, on loopback. Meta has no local server,
// so it follows the documented request and answers instead
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages/,
// https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes):
// POST /{version}/{phone-number-id}/messages with "Authorization: Bearer
// <token>" and a JSON body with messaging_product "whatsapp", to, and type
// "text" ({"body"}) or "template" ({"name", "language": {"code"},
// "components": [{"type": "body", "parameters": [{"type": "text"}]}]});
// 200 with {"messaging_product", "contacts": [{"input", "wa_id"}],
// "messages": [{"id": "wamid…"}]}, or a Graph API error object
// {"error": {"message", "type", "code", "error_subcode", "error_data":
// {"messaging_product", "details"}, "fbtrace_id"}} with Meta's codes.
package whatsapptest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Message is one message the double accepted.
type Message struct {
	ID   string
	To   string
	Type string
	// Text is the body of a text message.
	Text string
	// Template, Language and Params describe a template message.
	Template string
	Language string
	Params   []string
}

// Failure is a scripted answer for one request.
type Failure struct {
	// Code is the Meta error code to answer (130429, 131026, 190…); its
	// HTTP status, type, message and details are Meta's.
	Code int
	// Status overrides the HTTP status; alone, it answers a bare error
	// page as a load balancer would.
	Status int
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// RegainMinutes sets estimated_time_to_regain_access in the
	// X-Business-Use-Case-Usage header.
	RegainMinutes int
	// Drop closes the connection without answering.
	Drop bool
	// Hang waits until the client gives up.
	Hang bool
}

type metaError struct {
	status  int
	kind    string
	message string
	details string
}

// errors holds Meta's documented answers for the codes used here.
var errors = map[int]metaError{
	1:      {500, "OAuthException", "An unknown error occurred", "Invalid request or possible server error."},
	2:      {503, "OAuthException", "Service temporarily unavailable", "Temporary due to downtime or due to being overloaded."},
	4:      {400, "OAuthException", "(#4) Application request limit reached", "The app has reached its API call rate limit."},
	10:     {403, "OAuthException", "(#10) Application does not have permission for this action", "Permission is either not granted or has been removed."},
	100:    {400, "OAuthException", "(#100) Invalid parameter", "The request included one or more unsupported or misspelled parameters."},
	190:    {401, "OAuthException", "Error validating access token: Session has expired", "Your access token has expired."},
	200:    {403, "OAuthException", "(#200) Permissions error", "Permission is either not granted or has been removed."},
	80007:  {400, "OAuthException", "(#80007) Rate limit issues", "The WhatsApp Business Account has reached its rate limit."},
	130429: {400, "OAuthException", "(#130429) Rate limit hit", "Cloud API message throughput has been reached."},
	131000: {500, "OAuthException", "(#131000) Something went wrong", "Message failed to send due to an unknown error."},
	131008: {400, "OAuthException", "(#131008) Required parameter is missing", "The request is missing a required parameter."},
	131009: {400, "OAuthException", "(#131009) Parameter value is not valid", "One or more parameter values are invalid."},
	131016: {503, "OAuthException", "(#131016) Service unavailable", "A service is temporarily unavailable."},
	131026: {400, "OAuthException", "(#131026) Message undeliverable", "Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number; the recipient has not accepted the new Terms of Service; the recipient is using an old WhatsApp version."},
	131047: {400, "OAuthException", "(#131047) Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
	131048: {400, "OAuthException", "(#131048) Spam rate limit hit", "Message failed to send because there are restrictions on how many messages can be sent from this phone number."},
	131051: {400, "OAuthException", "(#131051) Unsupported message type", "Unsupported message type."},
	131056: {400, "OAuthException", "(#131056) (Business Account, Consumer Account) pair rate limit hit", "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time."},
	132000: {400, "OAuthException", "(#132000) Number of parameters does not match the expected number of params", "The number of variable parameter values included in the request did not match the number of variable parameters defined in the template."},
	132001: {404, "OAuthException", "(#132001) Template name does not exist in the translation", "The template does not exist in the specified language or the template has not been approved."},
	132015: {400, "OAuthException", "(#132015) Template is paused", "Template is paused due to low quality so it cannot be sent in a template message."},
}

var (
	path = regexp.MustCompile(`^/(v[0-9]+\.[0-9]+)/([0-9]+)/messages$`)
	to   = regexp.MustCompile(`^\+?[1-9][0-9]{6,14}$`)
)

// Server is a fake Cloud API for one business phone number.
type Server struct {
	srv           *httptest.Server
	token         string
	phoneNumberID string
	mu            sync.Mutex
	script        []Failure
	rejects       map[string]int
	open          map[string]bool
	templates     map[string]int // "name/lang" → number of body parameters
	messages      []Message
	requests      int
}

// Start runs the double for one phone number id and token until t ends.
func Start(t testing.TB, phoneNumberID, token string) *Server {
	t.Helper()
	s := &Server{token: token, phoneNumberID: phoneNumberID, rejects: map[string]int{}, open: map[string]bool{}, templates: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(func() {
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// URL is the base URL to give the sender in place of https://graph.facebook.com.
func (s *Server) URL() string { return s.srv.URL }

// Template registers an approved template in one language with params
// body variables.
func (s *Server) Template(name, lang string, params int) {
	s.mu.Lock()
	s.templates[name+"/"+lang] = params
	s.mu.Unlock()
}

// OpenWindow marks the 24-hour customer service window of to as open, so
// free-form text messages to it are accepted; to others they fail with
// 131047.
func (s *Server) OpenWindow(to string) {
	s.mu.Lock()
	s.open[strings.TrimPrefix(to, "+")] = true
	s.mu.Unlock()
}

// Reject makes every message to the number fail with a Meta error code.
func (s *Server) Reject(to string, code int) {
	s.mu.Lock()
	s.rejects[strings.TrimPrefix(to, "+")] = code
	s.mu.Unlock()
}

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

type request struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type"`
	To               string `json:"to"`
	Type             string `json:"type"`
	Text             *struct {
		Body string `json:"body"`
	} `json:"text"`
	Template *struct {
		Name     string `json:"name"`
		Language struct {
			Code string `json:"code"`
		} `json:"language"`
		Components []struct {
			Type       string `json:"type"`
			Parameters []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"parameters"`
		} `json:"components"`
	} `json:"template"`
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
	if f != nil {
		fail(w, r, *f)
		return
	}
	m := path.FindStringSubmatch(r.URL.Path)
	switch {
	case r.Header.Get("Authorization") != "Bearer "+s.token:
		apiError(w, 190, "")
		return
	case r.Method != http.MethodPost || m == nil:
		apiError(w, 100, "Unsupported request: "+r.Method+" "+r.URL.Path)
		return
	case m[2] != s.phoneNumberID:
		apiError(w, 100, fmt.Sprintf("Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", m[2]))
		return
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		apiError(w, 100, "The request body must be JSON.")
		return
	}
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		apiError(w, 100, "Unexpected body: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	num := strings.TrimPrefix(req.To, "+")
	msg := Message{To: req.To, Type: req.Type}
	switch {
	case req.MessagingProduct != "whatsapp":
		apiError(w, 131009, "messaging_product must be whatsapp")
	case req.To == "":
		apiError(w, 131008, "The parameter to is required.")
	case !to.MatchString(req.To):
		apiError(w, 131009, "The parameter to is not a valid phone number.")
	case s.rejects[num] != 0:
		apiError(w, s.rejects[num], "")
	case req.Type == "text" && (req.Text == nil || strings.TrimSpace(req.Text.Body) == ""):
		apiError(w, 131008, "The parameter text['body'] is required.")
	case req.Type == "text" && len([]rune(req.Text.Body)) > 4096:
		apiError(w, 100, "Param text['body'] must be at most 4096 characters long.")
	case req.Type == "text" && !s.open[num]:
		apiError(w, 131047, "")
	case req.Type == "text":
		msg.Text = req.Text.Body
		s.accept(w, msg)
	case req.Type == "template" && req.Template == nil:
		apiError(w, 131008, "The parameter template is required.")
	case req.Type == "template":
		want, ok := s.templates[req.Template.Name+"/"+req.Template.Language.Code]
		msg.Template, msg.Language = req.Template.Name, req.Template.Language.Code
		for _, c := range req.Template.Components {
			for _, p := range c.Parameters {
				if c.Type == "body" && p.Type == "text" {
					msg.Params = append(msg.Params, p.Text)
				}
			}
		}
		bad := false
		for _, p := range msg.Params {
			bad = bad || strings.ContainsAny(p, "\n\t") || strings.Contains(p, "     ")
		}
		switch {
		case !ok:
			apiError(w, 132001, fmt.Sprintf("template name (%s) does not exist in %s", req.Template.Name, req.Template.Language.Code))
		case len(msg.Params) != want:
			apiError(w, 132000, fmt.Sprintf("body: number of localizable_params (%d) does not match the expected number of params (%d)", len(msg.Params), want))
		case bad:
			apiError(w, 100, "Param text cannot have new-line/tab characters or more than 4 consecutive spaces")
		default:
			s.accept(w, msg)
		}
	default:
		apiError(w, 131051, "")
	}
}

// accept records msg and answers as the Cloud API does. Callers hold s.mu.
func (s *Server) accept(w http.ResponseWriter, msg Message) {
	n := len(s.messages) + 1
	msg.ID = "wamid." + base64.StdEncoding.EncodeToString([]byte("HBgL"+strings.TrimPrefix(msg.To, "+")+"FQIAERgS"+strconv.Itoa(n)))
	s.messages = append(s.messages, msg)
	writeJSON(w, 200, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{{"input": msg.To, "wa_id": strings.TrimPrefix(msg.To, "+")}},
		"messages":          []map[string]string{{"id": msg.ID, "message_status": "accepted"}},
	})
}

func apiError(w http.ResponseWriter, code int, details string) {
	e, ok := errors[code]
	if !ok {
		e = metaError{400, "OAuthException", fmt.Sprintf("(#%d) Error", code), ""}
	}
	if details == "" {
		details = e.details
	}
	writeJSON(w, e.status, map[string]any{"error": map[string]any{
		"message": e.message, "type": e.kind, "code": code, "error_subcode": 2494010,
		"error_data": map[string]string{"messaging_product": "whatsapp", "details": details},
		"fbtrace_id": "AbCdEfGhIjKlMnOpQrStUvW",
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, r *http.Request, f Failure) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.RegainMinutes > 0 {
		w.Header().Set("X-Business-Use-Case-Usage", fmt.Sprintf(`{"102290129340398":[{"type":"whatsapp","call_count":100,"total_cputime":30,"total_time":40,"estimated_time_to_regain_access":%d}]}`, f.RegainMinutes))
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
	case f.Code != 0 && f.Status != 0:
		e := errors[f.Code]
		writeJSON(w, f.Status, map[string]any{"error": map[string]any{"message": e.message, "type": e.kind, "code": f.Code,
			"error_data": map[string]string{"messaging_product": "whatsapp", "details": e.details}, "fbtrace_id": "AbCdEfGhIjKlMnOpQrStUvW"}})
	case f.Code != 0:
		apiError(w, f.Code, "")
	default:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", f.Status, http.StatusText(f.Status))
	}
}
