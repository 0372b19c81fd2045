package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/bluesky/blueskytest"
	"github.com/vigie-hq/vigie/internal/channel/facebook/facebooktest"
	"github.com/vigie-hq/vigie/internal/channel/instagram/instagramtest"
	"github.com/vigie-hq/vigie/internal/channel/linkedin/linkedintest"
	"github.com/vigie-hq/vigie/internal/channel/mastodon/mastodontest"
	"github.com/vigie-hq/vigie/internal/channel/telegram/telegramtest"
	"github.com/vigie-hq/vigie/internal/channel/x/xtest"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/social/publish"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/vault"
)

// TestCrisisRoomPostsOnEverySocialAccount publishes the Café Express
// WhatsApp outage's social messages from the crisis room (drafted,
// approved by another person, published) and checks each platform's test
// double: X, Mastodon and Bluesky get one thread per incident (the
// acknowledgement, the update, the resolution), Facebook and Instagram a
// post with the image card, LinkedIn the partners' update, the Telegram
// channel the acknowledgement and the resolution.
func TestCrisisRoomPostsOnEverySocialAccount(t *testing.T) {
	db := storetest.OpenSQLite(t, true)
	p := cafeExpress(t)
	xs := xtest.Start(t, xtest.Config{ClientID: "cid", ClientSecret: "cs", AccessToken: "x-access", RefreshToken: "x-refresh"})
	masto := mastodontest.Start(t, "masto-token")
	bsky := blueskytest.Start(t, "cafe-express.fr", "app-password")
	fb := facebooktest.Start(t, "104857600000001", "v25.0", "meta-token")
	ig := instagramtest.Start(t, "17841400000000001", "v25.0", "meta-token")
	li := linkedintest.Start(t, "104857601", "li-token")
	tg := telegramtest.Start(t, "123:tg-token")
	withSetting(p, "x", "base_url", xs.URL())
	withSetting(p, "mastodon", "instance", masto.URL())
	withSetting(p, "mastodon", "lang", "en") // one English account
	withSetting(p, "bluesky", "base_url", bsky.URL())
	withSetting(p, "facebook", "base_url", fb.URL())
	withSetting(p, "instagram", "base_url", ig.URL())
	withSetting(p, "linkedin", "base_url", li.URL())
	withSetting(p, "telegram", "base_url", tg.URL())
	env := map[string]string{"X_CLIENT_ID": "cid", "X_CLIENT_SECRET": "cs", "X_ACCESS_TOKEN": "x-access", "X_REFRESH_TOKEN": "x-refresh",
		"MASTODON_ACCESS_TOKEN": "masto-token", "BLUESKY_APP_PASSWORD": "app-password", "META_PAGE_TOKEN": "meta-token", "LINKEDIN_ACCESS_TOKEN": "li-token", "TELEGRAM_BOT_TOKEN": "123:tg-token"}

	// The status page's card host, which Instagram fetches pictures from.
	images := publish.NewImages(db, nil)
	cards := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/cards/"), ".jpg")
		b, err := images.Get(r.Context(), name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", http.DetectContentType(b))
		_, _ = w.Write(b)
	}))
	defer cards.Close()

	sealed, _ := vault.New(db, []byte(strings.Repeat("k", 32)), nil)
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	senders := socialSenders(context.Background(), p, func(k string) string { return env[k] },
		socialDeps{vault: sealed, threads: publish.NewThreads(db, nil), images: images, publicURL: cards.URL, incidents: svc, logger: logger})
	if len(senders) != 6 {
		t.Fatalf("%d social accounts, want 6", len(senders))
	}
	// The Telegram channel is registered with the other channels.
	for _, s := range channelSenders(p, func(k string) string { return env[k] }, false, cards.URL, logger) {
		if s.Channel() == "telegram" {
			senders = append(senders, s)
		}
	}
	e := deliver.New(db, senders, deliver.Options{DefaultLang: "fr", BaseBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond, Logger: logger})
	ctx := context.Background()
	marie := incident.Actor{Username: "marie", Person: "marie", Role: "commander"}
	karim := incident.Actor{Username: "karim", Person: "karim", Role: "communication"}
	res, err := svc.Declare(ctx, marie, incident.DeclareInput{Scenario: "whatsapp-outage"})
	if err != nil {
		t.Fatal(err)
	}
	for _, template := range []string{"wa-ack-social", "wa-update-social", "wa-update-partners", "wa-resolved-social", "wa-resolved-status"} {
		msgs, _ := svc.Messages(ctx, res.Incident.ID)
		var m incident.Message
		for _, x := range msgs {
			if x.TemplateID == template && x.State != incident.Published {
				m = x
			}
		}
		if m.ID == 0 {
			if m, err = svc.Draft(ctx, karim, res.Incident.ID, template); err != nil {
				t.Fatalf("draft %s: %v", template, err)
			}
		}
		if _, err := svc.Approve(ctx, marie, m.ID, m.Revision, ""); err != nil {
			t.Fatalf("approve %s: %v", template, err)
		}
		if _, err := svc.Publish(ctx, marie, m.ID); err != nil {
			t.Fatalf("publish %s: %v", template, err)
		}
		for range 100 {
			_, expanded, err := e.ExpandOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			worked, err := e.SendOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !expanded && !worked {
				break
			}
		}
	}

	// Threads on X, Mastodon, Bluesky.
	x := xs.Posts()
	if len(x) != 3 || x[0].InReplyTo != "" || x[1].InReplyTo != x[0].ID || x[2].InReplyTo != x[1].ID || len(x[0].MediaIDs) != 1 {
		t.Fatalf("X thread: %+v", x)
	}
	st := masto.Statuses()
	if len(st) != 3 || st[1].InReplyToID != st[0].ID || st[2].InReplyToID != st[1].ID || st[0].Language != "en" || !strings.Contains(st[0].Text, "WhatsApp is down") {
		t.Fatalf("Mastodon thread: %+v", st)
	}
	rec := bsky.Records()
	if len(rec) != 3 || rec[0].Root.URI != "" || rec[1].Root.URI != rec[0].URI || rec[2].Root.URI != rec[0].URI || rec[2].Parent.URI != rec[1].URI || len(rec[0].Images) != 1 {
		t.Fatalf("Bluesky thread: %+v", rec)
	}
	// Facebook and Instagram with the card; LinkedIn for partners.
	posts := fb.Posts()
	if len(posts) != 2 || posts[0].Photo == nil || posts[0].Photo.Alt == "" {
		t.Fatalf("Facebook: %+v", posts)
	}
	containers := ig.Containers()
	if len(containers) != 1 || len(containers[0].Image) == 0 || http.DetectContentType(containers[0].Image) != "image/jpeg" || !strings.HasPrefix(containers[0].ImageURL, cards.URL+"/cards/") {
		t.Fatalf("Instagram: %+v", containers)
	}
	if m := tg.Messages(); len(m) != 2 || m[0].ChatID != "@CafeExpressLyon" {
		t.Fatalf("Telegram channel: %+v", m)
	}
	lp := li.Posts()
	if len(lp) != 1 || lp[0].Image == "" || !strings.Contains(lp[0].Text, "WhatsApp") {
		t.Fatalf("LinkedIn: %+v", lp)
	}
	t.Logf("X (fr):\n%s\n\nMastodon (en):\n%s\n\nBluesky (fr, reply):\n%s\n\nLinkedIn (fr):\n%s", x[0].Text, st[0].Text, rec[1].Text, lp[0].Text)
}
