package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/channel/email"
	"github.com/vigie-hq/vigie/internal/channel/email/emailtest"
	"github.com/vigie-hq/vigie/internal/channel/twilio"
	"github.com/vigie-hq/vigie/internal/channel/twilio/twiliotest"
	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// TestDeclarationPagesTheTeamByEmail declares the WhatsApp outage with an
// SMTP relay configured: every role holder with an e-mail address gets
// their role and checklist, and the drill marker when it is a drill.
func TestDeclarationPagesTheTeamByEmail(t *testing.T) {
	smtp := emailtest.Start(t)
	db := storetest.OpenSQLite(t, true)
	cfg := config.Defaults()
	cfg.SecretKey = strings.Repeat("k", 43)
	cfg.SMTPURL, cfg.SMTPFrom = smtp.URL(), "Vigie <vigie@cafe-express.fr>"
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Incidents().Declare(context.Background(), incident.Actor{Username: "marie", Person: "marie", Role: "commander"}, incident.DeclareInput{Scenario: "whatsapp-outage", Drill: true})
	if err != nil {
		t.Fatal(err)
	}
	msgs := smtp.Wait(len(res.Incident.Roles), 15*time.Second)
	if len(msgs) != len(res.Incident.Roles) {
		t.Fatalf("%d e-mails for %d roles", len(msgs), len(res.Incident.Roles))
	}
	var lea string
	for _, m := range msgs {
		if strings.Contains(strings.Join(m.To, ","), "lea") {
			lea = m.Data
		}
	}
	if !strings.Contains(lea, "technical") || !strings.Contains(lea, "\r\n- ") || !strings.Contains(lea, "EXERCICE") {
		t.Fatalf("Léa's page lacks her role, checklist or drill marker:\n%s", lea)
	}
	events, _ := a.Incidents().Timeline(context.Background(), res.Incident.ID, 0, 0)
	sent := 0
	for _, e := range events {
		if e.Kind == incident.EventTeamNotified && e.Payload["status"] == "sent" {
			sent++
		}
	}
	if sent != len(res.Incident.Roles) {
		t.Fatalf("%d team_notified events with status sent", sent)
	}
}

// TestPublishedMessageReachesSubscribers: a published e-mail message goes
// through the delivery engine to a confirmed subscriber over SMTP, with a
// working one-click unsubscribe link, and is counted in the reach.
func TestPublishedMessageReachesSubscribers(t *testing.T) {
	smtp := emailtest.Start(t)
	db := storetest.OpenSQLite(t, true)
	cfg := config.Defaults()
	cfg.SecretKey = strings.Repeat("k", 43)
	cfg.SMTPURL, cfg.SMTPFrom = smtp.URL(), "Café Express <alertes@cafe-express.fr>"
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	subs := audience.NewStore(db, nil)
	tok, err := subs.Subscribe(context.Background(), audience.SubscribeInput{Channel: "email", Address: "client@example.org", Lang: "fr", Source: "test", Wording: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := subs.Confirm(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go a.deliver.Run(ctx)
	marie := incident.Actor{Username: "marie", Person: "marie", Role: "commander"}
	res, err := a.Incidents().Declare(ctx, marie, incident.DeclareInput{Scenario: "whatsapp-outage"})
	if err != nil {
		t.Fatal(err)
	}
	var msg int64
	for _, d := range res.Drafts {
		if d.TemplateID == "wa-ack-email" {
			if _, err := a.Incidents().Publish(ctx, marie, d.ID); err != nil {
				t.Fatal(err)
			}
			msg = d.ID
		}
	}
	// The team pages (one per role) and the subscriber's notification.
	deadline := time.Now().Add(15 * time.Second)
	var got string
	for time.Now().Before(deadline) && got == "" {
		for _, m := range smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == "client@example.org" {
				got = m.Data
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(got, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") || !strings.Contains(got, "WhatsApp") {
		t.Fatalf("subscriber's e-mail:\n%s", got)
	}
	reach, err := a.deliver.Reach(ctx, msg)
	if err != nil || reach["email"]["sent"] != 1 {
		t.Fatalf("reach %v %v", reach, err)
	}
}

func TestTeamPagingFollowsPreferences(t *testing.T) {
	const sid, tok = "AC0123456789abcdef0123456789abcdef", "twilio-token"
	twl := twiliotest.Start(t, sid, tok)
	sms, err := twilio.New(twilio.Options{AccountSID: sid, AuthToken: tok, From: "+33600001234", BaseURL: twl.URL()})
	if err != nil {
		t.Fatal(err)
	}
	smtp := emailtest.Start(t)
	mail, _ := email.New(smtp.URL(), "vigie@cafe-express.fr")
	n := &teamNotifier{logger: slog.New(slog.DiscardHandler), mail: mail, sms: sms}
	marie := plan.Person{ID: "marie", Contact: map[string]string{"sms": "+33611111111", "email": "marie@cafe-express.fr"}, Notify: []string{"sms", "phone"}}
	if err := n.NotifyTeam(context.Background(), incident.Notification{Person: marie, Role: "commander", Subject: "Panne WhatsApp : commander"}); err != nil {
		t.Fatal(err)
	}
	if got := twl.Messages(); len(got) != 1 || got[0].To != "+33611111111" || len(smtp.Messages()) != 0 {
		t.Fatalf("Marie wants SMS first: texts %+v, mails %d", got, len(smtp.Messages()))
	}
	// SMS refused: falls back to e-mail.
	twl.Reject("+33611111111", 21211)
	if err := n.NotifyTeam(context.Background(), incident.Notification{Person: marie, Role: "commander", Subject: "again"}); err != nil {
		t.Fatal(err)
	}
	if len(smtp.Wait(1, 5*time.Second)) != 1 {
		t.Fatal("no e-mail fallback")
	}
	nobody := plan.Person{ID: "x", Contact: map[string]string{"slack": "@x"}, Notify: []string{"slack"}}
	if err := n.NotifyTeam(context.Background(), incident.Notification{Person: nobody}); err == nil || !strings.Contains(err.Error(), "no configured staff channel") {
		t.Fatalf("unreachable person: %v", err)
	}
}
