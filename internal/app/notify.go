package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/vigie-hq/vigie/internal/channel/email"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
)

// teamNotifier pages the crisis team on the channels each person prefers
// (their plan `notify` list, e-mail by default), falling back to the next
// one when a channel fails or is not configured: staff channels are an SMS
// through the SMS channel, e-mail through the SMTP relay, a direct message
// in Slack (the person's member id) through the Slack channel. Every page is
// logged; drill pages are marked by the crisis room.
type teamNotifier struct {
	logger *slog.Logger
	mail   *email.Sender
	sms    deliver.Sender
	// chat holds the team chats (slack, teams) that reach a person directly.
	chat map[string]deliver.Sender
}

func (n *teamNotifier) NotifyTeam(ctx context.Context, msg incident.Notification) error {
	n.logger.Info("team notification", "incident", msg.IncidentID, "person", msg.Person.ID, "role", msg.Role, "subject", msg.Subject, "drill", msg.Drill)
	// The person's preferences, then e-mail as the last resort.
	order := append(append([]string(nil), msg.Person.Notify...), "email")
	var errs []error
	tried := map[string]bool{}
	for _, ch := range order {
		if tried[ch] {
			continue
		}
		tried[ch] = true
		addr := msg.Person.Contact[ch]
		if addr == "" {
			continue
		}
		var err error
		switch {
		case ch == "email" && n.mail != nil:
			err = n.mail.Send(ctx, email.Mail{To: addr, Subject: msg.Subject, Body: msg.Body})
		case ch == "sms" && n.sms != nil:
			res := n.sms.Send(ctx, []deliver.Item{{Key: fmt.Sprintf("page-%d-%s-%s", msg.IncidentID, msg.Role, msg.Person.ID), Address: addr, Text: msg.Subject}})
			if len(res) > 0 {
				err = res[0].Err
			}
		case n.chat[ch] != nil:
			res := n.chat[ch].Send(ctx, []deliver.Item{{Key: fmt.Sprintf("page-%d-%s-%s", msg.IncidentID, msg.Role, msg.Person.ID), Address: addr,
				Subject: msg.Subject, Text: msg.Body}})
			if len(res) > 0 {
				err = res[0].Err
			}
		default:
			continue // channel not configured for staff: try the next one
		}
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", ch, err))
	}
	if len(errs) == 0 {
		return fmt.Errorf("no configured staff channel reaches %s (wants %v)", msg.Person.ID, msg.Person.Notify)
	}
	return errors.Join(errs...)
}

// smtpMailer sends the status page's subscription confirmations.
type smtpMailer struct{ s *email.Sender }

func (m smtpMailer) SendMail(ctx context.Context, to, subject, body string, headers map[string]string) error {
	return m.s.Send(ctx, email.Mail{To: to, Subject: subject, Body: body, Headers: headers})
}

// smsTexter sends the status page's SMS subscription confirmations through
// the SMS channel.
type smsTexter struct{ s deliver.Sender }

func (t smsTexter) SendSMS(ctx context.Context, to, text string) error {
	res := t.s.Send(ctx, []deliver.Item{{Key: "subscribe-confirmation", Address: to, Text: text}})
	if len(res) == 0 {
		return errors.New("sms: no result")
	}
	return res[0].Err
}
