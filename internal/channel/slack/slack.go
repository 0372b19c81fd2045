// Package slack posts staff alerts to Slack channels, either through an
// Incoming Webhook (the address is the webhook URL, one per channel) or,
// when a bot token is configured, through chat.postMessage (the address is
// a channel id such as C0123456789). Webhook URLs and bot tokens are
// secrets: they never appear in errors or logs.
package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-hq/vigie/internal/deliver"
)

const (
	defaultWebhookBase = "https://hooks.slack.com/services/"
	defaultAPIBase     = "https://slack.com/api"
	defaultTimeout     = 10 * time.Second
	// Block Kit limits: a header's plain text, a section's text.
	maxHeader  = 150
	maxSection = 3000
	// maxSections bounds one message: longer texts are refused rather
	// than flooding a channel.
	maxSections = 10
)

// channelID matches a conversation id for chat.postMessage (public,
// private, direct or group).
var channelID = regexp.MustCompile(`^[CGDUW][A-Z0-9]{8,}$`)

// Options configures a Sender.
type Options struct {
	// WebhookBase is the prefix every webhook address must start with
	// (default https://hooks.slack.com/services/), so an address cannot
	// point anywhere else.
	WebhookBase string
	// Token is a bot token (xoxb-…) for chat.postMessage; empty allows
	// webhook addresses only.
	Token string
	// APIBase is the Web API (default https://slack.com/api).
	APIBase string
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client that does
	// not follow redirects).
	Client *http.Client
	// Parallel is how many posts run at once (default 1: Slack allows
	// about one message per second per channel).
	Parallel int
}

// Sender posts messages to Slack.
type Sender struct {
	o      Options
	client *http.Client
	now    func() time.Time
}

var _ deliver.Sender = (*Sender)(nil)

