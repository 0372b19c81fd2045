// Package sestest is an HTTP double of Amazon SES API v2 for tests, on
// loopback. It follows the documented requests and answers
// (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendBulkEmail.html,
// API_CreateEmailTemplate.html, API_UpdateEmailTemplate.html, CommonErrors):
// it checks each request's Signature Version 4 by recomputing it with the
// account's secret (with package awssig, itself pinned by Amazon's
// published examples), checks the JSON shape (1 to 50 entries, required
// fields, header patterns, template data), renders the template with
// simple {{name}} substitution, stores the messages, and can answer with
// per-entry statuses or whole-request errors.
package sestest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/awssig"
)

// Message is one e-mail the double accepted.
type Message struct {
	ID               string
	From             string
	ReplyTo          []string
	To               []string
	Subject          string
	Text             string
	Headers          map[string]string
	ConfigurationSet string
	// Template is the stored template's name, empty for an inline one.
	Template string
}

// Failure is a scripted answer to one SendBulkEmail call.
type Failure struct {
	// Status is the HTTP status and Code the error type
	// (TooManyRequestsException…).
	Status  int
	Code    string
	Message string
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Drop closes the connection without answering.
	Drop bool
}

// Options configure a Server.
type Options struct {
	Region          string
	AccessKeyID     string
	SecretAccessKey string
	// Now is the server's clock for the signature's time check.
	Now func() time.Time
}

// Server is a fake SES API v2 for one account and region.
type Server struct {
	URL string
	srv *httptest.Server
	o   Options

	mu        sync.Mutex
	script    []Failure
	statuses  map[string][2]string // recipient → status, error
	messages  []Message
	templates map[string]Content
	calls     map[string]int
	seq       int
}

// Content is a template's content.
type Content struct{ Subject, Text, HTML string }

var (
	templatePath = regexp.MustCompile(`^/v2/email/templates/([A-Za-z0-9_-]+)$`)
	headerName   = regexp.MustCompile(`^[!-9;-~]{1,126}$`)
	headerValue  = regexp.MustCompile(`^[ -~]{1,870}$`)
	placeholder  = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.]+)\s*\}\}`)
	authHeader   = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$`)
)

// New starts a Server closed at the end of the test.
func New(t testing.TB, o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{o: o, statuses: map[string][2]string{}, templates: map[string]Content{}, calls: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// FailNext makes the next SendBulkEmail calls fail, one failure a call.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, f...)
}

// SetStatus makes every entry to recipient answer status (MESSAGE_REJECTED…)
// with message as its Error.
func (s *Server) SetStatus(recipient, status, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses[recipient] = [2]string{status, message}
}

// Messages returns the accepted messages in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Calls counts the requests of an operation (SendBulkEmail,
// CreateEmailTemplate, UpdateEmailTemplate), signed or not.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Templates returns the stored templates.
func (s *Server) Templates() map[string]Content {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Content, len(s.templates))
	for k, v := range s.templates {
		out[k] = v
	}
	return out
}

// DeleteTemplate removes a stored template, as an operator could.
func (s *Server) DeleteTemplate(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.templates, name)
}

// fail writes an AWS REST-JSON error.
func fail(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	op := ""
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v2/email/outbound-bulk-emails":
		op = "SendBulkEmail"
	case r.Method == http.MethodPost && r.URL.Path == "/v2/email/templates":
		op = "CreateEmailTemplate"
	case r.Method == http.MethodPut && templatePath.MatchString(r.URL.Path):
		op = "UpdateEmailTemplate"
	default:
		fail(w, http.StatusNotFound, "UnknownOperationException", "unknown operation "+r.Method+" "+r.URL.Path)
		return
	}
	s.mu.Lock()
	s.calls[op]++
	s.mu.Unlock()
	body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	if err != nil {
		fail(w, http.StatusBadRequest, "BadRequestException", "unreadable body")
		return
	}
	if code, msg := s.checkSignature(r, body); code != "" {
		fail(w, http.StatusForbidden, code, msg)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		fail(w, http.StatusBadRequest, "BadRequestException", "Content-Type must be application/json")
		return
	}
	switch op {
	case "SendBulkEmail":
		s.sendBulk(w, body)
	case "CreateEmailTemplate":
		s.createTemplate(w, body)
	case "UpdateEmailTemplate":
		s.updateTemplate(w, templatePath.FindStringSubmatch(r.URL.Path)[1], body)
	}
}

// checkSignature recomputes the Authorization header from the signed
// headers, the body and the secret, and compares.
func (s *Server) checkSignature(r *http.Request, body []byte) (code, message string) {
	m := authHeader.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return "MissingAuthenticationTokenException", "Missing Authentication Token"
	}
	access, day, region, service, signed := m[1], m[2], m[3], m[4], m[5]
	if access != s.o.AccessKeyID {
		return "UnrecognizedClientException", "The security token included in the request is invalid."
	}
	if region != s.o.Region || service != "ses" {
		return "InvalidSignatureException", fmt.Sprintf("Credential should be scoped to a valid region and to service 'ses', not %s/%s.", region, service)
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil || at.Format("20060102") != day {
		return "IncompleteSignatureException", "X-Amz-Date is missing or does not match the credential scope."
	}
	if d := s.o.Now().Sub(at); d > 5*time.Minute || d < -5*time.Minute {
		return "InvalidSignatureException", "Signature expired."
	}
	check, _ := http.NewRequest(r.Method, r.URL.String(), nil)
	check.Host = r.Host
	for _, name := range strings.Split(signed, ";") {
		if name == "host" {
			continue
		}
		if v, ok := r.Header[http.CanonicalHeaderKey(name)]; ok {
			check.Header[http.CanonicalHeaderKey(name)] = v
		}
	}
	awssig.Sign(check, awssig.Credentials{AccessKeyID: access, SecretAccessKey: s.o.SecretAccessKey, SessionToken: check.Header.Get("X-Amz-Security-Token")},
		region, service, awssig.PayloadHash(body), at)
	if strings.ReplaceAll(r.Header.Get("Authorization"), ", ", ",") != check.Header.Get("Authorization") {
		return "InvalidSignatureException", "The request signature we calculated does not match the signature you provided."
	}
	return "", ""
}

// decode reads strict JSON: an unknown field is a client bug.
func decode(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	return d.Decode(v)
}
