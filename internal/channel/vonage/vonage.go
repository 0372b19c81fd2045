// Package vonage sends SMS through the Vonage (formerly Nexmo) SMS API,
// POST https://rest.nexmo.com/sms/json: the failover provider of the sms
// channel. The API answers 200 even when it refuses a message; the outcome
// is in messages[].status.
package vonage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/plan"
)

const (
	defaultBaseURL = "https://rest.nexmo.com"
	defaultTimeout = 10 * time.Second
	// maxSegments matches the Twilio sender: a longer text is refused
	// rather than billed as a dozen SMS.
	maxSegments = 10
	// maxClientRef is the length of client-ref Vonage keeps.
	maxClientRef = 40
)

// ErrAccount says Vonage refused the account rather than the recipient:
// credentials (4, 14, 32), a suspended account (8), no credit (9), an
// account without the SMS API (11), a sender id not allowed (15) or a trial
// account's unlisted destination (29). It is not permanent: fixing the
// account, or another provider, can still deliver the message.
var ErrAccount = errors.New("vonage: the account cannot send this message")

// Status texts from https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms.
var statusText = map[string]string{
	"1": "Throttled", "2": "Missing Parameters", "3": "Invalid Parameters", "4": "Invalid Credentials",
	"5": "Internal Error", "6": "Invalid Message", "7": "Number Barred", "8": "Partner Account Barred",
	"9": "Partner Quota Violation", "10": "Too Many Existing Binds", "11": "Account Not Enabled For HTTP",
	"12": "Message Too Long", "14": "Invalid Signature", "15": "Invalid Sender Address", "22": "Invalid Network Code",
	"23": "Invalid Callback URL", "29": "Non-Whitelisted Destination", "32": "Signature And API Secret Disallowed",
	"33": "Number De-activated",
}

var (
	retryStatus   = map[string]bool{"1": true, "5": true, "10": true}
	accountStatus = map[string]bool{"4": true, "8": true, "9": true, "11": true, "14": true, "15": true, "29": true, "32": true}
	goneStatus    = map[string]bool{"7": true, "33": true}
)

// Options configures a Sender.
type Options struct {
	APIKey    string
	APISecret string
	// From is the sender: a Vonage number (digits) or an alphanumeric id.
	From string
	// BaseURL is the API server (default https://rest.nexmo.com).
	BaseURL string
	// Callback is the public URL for delivery receipts, if any.
	Callback string
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client).
	Client *http.Client
}

// Error is a refused message (Vonage's status), an HTTP error, or a
// transport error when HTTPStatus is 0.
type Error struct {
	HTTPStatus int
	// Status is messages[].status ("1" throttled, "7" number barred…).
	Status string
	// Text is Vonage's error-text.
	Text       string
	Err        error
	uncertain  bool
	retryAfter time.Duration
}

