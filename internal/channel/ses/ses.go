// Package ses sends subscriber e-mail through Amazon SES API v2's
// SendBulkEmail (POST /v2/email/outbound-bulk-emails): up to 50
// recipients a call, each with their own unsubscribe link and RFC 8058
// one-click List-Unsubscribe headers, signed with AWS Signature Version 4.
// The message goes through a template whose only placeholders are
// {{subject}} and {{body}}: by default an inline TemplateContent, or a
// stored template that the sender creates and updates itself. The
// message text is template data, never template source, so that "{{" in
// an alert cannot be read as a placeholder. See docs/channels-ses.md.
package ses

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/vigie-hq/vigie/internal/awssig"
	"github.com/vigie-hq/vigie/internal/deliver"
)

const (
	// MaxBatch is SendBulkEmail's limit of entries a call.
	MaxBatch       = 50
	defaultTimeout = 15 * time.Second
	// maxRequest keeps a request under SES's 1 MB limit for inline
	// templates, with room for the JSON around the content.
	maxRequest = 1_000_000
	// maxHeaders is the limit of ReplacementHeaders an entry.
	maxHeaders = 15
)

var (
	regionRE   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	templateRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	// headerNameRE and headerValueRE are MessageHeader's documented
	// patterns and lengths.
	headerNameRE  = regexp.MustCompile(`^[!-9;-~]{1,126}$`)
	headerValueRE = regexp.MustCompile(`^[ -~]{1,870}$`)
)

// Template is the content of Vigie's template: the subject and the body
// (text plus the recipient's unsubscribe footer) are template data.
var Template = TemplateContent{Subject: "{{subject}}", Text: "{{body}}"}

// TemplateContent is SES's EmailTemplateContent.
type TemplateContent struct {
	Subject string `json:"Subject,omitempty"`
	Text    string `json:"Text,omitempty"`
	HTML    string `json:"Html,omitempty"`
}

// Options configure a Sender.
type Options struct {
	// Region is the AWS region of the SES account ("eu-west-1").
	Region string
	// AccessKeyID, SecretAccessKey and, for temporary credentials,
	// SessionToken sign the requests.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// From is a verified identity ("Vigie <alerts@example.com>").
	From    string
	ReplyTo []string
	// ConfigurationSet is the SES configuration set to send with, if any.
	ConfigurationSet string
	// StoredTemplate names a template the sender creates or updates in the
	// account before its first send; empty sends the template inline.
	StoredTemplate string
	// BaseURL is the API endpoint (default https://email.REGION.amazonaws.com).
	BaseURL string
	// Timeout bounds each request (default 15 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client).
	Client *http.Client
	Logger *slog.Logger
	// Now replaces the clock used to sign requests.
	Now func() time.Time
}

// String describes the options without their secrets.
func (o Options) String() string {
	return fmt.Sprintf("ses.Options{Region: %q, AccessKeyID: %q, From: %q, ConfigurationSet: %q, StoredTemplate: %q, BaseURL: %q, SecretAccessKey: [redacted]}",
		o.Region, o.AccessKeyID, o.From, o.ConfigurationSet, o.StoredTemplate, o.BaseURL)
}

// GoString is String, so that %#v does not print the secret either.
func (o Options) GoString() string { return o.String() }

// LogValue keeps the secrets out of logs.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }

// Sender sends e-mail through one SES account and region.
type Sender struct {
	o       Options
	base    string
	creds   awssig.Credentials
	from    string
	replyTo []string
	client  *http.Client
	logger  *slog.Logger
	now     func() time.Time

	mu sync.Mutex
	// templateReady: the stored template was created or updated.
	templateReady bool
}

var _ deliver.Sender = (*Sender)(nil)

