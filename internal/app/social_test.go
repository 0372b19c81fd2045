package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/internal/channel/mastodon/mastodontest"
	"github.com/vigie-hq/vigie/internal/channel/x/xtest"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/social/publish"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/vault"
)

// TestSocialAccountsFromThePlan: the plan's Mastodon and X accounts become
// account channels that post with an image card, and X's refreshed token
// pair is kept sealed in the vault for the next start.
func TestSocialAccountsFromThePlan(t *testing.T) {
	db := storetest.OpenSQLite(t, true)
	p := cafeExpress(t)
	masto := mastodontest.Start(t, "masto-token")
	xs := xtest.Start(t, xtest.Config{ClientID: "cid", ClientSecret: "csecret", AccessToken: "old-access", RefreshToken: "old-refresh"})
	withSetting(p, "mastodon", "instance", masto.URL())
	withSetting(p, "x", "base_url", xs.URL())
	delete(p.Channels, "bluesky")
	env := map[string]string{"MASTODON_ACCESS_TOKEN": "masto-token", "X_CLIENT_ID": "cid", "X_CLIENT_SECRET": "csecret", "X_ACCESS_TOKEN": "old-access", "X_REFRESH_TOKEN": "old-refresh"}
	sealed, err := vault.New(db, []byte(strings.Repeat("k", 32)), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
	res, err := svc.Declare(context.Background(), incident.Actor{Username: "marie", Person: "marie", Role: "commander"}, incident.DeclareInput{Scenario: "whatsapp-outage"})
	if err != nil {
		t.Fatal(err)
	}
	threads := publish.NewThreads(db, nil)
	senders := socialSenders(context.Background(), p, func(k string) string { return env[k] },
		socialDeps{vault: sealed, threads: threads, incidents: svc, logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if len(senders) != 2 {
		t.Fatalf("%d social senders, want mastodon and x", len(senders))
	}
	xs.ExpireAccess() // the first post needs a refresh
	for _, s := range senders {
		b, ok := s.(deliver.Broadcaster)
		if !ok || b.Lang() != "fr" {
			t.Fatalf("%s is not a French account channel", s.Channel())
		}
		r := s.Send(context.Background(), []deliver.Item{{Key: "k-" + s.Channel(), Address: b.Account(), Lang: "fr", IncidentID: res.Incident.ID, MessageID: 1,
			Text: "WhatsApp est en panne : commandez par SMS au 06 00 00 12 34. #WhatsAppDown"}})
		if r[0].Err != nil {
			t.Fatalf("%s: %v", s.Channel(), r[0].Err)
		}
	}
	st := masto.Statuses()
	if len(st) != 1 || len(st[0].MediaIDs) != 1 || !strings.Contains(st[0].Text, "#CafeExpress") {
		t.Fatalf("mastodon: %+v", st)
	}
	if m, ok := masto.Media(st[0].MediaIDs[0]); !ok || !strings.Contains(m.Description, "Café Express") {
		t.Fatalf("image card alt text: %+v", m)
	}
	if posts := xs.Posts(); len(posts) != 1 || xs.Refreshes() != 1 {
		t.Fatalf("x: %d posts, %d refreshes", len(posts), xs.Refreshes())
	}
	raw, ok, err := sealed.Get(context.Background(), "x:@CafeExpressLyon")
	access, refresh := xs.Tokens()
	var kept struct{ AccessToken, RefreshToken string }
	if err != nil || !ok || json.Unmarshal(raw, &kept) != nil || kept.AccessToken != access || kept.RefreshToken != refresh || refresh == "old-refresh" {
		t.Fatalf("rotated X tokens not kept: %s %v %v", raw, ok, err)
	}
	events, _ := svc.Timeline(context.Background(), res.Incident.ID, 0, 200)
	found := 0
	for _, e := range events {
		if e.Payload["platform"] != nil {
			found++
		}
	}
	if found != 2 {
		t.Fatalf("%d social posts on the timeline, want 2", found)
	}
	// A live Q&A answer mirrored to the accounts replies in the thread.
	m := &qaMirror{}
	for _, s := range senders {
		m.channels = append(m.channels, s.(deliver.Broadcaster))
	}
	if err := m.Mirror(context.Background(), res.Incident.ID, "Q : Mes commandes WhatsApp sont-elles perdues ? R : Non, renvoyez-les par SMS."); err != nil {
		t.Fatal(err)
	}
	st = masto.Statuses()
	if len(st) != 2 || st[1].InReplyToID != st[0].ID || !strings.Contains(st[1].Text, "renvoyez-les par SMS") {
		t.Fatalf("mirrored answer: %+v", st)
	}

	// Taking the mirrored post down is a timeline action.
	posts := &socialPosts{threads: threads, incidents: svc, accounts: channelsOf(senders)}
	list, err := posts.List(context.Background(), res.Incident.ID)
	if err != nil || len(list) != 4 {
		t.Fatalf("posts: %d %v", len(list), err)
	}
	last := list[len(list)-1]
	if _, err := posts.Delete(context.Background(), incident.Actor{Username: "guest", Role: "viewer"}, last.ID); incident.CodeOf(err) != incident.CodeForbidden {
		t.Fatalf("a viewer deleted a post: %v", err)
	}
	if _, err := posts.Delete(context.Background(), incident.Actor{Username: "karim", Person: "karim", Role: "communication"}, last.ID); err != nil {
		t.Fatal(err)
	}
	deleted := false
	for _, x := range masto.Statuses() {
		if x.ID == last.Posted.ID && x.Deleted {
			deleted = true
		}
	}
	if last.Posted.Platform != "mastodon" || !deleted {
		t.Fatalf("post %+v not deleted on the platform", last)
	}
	events, _ = svc.Timeline(context.Background(), res.Incident.ID, 0, 200)
	if e := events[len(events)-1]; e.Payload["deleted_by"] != "karim" {
		t.Fatalf("last event %+v", e)
	}
}
