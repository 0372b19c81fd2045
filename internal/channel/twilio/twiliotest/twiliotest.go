// Package twiliotest is an HTTP double of Twilio's Programmable Messaging
// API for tests, on loopback. Twilio has no local server, so this double
// follows its documented request and answers instead
// (https://www.twilio.com/docs/messaging/api/message-resource,
// https://www.twilio.com/docs/usage/twilios-response): POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From or
// MessagingServiceSid, Body and StatusCallback, HTTP basic auth with the
// account SID and auth token; 201 with a Message resource, or an error
// document {"code", "message", "more_info", "status"} with Twilio's codes
// (20003 authentication, 21211 invalid To, 21602 no body, 21604 no To,
// 21610 unsubscribed, 21614 not a mobile, 20429 with Retry-After). It also
// posts status callbacks and inbound messages signed with
// X-Twilio-Signature, computed here independently of package twilio.
package twiliotest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Message is one message the double accepted.
type Message struct {
	SID                 string
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
	StatusCallback      string
	Status              string
}

// Failure is a scripted answer for one request.
type Failure struct {
	// Status is the HTTP status; Code the Twilio error code (default 20429
	// for 429 and 20500 for other statuses).
	Status int
	Code   int
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Drop closes the connection without answering.
	Drop bool
	// Hang waits until the client gives up.
	Hang bool
}

// Server is a fake Twilio API for one account.
type Server struct {
	srv        *httptest.Server
	accountSID string
	authToken  string
	mu         sync.Mutex
	script     []Failure
	rejects    map[string]int
	messages   []Message
	requests   int
}

