// Package twilio sends SMS through Twilio's Programmable Messaging REST API
// (POST /2010-04-01/Accounts/{AccountSid}/Messages.json), and reads what
// Twilio posts back: status callbacks and inbound messages (STOP), both
// signed with X-Twilio-Signature.
package twilio

import (
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

	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/plan"
)

const (
	defaultBaseURL = "https://api.twilio.com"
	defaultTimeout = 10 * time.Second
	// maxSegments is Twilio's advice for one message; longer texts are
	// refused here rather than billed as a dozen SMS.
	maxSegments = 10
)

// ErrAccount says Twilio refused the account rather than the recipient:
// credentials (20003), an inactive account, an unknown account SID, a
// sender that is not the account's (21212, 21606), a trial restriction
// (21608) or a country not enabled (21408). It is not permanent: fixing the
// configuration, or the fallback provider, can still deliver the message.
var ErrAccount = errors.New("twilio: the account cannot send this message")

var (
	accountSID = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSID = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
)

// accountCodes are Twilio error codes about the sending account.
var accountCodes = map[int]bool{20003: true, 20005: true, 20404: true, 21212: true, 21408: true, 21606: true, 21608: true}

// goneCodes say the number will never take SMS from us: not a valid
// number, not a mobile, or the person replied STOP.
var goneCodes = map[int]bool{21211: true, 21614: true, 21610: true}

// Options configures a Sender.
type Options struct {
	AccountSID string
	AuthToken  string
	// From is the sending number (E.164) or alphanumeric sender id; unused
	// when MessagingServiceSID is set.
	From                string
	MessagingServiceSID string
	// BaseURL is the API server (default https://api.twilio.com).
	BaseURL string
	// StatusCallback is the public URL Twilio posts delivery statuses to.
	StatusCallback string
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client).
	Client *http.Client
}

// Error is a failed request: Twilio's error document, or a transport error
// when Status is 0.
type Error struct {
	Status   int
	Code     int
	Message  string
	MoreInfo string
	Err      error
	// uncertain: the request was written and no answer was read.
	uncertain  bool
	retryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "twilio: send: " + e.Err.Error()
	}
	msg := fmt.Sprintf("twilio: send: HTTP %d", e.Status)
	if e.Code != 0 {
		msg += fmt.Sprintf(", error %d", e.Code)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.MoreInfo != "" {
		msg += " (" + e.MoreInfo + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Uncertain reports that Twilio may have accepted the message although no
// answer was read (timeout, connection closed, unreadable 2xx): sending it
// again may send a second SMS.
func (e *Error) Uncertain() bool { return e.uncertain }

// Gone reports that the number will not take SMS from us (invalid, not a
// mobile, or unsubscribed with STOP), so the address should be dropped.
func (e *Error) Gone() bool { return goneCodes[e.Code] }

// Sender sends SMS from one Twilio account.
type Sender struct {
	o        Options
	endpoint string
	client   *http.Client
	now      func() time.Time
}

var _ deliver.Sender = (*Sender)(nil)

// New checks the options and returns a Sender.
func New(o Options) (*Sender, error) {
	if !accountSID.MatchString(o.AccountSID) {
		return nil, errors.New("twilio: the account SID must be AC followed by 32 hexadecimal digits")
	}
	if o.AuthToken == "" {
		return nil, errors.New("twilio: no auth token")
	}
	if o.MessagingServiceSID != "" && !serviceSID.MatchString(o.MessagingServiceSID) {
		return nil, errors.New("twilio: the messaging service SID must be MG followed by 32 hexadecimal digits")
	}
	if o.From == "" && o.MessagingServiceSID == "" {
		return nil, errors.New("twilio: set a sender (from) or a messaging service SID")
	}
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("twilio: base URL %q: want http(s)://host", o.BaseURL)
	}
	if o.StatusCallback != "" {
		if u, err := url.Parse(o.StatusCallback); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("twilio: status callback %q: want an absolute http(s) URL", o.StatusCallback)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	client := o.Client
	if client == nil {
		client = &http.Client{}
	}
	endpoint := strings.TrimRight(o.BaseURL, "/") + "/2010-04-01/Accounts/" + o.AccountSID + "/Messages.json"
	return &Sender{o: o, endpoint: endpoint, client: client, now: time.Now}, nil
}

// Channel implements deliver.Sender.
func (s *Sender) Channel() string { return "sms" }

// Provider implements deliver.Sender.
func (s *Sender) Provider() string { return "twilio" }

// MaxBatch implements deliver.Sender: a Message resource has one recipient.
func (s *Sender) MaxBatch() int { return 1 }

// Idempotent implements deliver.Sender: the Messages API takes no
// idempotency key, so a resent request is a second SMS.
func (s *Sender) Idempotent() bool { return false }

// Send sends the items one after another.
func (s *Sender) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	return deliver.SendInOrder(ctx, items, s.send, func(err error) error { return &Error{Err: err} })
}

func (s *Sender) send(ctx context.Context, it deliver.Item) deliver.Result {
	res := deliver.Result{Key: it.Key}
	to, err := E164(it.Address)
	body := it.Text
	if body == "" {
		body = it.Subject
	}
	info := plan.SMSSegments(body)
	switch {
	case err != nil:
		res.Err = err
	case body == "":
		res.Err = errors.New("twilio: the message is empty")
	case info.Segments > maxSegments:
		res.Err = fmt.Errorf("twilio: the message needs %d %s segments, more than %d", info.Segments, info.Encoding, maxSegments)
	}
	if res.Err != nil {
		res.Permanent = true
		return res
	}
	form := url.Values{"To": {to}, "Body": {body}}
	if s.o.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", s.o.MessagingServiceSID)
	} else {
		form.Set("From", s.o.From)
	}
	if s.o.StatusCallback != "" {
		form.Set("StatusCallback", s.o.StatusCallback)
	}
	sid, err := s.post(ctx, form)
	if err != nil {
		res.Err = err
		var e *Error
		errors.As(err, &e)
		res.RetryAfter = e.retryAfter
		switch {
		case e.Status == http.StatusTooManyRequests, e.Code == 20429, e.Code == 21611: // 21611: the sender's queue is full
		case e.Status == 0, e.uncertain, e.Status >= 500, errors.Is(err, ErrAccount):
		default:
			res.Permanent = true
		}
		return res
	}
	res.ProviderID = sid
	return res
}

// post creates the Message resource and returns its SID.
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
	req.SetBasicAuth(s.o.AccountSID, s.o.AuthToken)
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
		SID string `json:"sid"` // of the Message resource
		// The error document.
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &doc)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err != nil || doc.SID == "" {
			return "", &Error{Status: resp.StatusCode, Message: "unreadable answer", Err: err, uncertain: true}
		}
		return doc.SID, nil
	}
	e := &Error{Status: resp.StatusCode, Code: doc.Code, Message: doc.Message, MoreInfo: doc.MoreInfo}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if accountCodes[e.Code] || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound {
		e.Err = ErrAccount
	}
	e.retryAfter = deliver.RetryAfter(resp.Header.Get("Retry-After"), s.now())
	return "", e
}

// E164 normalises a phone number to E.164: it drops spaces, dots, hyphens,
// parentheses and a "(0)" trunk prefix, and requires a leading + followed
// by 7 to 15 digits. National numbers (06 12 34 56 78) are refused: the
// audience stores numbers in E.164 already.
func E164(number string) (string, error) {
	n, err := deliver.E164(number)
	if err != nil {
		return "", fmt.Errorf("twilio: %w", err)
	}
	return n, nil
}
