package app

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/vigie-hq/vigie/internal/channel/slack"
	"github.com/vigie-hq/vigie/internal/channel/teams"
	"github.com/vigie-hq/vigie/internal/channel/telegram"
	"github.com/vigie-hq/vigie/internal/channel/twilio"
	"github.com/vigie-hq/vigie/internal/channel/webhook"
	"github.com/vigie-hq/vigie/internal/channel/webpush"
	"github.com/vigie-hq/vigie/internal/channel/whatsapp"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/receipts"
)

// secret reads a credential from the environment or a file, as the plan
// names it (the plan never holds the value).
func secret(getenv func(string) string, ref plan.SecretRef) (string, error) {
	switch {
	case ref.Env != "":
		v := getenv(ref.Env)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is not set", ref.Env)
		}
		return v, nil
	case ref.File != "":
		b, err := os.ReadFile(ref.File)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", ref.File, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", fmt.Errorf("no env or file given")
}

func setting(c plan.Channel, key string) string {
	if v, ok := c.Settings[key]; ok {
		return fmt.Sprint(v)
	}
	return ""
}

// channelSenders builds the subscriber channels the plan enables (e-mail is
// built from the SMTP settings). This is the one place channels are
// registered: a new channel adds its package and one case here. A channel
// whose credentials are missing is skipped with a warning, so the others
// keep working.
func channelSenders(p *plan.Plan, getenv func(string) string, allowPrivate bool, publicURL string, logger *slog.Logger) []deliver.Sender {
	var out []deliver.Sender
	for _, name := range []string{"webhook", "telegram", "sms", "push", "email", "whatsapp", "slack", "teams"} {
		c, ok := p.Channels[name]
		if !ok || !c.Enabled {
			continue
		}
		cred := func(key string) (string, error) {
			ref, ok := c.Credentials[key]
			if !ok {
				return "", fmt.Errorf("credentials.%s is not declared in the plan", key)
			}
			return secret(getenv, ref)
		}
		s, err := buildSender(name, c, cred, allowPrivate, publicURL, logger)
		if err != nil {
			logger.Warn("channel disabled: "+err.Error(), "channel", name)
			continue
		}
		if s == nil {
			continue // configured elsewhere (e-mail over SMTP comes from smtp_url)
		}
		switch name {
		case "slack", "teams":
			s = staffAccount(name, c, s, cred, p.Organisation.DefaultLanguage)
		case "telegram":
			s = publicChannel(c, s, p.Organisation.DefaultLanguage)
		}
		out = append(out, s)
		if name == "sms" && c.Fallback == "vonage" && c.Provider != "vonage" {
			if v, err := vonageSender(c, cred); err != nil {
				logger.Warn("fallback provider disabled: "+err.Error(), "channel", name, "provider", "vonage")
			} else {
				out = append(out, v)
			}
		}
	}
	return out
}

func buildSender(name string, c plan.Channel, cred func(string) (string, error), allowPrivate bool, publicURL string, logger *slog.Logger) (deliver.Sender, error) {
	switch name {
	case "webhook":
		sec, err := cred("signing_secret")
		if err != nil {
			return nil, err
		}
		return webhook.New(webhook.Options{Secret: []byte(sec), AllowPrivate: allowPrivate || setting(c, "allow_private") == "true"})
	case "telegram":
		tok, err := cred("bot_token")
		if err != nil {
			return nil, err
		}
		return telegram.New(telegram.Options{Token: tok, BaseURL: setting(c, "base_url"), Logger: logger})
	case "sms":
		switch c.Provider {
		case "", "twilio":
		case "vonage":
			return vonageSender(c, cred)
		default:
			return nil, fmt.Errorf("provider %q is not supported yet (twilio and vonage are)", c.Provider)
		}
		sid, err := cred("twilio_account_sid")
		if err != nil {
			return nil, err
		}
		tok, err := cred("twilio_auth_token")
		if err != nil {
			return nil, err
		}
		callback := setting(c, "status_callback")
		if callback == "" {
			callback = strings.TrimRight(publicURL, "/") + receipts.TwilioStatusPath
		}
		return twilio.New(twilio.Options{AccountSID: sid, AuthToken: tok, From: setting(c, "from"), MessagingServiceSID: setting(c, "messaging_service_sid"),
			BaseURL: setting(c, "base_url"), StatusCallback: callback})
	case "push":
		key, err := cred("vapid_private_key")
		if err != nil {
			return nil, err
		}
		// Private targets (tests, development) may be local push services over http.
		return webpush.New(webpush.Options{PrivateKey: key, Subject: setting(c, "subject"), AllowPrivate: allowPrivate, AllowHTTP: allowPrivate})
	case "email":
		if c.Provider != "ses" {
			return nil, nil // SMTP: configured with smtp_url
		}
		return sesSender(c, cred, logger)
	case "whatsapp":
		tok, err := cred("access_token")
		if err != nil {
			return nil, err
		}
		var params []string // nil: the default, just the text
		switch v := strings.ReplaceAll(setting(c, "template_params"), " ", ""); v {
		case "":
		case "none":
			params = []string{}
		default:
			params = strings.Split(v, ",")
		}
		return whatsapp.New(whatsapp.Options{Token: tok, PhoneNumberID: setting(c, "phone_number_id"), APIVersion: setting(c, "api_version"),
			BaseURL: setting(c, "base_url"), Template: setting(c, "template"), TemplateLanguage: setting(c, "template_language"),
			TemplateParams: params, FreeForm: setting(c, "free_form") == "true"})
	case "slack":
		var tok string
		if _, ok := c.Credentials["bot_token"]; ok { // webhook addresses need no token
			var err error
			if tok, err = cred("bot_token"); err != nil {
				return nil, err
			}
		}
		return slack.New(slack.Options{Token: tok, APIBase: setting(c, "api_base")})
	case "teams":
		return teams.New(teams.Options{})
	}
	return nil, fmt.Errorf("unknown channel %s", name)
}

// twilioToken is the SMS channel's auth token, for verifying callbacks.
func twilioToken(p *plan.Plan, getenv func(string) string) string {
	c, ok := p.Channels["sms"]
	if !ok || !c.Enabled {
		return ""
	}
	ref, ok := c.Credentials["twilio_auth_token"]
	if !ok {
		return ""
	}
	tok, err := secret(getenv, ref)
	if err != nil {
		return ""
	}
	return tok
}
