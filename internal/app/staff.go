package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/vigie-hq/vigie/internal/channel/ses"
	"github.com/vigie-hq/vigie/internal/channel/vonage"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/plan"
)

// teamChat is an address-based sender posting to one fixed destination of
// the team (a Slack channel, a Teams workflow): an account channel for
// staff messages. The destination may be a secret URL, so the ledger keeps
// only its label and the URL is put back at send time.
type teamChat struct {
	deliver.Sender
	label, address, lang string
	// audiences default to staff.
	audiences []string
	// subscribers: the channel's own subscribers get direct messages too.
	subscribers bool
}

var _ deliver.SubscriberBroadcaster = teamChat{}

func (a teamChat) AlsoSubscribers() bool { return a.subscribers }

func (a teamChat) Account() string { return a.label }
func (a teamChat) Lang() string    { return a.lang }
func (a teamChat) Audiences() []string {
	if a.audiences == nil {
		return []string{"staff"}
	}
	return a.audiences
}

// publicChannel makes Telegram an account channel when the plan names the
// organisation's channel (settings.channel): each message is posted there
// once, for its followers, and sent as well to each chat that started the
// bot (the subscribers).
func publicChannel(c plan.Channel, s deliver.Sender, lang string) deliver.Sender {
	ch := setting(c, "channel")
	if ch == "" {
		return s
	}
	return teamChat{Sender: s, label: "telegram " + ch, address: ch, lang: lang, audiences: []string{"customers", "partners", "press"}, subscribers: true}
}

// Send addresses the account's post to the destination; the subscribers'
// items keep their own addresses.
func (a teamChat) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	for i := range items {
		if items[i].Address == a.label {
			items[i].Address = a.address
		}
	}
	return a.Sender.Send(ctx, items)
}

// staffAccount makes the team's chat an account channel: the Slack channel
// of settings.channel (with a bot token) or credentials.webhook_url; the
// Teams workflow of credentials.workflow_url.
func staffAccount(name string, c plan.Channel, s deliver.Sender, cred func(string) (string, error), lang string) deliver.Sender {
	a := teamChat{Sender: s, lang: lang, label: name}
	switch name {
	case "slack":
		if ch := setting(c, "channel"); ch != "" {
			a.address, a.label = ch, "slack "+ch
		} else if u, err := cred("webhook_url"); err == nil {
			a.address = u
		}
	case "teams":
		if u, err := cred("workflow_url"); err == nil {
			a.address = u
		}
	}
	if a.address == "" {
		a.Sender = disabled{Sender: s, why: fmt.Sprintf("%s: set settings.channel or credentials.webhook_url (Slack), credentials.workflow_url (Teams)", name)}
	}
	return a
}

// disabled fails every item with a permanent, explained error.
type disabled struct {
	deliver.Sender
	why string
}

func (d disabled) Send(_ context.Context, items []deliver.Item) []deliver.Result {
	out := make([]deliver.Result, len(items))
	for i, it := range items {
		out[i] = deliver.Result{Key: it.Key, Err: errors.New(d.why), Permanent: true}
	}
	return out
}

// vonageSender builds the Vonage SMS sender, primary or fallback.
func vonageSender(c plan.Channel, cred func(string) (string, error)) (deliver.Sender, error) {
	key, err := cred("vonage_api_key")
	if err != nil {
		return nil, err
	}
	sec, err := cred("vonage_api_secret")
	if err != nil {
		return nil, err
	}
	from := setting(c, "vonage_from")
	if from == "" {
		from = setting(c, "from")
	}
	return vonage.New(vonage.Options{APIKey: key, APISecret: sec, From: from, Callback: setting(c, "vonage_callback"), BaseURL: setting(c, "vonage_base_url")})
}

// sesSender builds the Amazon SES v2 bulk e-mail sender.
func sesSender(c plan.Channel, cred func(string) (string, error), logger *slog.Logger) (deliver.Sender, error) {
	id, err := cred("aws_access_key_id")
	if err != nil {
		return nil, err
	}
	key, err := cred("aws_secret_access_key")
	if err != nil {
		return nil, err
	}
	var token string
	if _, ok := c.Credentials["aws_session_token"]; ok {
		if token, err = cred("aws_session_token"); err != nil {
			return nil, err
		}
	}
	var replyTo []string
	for _, a := range strings.Split(setting(c, "reply_to"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			replyTo = append(replyTo, a)
		}
	}
	return ses.New(ses.Options{Region: setting(c, "region"), AccessKeyID: id, SecretAccessKey: key, SessionToken: token,
		From: setting(c, "from"), ReplyTo: replyTo, ConfigurationSet: setting(c, "configuration_set"),
		StoredTemplate: setting(c, "template"), BaseURL: setting(c, "base_url"), Logger: logger})
}
