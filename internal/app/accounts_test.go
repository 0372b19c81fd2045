package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/mastodon/mastodontest"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/social/publish"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/vault"
)

// An account whose token the platform refuses is reconnected from the
// console: the next post goes out with the new token, which is sealed in
// the vault and used again after a restart.
func TestReconnectAnExpiredAccount(t *testing.T) {
	db := storetest.OpenSQLite(t, true)
	p := cafeExpress(t)
	for _, ch := range []string{"x", "bluesky", "facebook", "instagram", "linkedin"} {
		delete(p.Channels, ch)
	}
	masto := mastodontest.Start(t, "new-token")
	withSetting(p, "mastodon", "instance", masto.URL())
	env := map[string]string{"MASTODON_ACCESS_TOKEN": "expired-token"}
	sealed, _ := vault.New(db, []byte(strings.Repeat("k", 32)), nil)
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
	deps := socialDeps{vault: sealed, threads: publish.NewThreads(db, nil), incidents: svc, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	getenv := func(k string) string { return env[k] }
	senders := socialSenders(context.Background(), p, getenv, deps)
	manage := &socialAccounts{db: db, deps: deps, plan: func() *plan.Plan { return p }, getenv: getenv, channels: channelsOf(senders)}
	now := time.Now()
	e := deliver.New(db, senders, deliver.Options{DefaultLang: "fr", BaseBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond, Now: func() time.Time { return now }})
	ctx := context.Background()
	marie := incident.Actor{Username: "marie", Person: "marie", Role: "commander"}
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
	if _, err := svc.Approve(ctx, incident.Actor{Username: "karim", Person: "karim", Role: "communication"}, m.ID, m.Revision, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Publish(ctx, marie, m.ID); err != nil {
		t.Fatal(err)
	}
	drain := func() {
		for range 50 {
			_, expanded, _ := e.ExpandOnce(ctx)
			worked, _ := e.SendOnce(ctx)
			if !expanded && !worked {
				return
			}
		}
	}
	drain()
	acc := manage.Accounts(ctx)
	if len(acc) != 1 || acc[0].Platform != "mastodon" || acc[0].LastError == "" || len(masto.Statuses()) != 0 {
		t.Fatalf("after the refused token: %+v, %d statuses", acc, len(masto.Statuses()))
	}
	if err := manage.Reconnect(ctx, incident.Actor{Username: "guest", Role: "viewer"}, "mastodon", map[string]string{"access_token": "new-token"}); incident.CodeOf(err) != incident.CodeForbidden {
		t.Fatalf("a viewer reconnected an account: %v", err)
	}
	if err := manage.Reconnect(ctx, marie, "mastodon", map[string]string{}); incident.CodeOf(err) != incident.CodeInvalid {
		t.Fatalf("reconnect without a token: %v", err)
	}
	if err := manage.Reconnect(ctx, marie, "mastodon", map[string]string{"access_token": "new-token"}); err != nil {
		t.Fatal(err)
	}
	// The refused post waits 5 minutes for a reconnection, then goes out
	// with the new token.
	now = now.Add(6 * time.Minute)
	drain()
	if st := masto.Statuses(); len(st) != 1 || !strings.Contains(st[0].Text, "WhatsApp") {
		t.Fatalf("after reconnecting: %+v", st)
	}
	// After a restart the sealed token is used, not the plan's.
	again := socialSenders(ctx, p, getenv, deps)
	r := again[0].Send(ctx, []deliver.Item{{Key: "k2", Address: "@cafeexpress", Lang: "fr", Text: "Test après redémarrage."}})
	if r[0].Err != nil {
		t.Fatalf("after a restart: %v", r[0].Err)
	}
}
