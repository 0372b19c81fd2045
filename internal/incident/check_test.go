package incident_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// An over-length text blocks approval and publication until it is edited.
func TestOverLengthBlocksApprovalAndPublication(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		p := cafePlan(t)
		check := func(channel, lang, text string) error {
			if channel == "x" && len([]rune(text)) > 120 {
				return fmt.Errorf("text is %d characters, the limit is 120: shorten it by %d", len([]rune(text)), len([]rune(text))-120)
			}
			return nil
		}
		svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{Now: func() time.Time { return time.Date(2026, 11, 25, 14, 40, 0, 0, time.UTC) }, CheckText: check})
		ctx := context.Background()
		res, err := svc.Declare(ctx, marie, incident.DeclareInput{Scenario: "whatsapp-outage"})
		if err != nil {
			t.Fatal(err)
		}
		var m incident.Message
		for _, d := range res.Drafts {
			if d.TemplateID == "wa-ack-social" {
				m = d
			}
		}
		if m.ID == 0 {
			t.Fatal("no social draft")
		}
		_, err = svc.Approve(ctx, karim, m.ID, m.Revision, "")
		if incident.CodeOf(err) != incident.CodeInvalid || !strings.Contains(err.Error(), "x (fr)") || !strings.Contains(err.Error(), "the limit is 120") {
			t.Fatalf("approving an over-length post: %v", err)
		}
		if _, err := svc.Publish(ctx, marie, m.ID); incident.CodeOf(err) != incident.CodeInvalid {
			t.Fatalf("publishing an over-length post: %v", err)
		}
		short := map[string]incident.Content{}
		for lang := range m.Content {
			short[lang] = incident.Content{Text: "WhatsApp est en panne : commandez par SMS au 06 00 00 12 34. #WhatsAppDown"}
		}
		if m, err = svc.Edit(ctx, karim, m.ID, m.Revision, short); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Approve(ctx, marie, m.ID, m.Revision, ""); err != nil {
			t.Fatalf("approving the shortened post: %v", err)
		}
		if _, err := svc.Publish(ctx, marie, m.ID); err != nil {
			t.Fatalf("publishing the shortened post: %v", err)
		}
	})
}
