// Package whatsapp sends messages through the WhatsApp Business Cloud API
// (POST {base}/{version}/{phone-number-id}/messages), to customers who
// opted in on WhatsApp. It is useful when only part of WhatsApp is down,
// and for recovery messages. Business-initiated messages outside the
// 24-hour customer service window must be approved templates, so template
// is the default; free-form text is for when the window is known to be
// open. The access token travels in the Authorization header only and is
// never shown in errors.
package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/vigie-hq/vigie/internal/deliver"
)

const (
	defaultBaseURL = "https://graph.facebook.com"
	defaultVersion = "v25.0"
	defaultTimeout = 10 * time.Second
	// maxText is the Cloud API's limit for a text message body.
	maxText = 4096
	// maxParam bounds one template body parameter: the rendered body of a
	// template is limited to 1024 characters.
	maxParam = 1024
)

var (
	phoneNumberID = regexp.MustCompile(`^[0-9]{5,20}$`)
	apiVersion    = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,2}$`)
	templateName  = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	spaces        = regexp.MustCompile(`\s+`)
)

// Options configures a Sender.
type Options struct {
	// Token is a System User access token with whatsapp_business_messaging.
	Token string
	// PhoneNumberID is the sending business number's id (not the number).
	PhoneNumberID string
	// APIVersion is the Graph API version (default v25.0).
	APIVersion string
	// BaseURL is the Graph API server (default https://graph.facebook.com).
	BaseURL string
	// Template is the name of an approved message template. Its body is
	// filled with TemplateParams, in order.
	Template string
	// TemplateLanguage is the template's language code ("fr", "en_US");
	// empty means the item's language.
	TemplateLanguage string
	// TemplateParams names the item fields that fill the template's body
	// variables {{1}}, {{2}}…: "subject" or "text" (default: just "text").
	// Set it to an empty non-nil slice for a template without variables.
	TemplateParams []string
	// FreeForm sends a text message instead of the template, for when the
	// 24-hour window is open. If the window turns out closed (131047) and a
	// Template is set, the template is sent instead.
	FreeForm bool
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client).
	Client *http.Client
}

// Sender sends WhatsApp messages from one business phone number.
type Sender struct {
	o        Options
	endpoint string
	client   *http.Client
	now      func() time.Time
}

var _ deliver.Sender = (*Sender)(nil)

// New checks the options and returns a Sender.
func New(o Options) (*Sender, error) {
	if o.Token == "" || strings.ContainsAny(o.Token, " \t\r\n") {
		return nil, errors.New("whatsapp: the access token is empty or malformed")
	}
	if !phoneNumberID.MatchString(o.PhoneNumberID) {
		return nil, errors.New("whatsapp: the phone number id must be the numeric id from WhatsApp Manager, not the phone number")
	}
	if o.APIVersion == "" {
		o.APIVersion = defaultVersion
	}
	if !apiVersion.MatchString(o.APIVersion) {
		return nil, fmt.Errorf("whatsapp: API version %q: want v<major>.<minor>", o.APIVersion)
	}
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("whatsapp: base URL %q: want http(s)://host", o.BaseURL)
	}
	if o.Template == "" && !o.FreeForm {
		return nil, errors.New("whatsapp: set a template (business-initiated messages must be templates) or free-form mode")
	}
	if o.Template != "" && !templateName.MatchString(o.Template) {
		return nil, fmt.Errorf("whatsapp: template name %q: want lowercase letters, digits and underscores", o.Template)
	}
	if o.TemplateParams == nil {
		o.TemplateParams = []string{"text"}
	}
	for _, p := range o.TemplateParams {
		if p != "text" && p != "subject" {
			return nil, fmt.Errorf("whatsapp: template parameter %q: want subject or text", p)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	client := o.Client
	if client == nil {
		client = &http.Client{}
	}
	endpoint := strings.TrimRight(o.BaseURL, "/") + "/" + o.APIVersion + "/" + o.PhoneNumberID + "/messages"
	return &Sender{o: o, endpoint: endpoint, client: client, now: time.Now}, nil
}

// Channel implements deliver.Sender.
func (s *Sender) Channel() string { return "whatsapp" }

// Provider implements deliver.Sender.
func (s *Sender) Provider() string { return "whatsapp_cloud" }

// MaxBatch implements deliver.Sender: a message has one recipient.
func (s *Sender) MaxBatch() int { return 1 }

// Idempotent implements deliver.Sender: the Cloud API takes no
// idempotency key, so a resent request is a second message.
func (s *Sender) Idempotent() bool { return false }

// Send sends the items one after another.
func (s *Sender) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	return deliver.SendInOrder(ctx, items, s.send, func(err error) error { return &Error{Err: err} })
}

func (s *Sender) send(ctx context.Context, it deliver.Item) deliver.Result {
	res := deliver.Result{Key: it.Key}
	to, err := E164(it.Address)
	if err != nil {
		res.Err, res.Permanent = err, true
		return res
	}
	var id string
	if s.o.FreeForm {
		var body map[string]any
		if body, err = textMessage(to, it); err == nil {
			id, err = s.post(ctx, body)
		}
		var e *Error
		if errors.As(err, &e) && e.Code == codeReEngagement && s.o.Template != "" {
			// Nothing was sent: the window is closed, so the template is the
			// only way to reach this person.
			id, err = s.sendTemplate(ctx, to, it)
		}
	} else {
		id, err = s.sendTemplate(ctx, to, it)
	}
	if err != nil {
		res.Err = err
		var e *Error
		if !errors.As(err, &e) {
			res.Permanent = true // refused before any request
			return res
		}
		res.Permanent = e.permanent()
		res.RetryAfter = e.retryAfter
		return res
	}
	res.ProviderID = id
	return res
}

func (s *Sender) sendTemplate(ctx context.Context, to string, it deliver.Item) (string, error) {
	body, err := s.templateMessage(to, it)
	if err != nil {
		return "", err
	}
	return s.post(ctx, body)
}

// textMessage is a free-form text message: the item's text, or its
// subject when it has none.
func textMessage(to string, it deliver.Item) (map[string]any, error) {
	text := it.Text
	if text == "" {
		text = it.Subject
	}
	switch n := utf8.RuneCountInString(text); {
	case strings.TrimSpace(text) == "":
		return nil, errors.New("whatsapp: the message is empty")
	case n > maxText:
		return nil, fmt.Errorf("whatsapp: the message has %d characters, WhatsApp takes %d", n, maxText)
	}
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
		"text": map[string]any{"preview_url": false, "body": text}}, nil
}

// templateMessage fills the template's body variables with the item's
// fields, made single-line: WhatsApp refuses parameters with new lines,
// tabs or more than four consecutive spaces.
func (s *Sender) templateMessage(to string, it deliver.Item) (map[string]any, error) {
	if s.o.Template == "" {
		return nil, errors.New("whatsapp: no template configured")
	}
	lang := s.o.TemplateLanguage
	if lang == "" {
		lang = it.Lang
	}
	if lang == "" {
		return nil, errors.New("whatsapp: no template language: set template_language or the recipient's language")
	}
	tmpl := map[string]any{"name": s.o.Template, "language": map[string]string{"code": lang}}
	if len(s.o.TemplateParams) > 0 {
		params := make([]map[string]string, 0, len(s.o.TemplateParams))
		for _, field := range s.o.TemplateParams {
			v := it.Text
			if field == "subject" {
				v = it.Subject
			}
			v = strings.TrimSpace(spaces.ReplaceAllString(v, " "))
			if v == "" {
				return nil, fmt.Errorf("whatsapp: the template parameter %s is empty", field)
			}
			if n := utf8.RuneCountInString(v); n > maxParam {
				return nil, fmt.Errorf("whatsapp: the template parameter %s has %d characters, more than %d", field, n, maxParam)
			}
			params = append(params, map[string]string{"type": "text", "text": v})
		}
		tmpl["components"] = []map[string]any{{"type": "body", "parameters": params}}
	}
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template", "template": tmpl}, nil
}

// post sends one message and returns its wamid.
func (s *Sender) post(ctx context.Context, body map[string]any) (string, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return "", &Error{Err: fmt.Errorf("encode: %w", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		wrote.Store(i.Err == nil)
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(raw))
	if err != nil {
		return "", &Error{Err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Authorization", "Bearer "+s.o.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", &Error{Err: err, uncertain: wrote.Load()}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var doc struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
		Error *struct {
			Message      string `json:"message"`
			Type         string `json:"type"`
			Code         int    `json:"code"`
			ErrorSubcode int    `json:"error_subcode"`
			ErrorData    struct {
				Details string `json:"details"`
			} `json:"error_data"`
			FBTraceID string `json:"fbtrace_id"`
		} `json:"error"`
	}
	if err == nil {
		err = json.Unmarshal(answer, &doc)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err != nil || len(doc.Messages) == 0 || doc.Messages[0].ID == "" {
			return "", &Error{Status: resp.StatusCode, Message: "unreadable answer", Err: err, uncertain: true}
		}
		return doc.Messages[0].ID, nil
	}
	e := &Error{Status: resp.StatusCode, retryAfter: retryAfter(resp.Header, s.now())}
	if doc.Error != nil {
		e.Code, e.Subcode, e.Type = doc.Error.Code, doc.Error.ErrorSubcode, doc.Error.Type
		e.Message, e.Details, e.TraceID = doc.Error.Message, doc.Error.ErrorData.Details, doc.Error.FBTraceID
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	e.Message = strings.ReplaceAll(e.Message, s.o.Token, "<token>")
	e.Details = strings.ReplaceAll(e.Details, s.o.Token, "<token>")
	if e.token() {
		e.Err = ErrToken
	}
	return "", e
}

// E164 normalises a phone number to E.164 (+33612345678): it drops
// spaces, dots, hyphens, parentheses and a "(0)" trunk prefix.
func E164(number string) (string, error) {
	n, err := deliver.E164(number)
	if err != nil {
		return "", fmt.Errorf("whatsapp: %w", err)
	}
	return n, nil
}