// New checks the options and returns a Sender.
func New(o Options) (*Sender, error) {
	if o.WebhookBase == "" {
		o.WebhookBase = defaultWebhookBase
	}
	if u, err := url.Parse(o.WebhookBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !strings.HasSuffix(u.Path, "/") {
		return nil, fmt.Errorf("slack: webhook base %q: want http(s)://host/path/", o.WebhookBase)
	}
	if o.Token != "" && (!strings.HasPrefix(o.Token, "xox") || strings.ContainsAny(o.Token, " \t\r\n")) {
		return nil, errors.New("slack: the bot token must start with xoxb-")
	}
	if o.APIBase == "" {
		o.APIBase = defaultAPIBase
	}
	if u, err := url.Parse(o.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("slack: API base %q: want http(s)://host", o.APIBase)
	}
	o.APIBase = strings.TrimRight(o.APIBase, "/")
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	client := o.Client
	if client == nil {
		// A redirect would carry the body to another host.
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	o.Parallel = max(1, o.Parallel)
	return &Sender{o: o, client: client, now: time.Now}, nil
}

// Channel implements deliver.Sender.
func (s *Sender) Channel() string { return "slack" }

// Provider implements deliver.Sender.
func (s *Sender) Provider() string { return "slack" }

// MaxBatch implements deliver.Sender: each post has one channel.
func (s *Sender) MaxBatch() int { return 1 }

// Idempotent implements deliver.Sender: neither webhooks nor
// chat.postMessage deduplicate, so a resent request is a second post.
func (s *Sender) Idempotent() bool { return false }

// Send posts the items, s.o.Parallel at a time.
func (s *Sender) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	return deliver.SendEach(ctx, items, s.o.Parallel, s.send)
}

func (s *Sender) send(ctx context.Context, it deliver.Item) deliver.Result {
	res := deliver.Result{Key: it.Key}
	if err := ctx.Err(); err != nil {
		res.Err = &Error{Err: err}
		return res
	}
	msg, err := Render(it)
	if err != nil {
		res.Err, res.Permanent = err, true
		return res
	}
	switch {
	case strings.HasPrefix(it.Address, "http://") || strings.HasPrefix(it.Address, "https://"):
		if !strings.HasPrefix(it.Address, s.o.WebhookBase) || strings.ContainsAny(it.Address[len(s.o.WebhookBase):], "?#") {
			res.Err, res.Permanent = fmt.Errorf("slack: %s is not an incoming webhook URL (want %s…)", Redact(it.Address), s.o.WebhookBase), true
			return res
		}
		err = s.webhook(ctx, it.Address, msg)
	case s.o.Token == "":
		res.Err, res.Permanent = errors.New("slack: the address is not a webhook URL, and no bot token is configured for channel ids"), true
		return res
	case !channelID.MatchString(it.Address):
		res.Err, res.Permanent = fmt.Errorf("slack: channel %q: want a channel id such as C0123456789", it.Address), true
		return res
	default:
		msg.Channel = it.Address
		res.ProviderID, err = s.postMessage(ctx, msg)
	}
	if err != nil {
		res.Err = err
		var e *Error
		if errors.As(err, &e) {
			res.Permanent, res.RetryAfter = e.permanent(), e.retryAfter
		}
	}
	return res
}

// Message is the JSON Slack takes from webhooks and chat.postMessage.
type Message struct {
	Channel string  `json:"channel,omitempty"`
	Text    string  `json:"text"`
	Blocks  []Block `json:"blocks"`
}

// Block is a Block Kit layout block: header, section or context.
type Block struct {
	Type     string  `json:"type"`
	Text     *Text   `json:"text,omitempty"`
	Elements []*Text `json:"elements,omitempty"`
}

// Text is a Block Kit text object.
type Text struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// Render builds the message: the subject as a header block (bold, plain
// text), the text as mrkdwn sections of at most 3000 characters with &, <
// and > escaped so that Slack shows them rather than parsing links and
// mentions, and a fallback text for notifications.
func Render(it deliver.Item) (Message, error) {
	subject := strings.Join(strings.Fields(it.Subject), " ")
	text := strings.TrimSpace(it.Text)
	if subject == "" && text == "" {
		return Message{}, errors.New("slack: the message is empty")
	}
	var m Message
	if subject != "" {
		m.Blocks = append(m.Blocks, Block{Type: "header", Text: &Text{Type: "plain_text", Text: truncate(subject, maxHeader), Emoji: true}})
	}
	if text != "" {
		parts := split(Escape(text), maxSection)
		if len(parts) > maxSections {
			return Message{}, fmt.Errorf("slack: the message needs %d sections of %d characters, more than %d", len(parts), maxSection, maxSections)
		}
		for _, p := range parts {
			m.Blocks = append(m.Blocks, Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: p}})
		}
	}
	if it.Drill {
		m.Blocks = append(m.Blocks, Block{Type: "context", Elements: []*Text{{Type: "mrkdwn", Text: ":test_tube: DRILL"}}})
	}
	switch {
	case subject != "" && text != "":
		m.Text = "*" + Escape(subject) + "*\n" + Escape(text)
	case subject != "":
		m.Text = Escape(subject)
	default:
		m.Text = Escape(text)
	}
	return m, nil
}

// Escape replaces Slack's control characters &, < and > with their HTML
// entities, as Slack requires for text that is not markup.
func Escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// split cuts s into pieces of at most n characters, at a line break or a
// space when there is one, and never inside an entity such as &amp;.
func split(s string, n int) []string {
	var out []string
	for utf8.RuneCountInString(s) > n {
		cut := len(string([]rune(s)[:n]))
		if i := strings.LastIndexAny(s[:cut], "\n "); i > cut/2 {
			cut = i
		} else if i := strings.LastIndexByte(s[:cut], '&'); i > cut-5 {
			cut = i
		}
		out = append(out, strings.TrimRight(s[:cut], " \n"))
		s = strings.TrimLeft(s[cut:], " \n")
	}
	return append(out, s)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// Redact shows a webhook URL without its secret: the scheme and host only.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<webhook URL>"
	}
	return u.Scheme + "://" + u.Host + "/…"
}
