package receipts_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/channel/twilio"
	"github.com/vigie-hq/vigie/internal/channel/twilio/twiliotest"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/receipts"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "twilio-test-auth-token"
)

// TestSMSReceiptsAndStop publishes the WhatsApp acknowledgement by SMS to
// two subscribers through Twilio's documented API (a local double), then
// Twilio reports one delivered and one undelivered, and a person replies
// STOP: the ledger and the audience follow, and forged callbacks are refused.
func TestSMSReceiptsAndStop(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t, true)
	p, _, _ := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
	subs := audience.NewStore(db, nil)
	if _, err := subs.Import(ctx, strings.NewReader("channel,address,lang\nsms,06 12 34 56 78,fr\nsms,06 98 76 54 32,fr\n"), audience.ImportOptions{Source: "t", Wording: "v", Langs: []string{"fr", "en"}}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	hooks := httptest.NewServer(mux)
	defer hooks.Close()
	twl := twiliotest.Start(t, sid, token)
	sender, err := twilio.New(twilio.Options{AccountSID: sid, AuthToken: token, From: "+33600001234", BaseURL: twl.URL(), StatusCallback: hooks.URL + receipts.TwilioStatusPath})
	if err != nil {
		t.Fatal(err)
	}
	engine := deliver.New(db, []deliver.Sender{sender}, deliver.Options{DefaultLang: "fr"})
	(&receipts.Server{Ledger: engine, Audience: subs, PublicURL: hooks.URL, TwilioAuthToken: token, Logger: slog.New(slog.DiscardHandler)}).Routes(mux)

	marie := incident.Actor{Username: "marie", Person: "marie", Role: "commander"}
	res, err := svc.Declare(ctx, marie, incident.DeclareInput{Scenario: "whatsapp-outage"})
	if err != nil {
		t.Fatal(err)
	}
	var msg int64
	for _, d := range res.Drafts {
		if d.TemplateID == "wa-ack-sms" {
			msg = d.ID
			if _, err := svc.Publish(ctx, marie, d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < 20; i++ {
		_, expanded, err := engine.ExpandOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		worked, err := engine.SendOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !expanded && !worked {
			break
		}
	}
	sent := twl.Messages()
	if len(sent) != 2 || !strings.Contains(sent[0].Body, "SMS") {
		t.Fatalf("Twilio received %+v", sent)
	}
	byTo := map[string]string{}
	for _, m := range sent {
		byTo[m.To] = m.SID
	}
	if err := twl.Callback(ctx, byTo["+33612345678"], "delivered", ""); err != nil {
		t.Fatal(err)
	}
	if err := twl.Callback(ctx, byTo["+33698765432"], "undelivered", "30003"); err != nil {
		t.Fatal(err)
	}
	reach, _ := engine.Reach(ctx, msg)
	if reach["sms"]["delivered"] != 1 || reach["sms"]["failed"] != 1 {
		t.Fatalf("reach after receipts: %v", reach)
	}
	// STOP opts the person out.
	if err := twl.Inbound(ctx, hooks.URL+receipts.TwilioInboundPath, "+33612345678", "+33600001234", "STOP"); err != nil {
		t.Fatal(err)
	}
	if n, _ := subs.CountConfirmed(ctx); n["sms"] != 1 {
		t.Fatalf("after STOP: %v confirmed", n)
	}
	// A forged callback (no valid signature) changes nothing.
	resp, err := http.PostForm(hooks.URL+receipts.TwilioInboundPath, map[string][]string{"From": {"+33698765432"}, "Body": {"STOP"}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged callback: %d", resp.StatusCode)
	}
	if n, _ := subs.CountConfirmed(ctx); n["sms"] != 1 {
		t.Fatal("a forged STOP unsubscribed someone")
	}
}