var (
	path = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)/Messages\.json$`)
	e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// errorText holds the messages Twilio documents for the codes used here.
var errorText = map[int]string{
	20003: "Authenticate",
	20404: "The requested resource was not found",
	20429: "Too Many Requests",
	20500: "Internal Server Error",
	21211: "Invalid 'To' Phone Number",
	21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
	21602: "Message body is required.",
	21603: "A 'From' phone number is required.",
	21604: "A 'To' phone number is required.",
	21610: "Attempt to send to unsubscribed recipient",
	21614: "'To' number is not a valid mobile number",
	21617: "The concatenated message body exceeds the 1600 character limit.",
}

// Start runs the double for one account until t ends.
func Start(t testing.TB, accountSID, authToken string) *Server {
	t.Helper()
	s := &Server{accountSID: accountSID, authToken: authToken, rejects: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(func() {
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// URL is the base URL to give the sender in place of https://api.twilio.com.
func (s *Server) URL() string { return s.srv.URL }

// Reject makes messages to the number to fail with a Twilio error code
// (21211, 21610, 21614, 21408…), answered with HTTP 400.
func (s *Server) Reject(to string, code int) { s.mu.Lock(); s.rejects[to] = code; s.mu.Unlock() }

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
	s.mu.Lock()
	defer s.mu.Unlock()
	m := path.FindStringSubmatch(r.URL.Path)
	user, pass, ok := r.BasicAuth()
	to, from, service, body := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("MessagingServiceSid"), r.PostForm.Get("Body")
	switch {
	case !ok || user != s.accountSID || pass != s.authToken:
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		apiError(w, 401, 20003, "")
	case m == nil || m[1] != s.accountSID:
		apiError(w, 404, 20404, "")
	case r.Method != http.MethodPost:
		apiError(w, 405, 20004, "Method not allowed")
	case to == "":
		apiError(w, 400, 21604, "")
	case from == "" && service == "":
		apiError(w, 400, 21603, "")
	case body == "":
		apiError(w, 400, 21602, "")
	case utf8.RuneCountInString(body) > 1600:
		apiError(w, 400, 21617, "")
	case !e164.MatchString(to):
		apiError(w, 400, 21211, "Invalid 'To' Phone Number: "+to)
	case s.rejects[to] != 0:
		apiError(w, 400, s.rejects[to], "")
	default:
		status := "queued"
		if service != "" {
			status = "accepted"
		}
		msg := Message{SID: fmt.Sprintf("SM%032x", len(s.messages)+1), To: to, From: from, MessagingServiceSID: service, Body: body,
			StatusCallback: r.PostForm.Get("StatusCallback"), Status: status}
		s.messages = append(s.messages, msg)
		writeJSON(w, 201, s.resource(msg))
	}
}

// resource renders a Message resource as Twilio returns it.
func (s *Server) resource(m Message) map[string]any {
	now := time.Now().UTC().Format(time.RFC1123Z)
	var service any
	if m.MessagingServiceSID != "" {
		service = m.MessagingServiceSID
	}
	uri := "/2010-04-01/Accounts/" + s.accountSID + "/Messages/" + m.SID + ".json"
	return map[string]any{
		"account_sid": s.accountSID, "api_version": "2010-04-01", "body": m.Body, "date_created": now, "date_sent": nil,
		"date_updated": now, "direction": "outbound-api", "error_code": nil, "error_message": nil, "from": m.From,
		"messaging_service_sid": service, "num_media": "0", "num_segments": "1", "price": nil, "price_unit": "USD",
		"sid": m.SID, "status": m.Status, "to": m.To, "uri": uri,
		"subresource_uris": map[string]string{"media": strings.TrimSuffix(uri, ".json") + "/Media.json"},
	}
}

// Callback posts a status callback for message sid to the StatusCallback
// URL it was sent with, signed as Twilio signs it.
func (s *Server) Callback(ctx context.Context, sid, status, errorCode string) error {
	s.mu.Lock()
	var msg *Message
	for i := range s.messages {
		if s.messages[i].SID == sid {
			s.messages[i].Status = status
			msg = &s.messages[i]
		}
	}
	if msg == nil || msg.StatusCallback == "" {
		s.mu.Unlock()
		return fmt.Errorf("twiliotest: no message %s with a status callback", sid)
	}
	form := url.Values{"AccountSid": {s.accountSID}, "ApiVersion": {"2010-04-01"}, "From": {msg.From}, "To": {msg.To},
		"MessageSid": {sid}, "SmsSid": {sid}, "MessageStatus": {status}, "SmsStatus": {status}}
	if msg.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", msg.MessagingServiceSID)
	}
	if errorCode != "" {
		form.Set("ErrorCode", errorCode)
	}
	target := msg.StatusCallback
	s.mu.Unlock()
	return s.post(ctx, target, form)
}

// Inbound posts an incoming SMS from a person to webhookURL, signed as
// Twilio signs it, with OptOutType set for STOP and START as Advanced
// Opt-Out does.
func (s *Server) Inbound(ctx context.Context, webhookURL, from, to, body string) error {
	s.mu.Lock()
	sid := fmt.Sprintf("SM%032x", 1<<40+s.requests)
	s.mu.Unlock()
	form := url.Values{"AccountSid": {s.accountSID}, "ApiVersion": {"2010-04-01"}, "MessageSid": {sid}, "SmsSid": {sid},
		"SmsMessageSid": {sid}, "From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"}, "SmsStatus": {"received"}}
	switch strings.ToUpper(strings.TrimSpace(body)) {
	case "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT":
		form.Set("OptOutType", "STOP")
	case "START", "YES", "UNSTOP":
		form.Set("OptOutType", "START")
	}
	return s.post(ctx, webhookURL, form)
}

func (s *Server) post(ctx context.Context, target string, form url.Values) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", sign(s.authToken, target, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("twiliotest: %s answered %s", target, resp.Status)
	}
	return nil
}

// sign is Twilio's scheme: HMAC-SHA1 over the URL followed by every
// parameter name and value, names sorted; base64.
func sign(token, target string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	data := target
	for _, k := range keys {
		data += k + form.Get(k)
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func apiError(w http.ResponseWriter, status, code int, message string) {
	if message == "" {
		message = errorText[code]
	}
	writeJSON(w, status, map[string]any{"code": code, "message": message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
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
	default:
		code := f.Code
		if code == 0 {
			code = 20500
			if f.Status == http.StatusTooManyRequests {
				code = 20429
			}
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		apiError(w, f.Status, code, "")
	}
}
