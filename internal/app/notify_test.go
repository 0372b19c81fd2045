package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/email/emailtest"
	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/incident"
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
