package publish_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/channel/mastodon"
	"github.com/vigie-hq/vigie/internal/channel/mastodon/mastodontest"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/social"
	"github.com/vigie-hq/vigie/internal/social/compose"
	"github.com/vigie-hq/vigie/internal/social/publish"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

var (
	marie = incident.Actor{Username: "marie", Person: "marie", Role: "commander"}
	karim = incident.Actor{Username: "karim", Person: "karim", Role: "communication"}
)

// publishTemplate drafts (or finds the declaration's draft of) template,
// has it approved and publishes it.
func publishTemplate(t *testing.T, svc *incident.Service, incID int64, template string) int64 {
	t.Helper()
	ctx := context.Background()
	msgs, err := svc.Messages(ctx, incID)
	if err != nil {
		t.Fatal(err)
	}
	var m incident.Message
	for _, x := range msgs {
		if x.TemplateID == template && x.State != incident.Published {
			m = x
		}
	}
	if m.ID == 0 {
		if m, err = svc.Draft(ctx, karim, incID, template); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Approve(ctx, marie, m.ID, m.Revision, ""); err != nil {
		if _, err := svc.Approve(ctx, karim, m.ID, m.Revision, ""); err != nil {
			t.Fatalf("approve %s: %v", template, err)
		}
	}
	if _, err := svc.Publish(ctx, marie, m.ID); err != nil {
		t.Fatalf("publish %s: %v", template, err)
	}
	return m.ID
}

func drain(t *testing.T, e *deliver.Engine) {
	t.Helper()
	ctx := context.Background()
	for range 1000 {
		_, expanded, err := e.ExpandOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		worked, err := e.SendOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !expanded && !worked {
			return
		}
	}
	t.Fatal("engine never went idle")
}

// TestUpdatesFormOneThread: the acknowledgement starts a Mastodon thread,
// the next update replies to it, every post carries the plan's hashtags
// once and lands on the incident's timeline.
func TestUpdatesFormOneThread(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
		if err != nil {
			t.Fatal(err)
		}
		svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
		fake := mastodontest.Start(t, "token-1")
		client, err := mastodon.New(mastodon.Options{BaseURL: fake.URL(), Token: "token-1", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		threads := publish.NewThreads(db, nil)
		var landed []social.Posted
		ch := publish.New(publish.Options{Publisher: client, Account: "@cafeexpress", Lang: "fr", Profile: compose.MastodonProfile(500),
			Hashtags: []string{"#WhatsAppDown", "#CafeExpress"}, Threads: threads, Idempotent: true,
			OnPosted: func(_ context.Context, inc, msg int64, posted social.Posted) { landed = append(landed, posted) }})
		e := deliver.New(db, []deliver.Sender{ch}, deliver.Options{DefaultLang: "fr", BaseBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond})

		res, err := svc.Declare(ctx, marie, incident.DeclareInput{Scenario: "whatsapp-outage"})
		if err != nil {
			t.Fatal(err)
		}
		inc := res.Incident.ID
		publishTemplate(t, svc, inc, "wa-ack-social")
		drain(t, e)
		publishTemplate(t, svc, inc, "wa-update-social")
		drain(t, e)

		st := fake.Statuses()
		if len(st) != 2 {
			t.Fatalf("%d statuses, want 2: %+v", len(st), st)
		}
		if st[0].InReplyToID != "" || st[1].InReplyToID != st[0].ID {
			t.Fatalf("not one thread: first replies to %q, second to %q (first is %s)", st[0].InReplyToID, st[1].InReplyToID, st[0].ID)
		}
		for _, s := range st {
			if strings.Count(s.Text, "#WhatsAppDown") != 1 || s.Language != "fr" || s.IdempotencyKey == "" {
				t.Errorf("status %+v", s)
			}
		}
		if len(landed) != 2 || landed[1].ID != st[1].ID {
			t.Fatalf("OnPosted saw %+v", landed)
		}
		posts, err := threads.List(ctx, inc)
		if err != nil || len(posts) != 2 || posts[1].Posted.ID != st[1].ID || posts[0].Account != "@cafeexpress" {
			t.Fatalf("stored posts %+v %v", posts, err)
		}
		// Deleting the last post makes the next update reply to the one before.
		if err := threads.MarkDeleted(ctx, posts[1].ID); err != nil {
			t.Fatal(err)
		}
		last, ok, err := threads.Last(ctx, inc, "mastodon")
		if err != nil || !ok || last.ID != st[0].ID {
			t.Fatalf("last after delete: %+v %v %v", last, ok, err)
		}
	})
}

func TestRateLimitAndAuthAreRetriedNotDropped(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fake := mastodontest.Start(t, "token-1")
		client, _ := mastodon.New(mastodon.Options{BaseURL: fake.URL(), Token: "token-1", Timeout: 5 * time.Second})
		ch := publish.New(publish.Options{Publisher: client, Account: "@cafeexpress", Lang: "fr", Profile: compose.MastodonProfile(500), Threads: publish.NewThreads(db, nil)})
		reset := time.Now().Add(3 * time.Minute)
		fake.FailNext(mastodontest.Failure{Status: 429, Reset: reset})
		res := ch.Send(ctx, []deliver.Item{{Key: "k1", Address: "@cafeexpress", Lang: "fr", Text: "WhatsApp est en panne.", IncidentID: 1, MessageID: 1}})
		if res[0].Err == nil || res[0].Permanent || res[0].RetryAfter < 2*time.Minute || res[0].RetryAfter > 3*time.Minute {
			t.Fatalf("429: %+v", res[0])
		}
		fake.FailNext(mastodontest.Failure{Status: 401})
		res = ch.Send(ctx, []deliver.Item{{Key: "k1", Address: "@cafeexpress", Lang: "fr", Text: "WhatsApp est en panne.", IncidentID: 1, MessageID: 1}})
		if res[0].Err == nil || res[0].Permanent || res[0].RetryAfter != 5*time.Minute {
			t.Fatalf("401: %+v", res[0])
		}
		long := strings.Repeat("Très long message. ", 40)
		res = ch.Send(ctx, []deliver.Item{{Key: "k2", Address: "@cafeexpress", Lang: "fr", Text: long, IncidentID: 1, MessageID: 2}})
		if res[0].Err == nil || !res[0].Permanent || !strings.Contains(res[0].Err.Error(), "limit is 500") {
			t.Fatalf("over-length: %+v", res[0])
		}
		if n := len(fake.Statuses()); n != 0 {
			t.Fatalf("%d statuses posted", n)
		}
	})
}
