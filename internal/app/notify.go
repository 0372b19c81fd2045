package app

import (
	"context"
	"errors"
	"log/slog"

	"github.com/vigie-hq/vigie/internal/channel/email"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
)

// teamNotifier pages the crisis team until the delivery engine exists: it
// logs every notification and e-mails it when an SMTP relay is configured
// and the person has an e-mail address. Drill notifications are marked.
type teamNotifier struct {
	logger *slog.Logger
	mail   *email.Sender
}

func (n *teamNotifier) NotifyTeam(ctx context.Context, msg incident.Notification) error {
	n.logger.Info("team notification", "incident", msg.IncidentID, "person", msg.Person.ID, "role", msg.Role, "subject", msg.Subject, "drill", msg.Drill)
	addr := msg.Person.Contact["email"]
	if n.mail == nil || addr == "" {
		return nil
	}
	return n.mail.Send(ctx, email.Mail{To: addr, Subject: msg.Subject, Body: msg.Body})
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