// New checks the options and returns a Sender.
func New(o Options) (*Sender, error) {
	if !regionRE.MatchString(o.Region) {
		return nil, fmt.Errorf("ses: region %q: want an AWS region such as eu-west-1", o.Region)
	}
	if o.AccessKeyID == "" || o.SecretAccessKey == "" {
		return nil, errors.New("ses: an access key id and a secret access key are required")
	}
	from, err := mail.ParseAddress(o.From)
	if err != nil || !ascii(from.Address) {
		return nil, fmt.Errorf("ses: sender address %q: want a verified address such as \"Vigie <alerts@example.com>\"", o.From)
	}
	s := &Sender{o: o, from: formatAddress(from), client: o.Client, logger: o.Logger, now: o.Now,
		creds: awssig.Credentials{AccessKeyID: o.AccessKeyID, SecretAccessKey: o.SecretAccessKey, SessionToken: o.SessionToken}}
	for _, r := range o.ReplyTo {
		a, err := mail.ParseAddress(r)
		if err != nil || !ascii(a.Address) {
			return nil, fmt.Errorf("ses: reply-to address %q is not an address", r)
		}
		s.replyTo = append(s.replyTo, formatAddress(a))
	}
	if o.StoredTemplate != "" && !templateRE.MatchString(o.StoredTemplate) {
		return nil, fmt.Errorf("ses: template name %q: use 1 to 64 letters, digits, - or _", o.StoredTemplate)
	}
	s.base = strings.TrimRight(o.BaseURL, "/")
	if s.base == "" {
		s.base = "https://email." + o.Region + ".amazonaws.com"
	}
	if u, err := url.Parse(s.base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ses: base URL %q: want http(s)://host", o.BaseURL)
	}
	if s.o.Timeout <= 0 {
		s.o.Timeout = defaultTimeout
	}
	if s.client == nil {
		s.client = &http.Client{}
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Channel implements deliver.Sender.
func (s *Sender) Channel() string { return "email" }

// Provider implements deliver.Sender.
func (s *Sender) Provider() string { return "ses" }

// MaxBatch implements deliver.Sender: SendBulkEmail takes 50 entries.
func (s *Sender) MaxBatch() int { return MaxBatch }

// Idempotent implements deliver.Sender: SendBulkEmail takes no
// idempotency token, so a resent request is a second e-mail.
func (s *Sender) Idempotent() bool { return false }

// Send implements deliver.Sender: one SendBulkEmail call for the batch
// (more if it exceeds 50 entries or 1 MB), results in the items' order.
func (s *Sender) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	out := make([]deliver.Result, len(items))
	entries := make([]entry, 0, len(items))
	for i, it := range items {
		out[i].Key = it.Key
		e, err := s.entry(it)
		if err != nil {
			out[i].Err, out[i].Permanent = err, true
			continue
		}
		e.index = i
		entries = append(entries, e)
	}
	for start := 0; start < len(entries); start += MaxBatch {
		s.sendChunk(ctx, entries[start:min(start+MaxBatch, len(entries))], out)
	}
	return out
}

// fail gives every entry of a chunk the same failure.
func fail(chunk []entry, out []deliver.Result, err *Error) {
	for _, e := range chunk {
		out[e.index].Err, out[e.index].Permanent, out[e.index].RetryAfter = err, err.permanent, err.retryAfter
	}
}

// sendChunk sends up to 50 entries in one call, halving the chunk when the
// request would exceed SES's size limit.
func (s *Sender) sendChunk(ctx context.Context, chunk []entry, out []deliver.Result) {
	if err := ctx.Err(); err != nil {
		fail(chunk, out, &Error{Op: "SendBulkEmail", Err: err})
		return
	}
	body, err := json.Marshal(s.request(chunk))
	if err != nil {
		fail(chunk, out, &Error{Op: "SendBulkEmail", Err: err, permanent: true})
		return
	}
	if len(body) > maxRequest {
		if len(chunk) == 1 {
			fail(chunk, out, &Error{Op: "SendBulkEmail", Err: fmt.Errorf("the message is larger than SES's %d-byte request limit", maxRequest), permanent: true})
			return
		}
		s.sendChunk(ctx, chunk[:len(chunk)/2], out)
		s.sendChunk(ctx, chunk[len(chunk)/2:], out)
		return
	}
	if s.o.StoredTemplate != "" {
		if err := s.ensureTemplate(ctx); err != nil {
			fail(chunk, out, err)
			return
		}
	}
	raw, serr := s.call(ctx, "SendBulkEmail", http.MethodPost, "/v2/email/outbound-bulk-emails", body)
	if serr != nil {
		if templateMissing(serr) {
			s.forgetTemplate()
		}
		fail(chunk, out, serr)
		return
	}
	var resp struct {
		BulkEmailEntryResults []struct {
			Status    string `json:"Status"`
			Error     string `json:"Error"`
			MessageID string `json:"MessageId"`
		} `json:"BulkEmailEntryResults"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		fail(chunk, out, &Error{Op: "SendBulkEmail", Status: 200, Message: "unreadable answer", Err: err, uncertain: true})
		return
	}
	for i, e := range chunk {
		r := &out[e.index]
		if i >= len(resp.BulkEmailEntryResults) {
			r.Err = &Error{Op: "SendBulkEmail", Status: 200, Message: "no result for this recipient", uncertain: true}
			continue
		}
		res := resp.BulkEmailEntryResults[i]
		if res.Status == "SUCCESS" {
			r.ProviderID = res.MessageID
			continue
		}
		ee := entryError(res.Status, res.Error)
		if templateMissing(ee) {
			s.forgetTemplate()
		}
		r.Err, r.Permanent = ee, ee.permanent
	}
}

// formatAddress writes a bare address, or a display name (RFC 2047
// encoded when not ASCII, as SES requires) and the address.
func formatAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.String()
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