func (e *Error) Error() string {
	switch {
	case e.HTTPStatus == 0:
		return "vonage: send: " + e.Err.Error()
	case e.Status == "":
		return fmt.Sprintf("vonage: send: HTTP %d %s", e.HTTPStatus, e.Text)
	}
	msg := "vonage: send: status " + e.Status
	if t := statusText[e.Status]; t != "" {
		msg += " (" + t + ")"
	}
	if e.Text != "" && e.Text != statusText[e.Status] {
		msg += ": " + e.Text
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Uncertain reports that Vonage may have accepted the message although no
// answer was read, or accepted only some of its parts.
func (e *Error) Uncertain() bool { return e.uncertain }

// Gone reports that the number cannot receive SMS (barred, de-activated).
func (e *Error) Gone() bool { return goneStatus[e.Status] }

func (e *Error) permanent() bool {
	switch {
	case e.HTTPStatus == 0, e.uncertain, e.HTTPStatus == http.StatusTooManyRequests, e.HTTPStatus >= 500:
		return false
	case e.Status == "":
		return e.HTTPStatus != http.StatusUnauthorized && e.HTTPStatus != http.StatusForbidden
	case retryStatus[e.Status], accountStatus[e.Status]:
		return false
	}
	return true
}

// Sender sends SMS from one Vonage account.
type Sender struct {
	o        Options
	endpoint string
	client   *http.Client
	now      func() time.Time
}

var _ deliver.Sender = (*Sender)(nil)

// New checks the options and returns a Sender.
func New(o Options) (*Sender, error) {
	switch {
	case o.APIKey == "" || o.APISecret == "":
		return nil, errors.New("vonage: the API key and secret are required")
	case o.From == "":
		return nil, errors.New("vonage: no sender (from)")
	}
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("vonage: base URL %q: want http(s)://host", o.BaseURL)
	}
	if o.Callback != "" {
		if u, err := url.Parse(o.Callback); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("vonage: callback %q: want an absolute http(s) URL", o.Callback)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	client := o.Client
	if client == nil {
		client = &http.Client{}
	}
	return &Sender{o: o, endpoint: strings.TrimRight(o.BaseURL, "/") + "/sms/json", client: client, now: time.Now}, nil
}

// Channel implements deliver.Sender.
func (s *Sender) Channel() string { return "sms" }

// Provider implements deliver.Sender.
func (s *Sender) Provider() string { return "vonage" }

// MaxBatch implements deliver.Sender: one recipient per request.
func (s *Sender) MaxBatch() int { return 1 }

// Idempotent implements deliver.Sender: the SMS API does not deduplicate;
// client-ref is only echoed in receipts.
func (s *Sender) Idempotent() bool { return false }

// Send sends the items one after another.
func (s *Sender) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	return deliver.SendInOrder(ctx, items, s.send, func(err error) error { return &Error{Err: err} })
}

// Form is the request for one item: "to" without its +, type=unicode as
// soon as a character is outside GSM-7, and the item's key as client-ref.
func (s *Sender) Form(it deliver.Item) (url.Values, error) {
	to, err := E164(it.Address)
	if err != nil {
		return nil, err
	}
	text := it.Text
	if text == "" {
		text = it.Subject
	}
	info := plan.SMSSegments(text)
	switch {
	case text == "":
		return nil, errors.New("vonage: the message is empty")
	case info.Segments > maxSegments:
		return nil, fmt.Errorf("vonage: the message needs %d %s segments, more than %d", info.Segments, info.Encoding, maxSegments)
	}
	form := url.Values{"api_key": {s.o.APIKey}, "api_secret": {s.o.APISecret}, "from": {s.o.From},
		"to": {strings.TrimPrefix(to, "+")}, "text": {text}, "type": {"text"}}
	if info.Encoding == "UCS-2" {
		form.Set("type", "unicode")
	}
	if ref := []rune(it.Key); len(ref) > 0 {
		form.Set("client-ref", string(ref[:min(len(ref), maxClientRef)]))
	}
	if s.o.Callback != "" {
		form.Set("callback", s.o.Callback)
	}
	return form, nil
}

func (s *Sender) send(ctx context.Context, it deliver.Item) deliver.Result {
	res := deliver.Result{Key: it.Key}
	form, err := s.Form(it)
	if err != nil {
		res.Err, res.Permanent = err, true
		return res
	}
	res.ProviderID, err = s.post(ctx, form)
	if err != nil {
		var e *Error
		errors.As(err, &e)
		res.Err, res.Permanent, res.RetryAfter = err, e.permanent(), e.retryAfter
	}
	return res
}

// post sends one SMS and returns its message ids (one per part).
func (s *Sender) post(ctx context.Context, form url.Values) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		wrote.Store(i.Err == nil)
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", &Error{Err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", &Error{Err: err, uncertain: wrote.Load()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var doc struct {
		Messages []struct {
			ID        string `json:"message-id"`
			Status    string `json:"status"`
			ErrorText string `json:"error-text"`
		} `json:"messages"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &doc)
	}
	if resp.StatusCode != http.StatusOK {
		return "", &Error{HTTPStatus: resp.StatusCode, Text: http.StatusText(resp.StatusCode), retryAfter: deliver.RetryAfter(resp.Header.Get("Retry-After"), s.now())}
	}
	if err != nil || len(doc.Messages) == 0 {
		return "", &Error{HTTPStatus: resp.StatusCode, Text: "unreadable answer", Err: err, uncertain: true}
	}
	var ids []string
	for _, m := range doc.Messages {
		if m.Status != "0" {
			text := strings.ReplaceAll(m.ErrorText, s.o.APISecret, "<secret>")
			e := &Error{HTTPStatus: resp.StatusCode, Status: m.Status, Text: text, uncertain: len(ids) > 0}
			if accountStatus[m.Status] {
				e.Err = ErrAccount
			}
			return "", e
		}
		ids = append(ids, m.ID)
	}
	return strings.Join(ids, ","), nil
}

// E164 normalises a phone number to E.164 (+33612345678): it drops
// spaces, dots, hyphens, parentheses and a "(0)" trunk prefix.
func E164(number string) (string, error) {
	n, err := deliver.E164(number)
	if err != nil {
		return "", fmt.Errorf("vonage: %w", err)
	}
	return n, nil
}
