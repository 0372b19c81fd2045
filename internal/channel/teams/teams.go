// Package teams posts staff alerts to Microsoft Teams channels through a
// Workflows (Power Automate) webhook: the flow "Post to a channel when a
// webhook request is received" takes an Adaptive Card message and answers
// 202 Accepted. The address is the flow's URL, which carries its own
// signature (sig=…): it is a secret and never appears in errors or logs.
// Office 365 connector URLs (*.webhook.office.com) were retired by
// Microsoft and are refused with a message saying what to use instead.
package teams

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
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
)

const (
	defaultTimeout = 10 * time.Second
	// maxPayload is the Teams message size limit (28 KB).
	maxPayload = 28 << 10
)

// DefaultHosts are the host suffixes of Workflows webhook URLs.
var DefaultHosts = []string{".logic.azure.com", ".powerplatform.com", ".powerautomate.com"}

// retiredHosts are Office 365 connector hosts, retired by Microsoft.
var retiredHosts = []string{".webhook.office.com", "outlook.office.com", "outlook.office365.com"}

// Options configures a Sender.
type Options struct {
	// Hosts are the host suffixes an address may use (default
	// DefaultHosts), so an address cannot point anywhere else.
	Hosts []string
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client that does
	// not follow redirects).
	Client *http.Client
	// Parallel is how many posts run at once (default 2: Teams throttles
	// a webhook beyond about four requests per second).
	Parallel int
}

// Sender posts Adaptive Cards to Teams channels.
type Sender struct {
	o      Options
	client *http.Client
	now    func() time.Time
}

var _ deliver.Sender = (*Sender)(nil)

// New returns a Sender.
func New(o Options) (*Sender, error) {
	if len(o.Hosts) == 0 {
		o.Hosts = DefaultHosts
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	client := o.Client
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if o.Parallel <= 0 {
		o.Parallel = 2
	}
	return &Sender{o: o, client: client, now: time.Now}, nil
}

// Channel implements deliver.Sender.
func (s *Sender) Channel() string { return "teams" }

// Provider implements deliver.Sender.
func (s *Sender) Provider() string { return "teams_workflows" }

// MaxBatch implements deliver.Sender: a webhook posts to one channel.
func (s *Sender) MaxBatch() int { return 1 }

// Idempotent implements deliver.Sender: a flow run posts every request it
// receives.
func (s *Sender) Idempotent() bool { return false }

// Send posts the items, s.o.Parallel at a time.
func (s *Sender) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	return deliver.SendEach(ctx, items, s.o.Parallel, s.send)
}

// Error is a failed post: the status and error code of the answer, or a
// transport error when Status is 0.
type Error struct {
	Status int
	// Code is the error code of a Logic Apps answer
	// ({"error": {"code", "message"}}), when there is one.
	Code       string
	Message    string
	Err        error
	uncertain  bool
	retryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "teams: post: " + e.Err.Error()
	}
	msg := fmt.Sprintf("teams: post: HTTP %d", e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Uncertain reports that the flow may have posted the card although no
// answer was read: posting again may duplicate it.
func (e *Error) Uncertain() bool { return e.uncertain }

// Gone reports that the flow no longer exists (404, 410): create a new
// webhook and replace the address.
func (e *Error) Gone() bool { return e.Status == http.StatusNotFound || e.Status == http.StatusGone }

func (e *Error) permanent() bool {
	switch {
	case e.Status == 0, e.uncertain, e.Status == http.StatusRequestTimeout, e.Status == http.StatusTooManyRequests, e.Status >= 500:
		return false
	}
	return true
}

func (s *Sender) send(ctx context.Context, it deliver.Item) deliver.Result {
	res := deliver.Result{Key: it.Key}
	if err := ctx.Err(); err != nil {
		res.Err = &Error{Err: err}
		return res
	}
	body, err := json.Marshal(Card(it))
	switch {
	case err != nil:
	case strings.TrimSpace(it.Subject) == "" && strings.TrimSpace(it.Text) == "":
		err = errors.New("teams: the message is empty")
	case len(body) > maxPayload:
		err = fmt.Errorf("teams: the card is %d bytes, Teams takes %d", len(body), maxPayload)
	default:
		err = s.checkAddress(it.Address)
	}
	if err != nil {
		res.Err, res.Permanent = err, true
		return res
	}
	res.ProviderID, err = s.post(ctx, it.Address, body)
	if err != nil {
		var e *Error
		errors.As(err, &e)
		res.Err, res.Permanent, res.RetryAfter = err, e.permanent(), e.retryAfter
	}
	return res
}

func (s *Sender) checkAddress(addr string) error {
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("teams: the address is not a Workflows webhook URL")
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range retiredHosts {
		if host == strings.TrimPrefix(h, ".") || strings.HasSuffix(host, h) {
			return fmt.Errorf("teams: %s is an Office 365 connector URL, which Microsoft retired; create a Workflows webhook (\"Post to a channel when a webhook request is received\")", Redact(addr))
		}
	}
	for _, h := range s.o.Hosts {
		if host == strings.TrimPrefix(h, ".") || strings.HasSuffix(host, h) {
			return nil
		}
	}
	return fmt.Errorf("teams: %s is not a Workflows webhook URL (hosts %s)", Redact(addr), strings.Join(s.o.Hosts, ", "))
}

func (s *Sender) post(ctx context.Context, addr string, body []byte) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		wrote.Store(i.Err == nil)
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, addr, bytes.NewReader(body))
	if err != nil {
		return "", &Error{Err: errors.New("cannot build the request")}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		// url.Error quotes the URL, signature included: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", &Error{Err: err, uncertain: wrote.Load()}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.Header.Get("x-ms-workflow-run-id"), nil
	}
	e := &Error{Status: resp.StatusCode, retryAfter: deliver.RetryAfter(resp.Header.Get("Retry-After"), s.now())}
	var doc struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &doc) == nil {
		e.Code, e.Message = doc.Error.Code, redactIn(doc.Error.Message, addr)
	}
	return "", e
}

// Card is the message a Workflows webhook takes: one Adaptive Card (1.4,
// which Teams renders everywhere) with the subject as a bold heading and
// the text below it.
func Card(it deliver.Item) map[string]any {
	var body []map[string]any
	if s := strings.TrimSpace(it.Subject); s != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": s, "weight": "Bolder", "size": "Medium", "wrap": true, "style": "heading"})
	}
	if t := strings.TrimSpace(it.Text); t != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": t, "wrap": true})
	}
	if it.Drill {
		body = append(body, map[string]any{"type": "TextBlock", "text": "DRILL", "isSubtle": true, "size": "Small", "wrap": true})
	}
	return map[string]any{
		"type": "message",
		"attachments": []map[string]any{{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content": map[string]any{
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				"type":    "AdaptiveCard",
				"version": "1.4",
				"body":    body,
			},
		}},
	}
}

// Redact shows a webhook URL without its path and signature.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<webhook URL>"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// redactIn removes the address and its signature from a provider message.
func redactIn(msg, addr string) string {
	msg = strings.ReplaceAll(msg, addr, Redact(addr))
	if u, err := url.Parse(addr); err == nil {
		if sig := u.Query().Get("sig"); sig != "" {
			msg = strings.ReplaceAll(msg, sig, "<sig>")
		}
		if u.Path != "" && u.Path != "/" {
			msg = strings.ReplaceAll(msg, u.Path, "/…")
		}
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}
