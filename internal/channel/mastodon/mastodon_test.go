package mastodon

// These tests run against mastodontest, an httptest double that answers
// as the Mastodon API documents (https://docs.joinmastodon.org/methods/).

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/mastodon/mastodontest"
	"github.com/vigie-hq/vigie/internal/social"
)

const token = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"

var now = time.Date(2026, 3, 14, 15, 40, 0, 0, time.UTC)

type testBundle struct {
	srv    *mastodontest.Server
	client *Client
	sleeps int
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	b := &testBundle{srv: mastodontest.Start(t, token)}
	c, err := New(Options{
		BaseURL: b.srv.URL(), Token: token, Timeout: 2 * time.Second,
		Now:   func() time.Time { return now },
		Sleep: func(context.Context, time.Duration) error { b.sleeps++; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	b.client = c
	return b
}

func TestPublish(t *testing.T) {
	b := setup(t)
	got, err := b.client.Publish(context.Background(), social.Post{Text: "WhatsApp est en panne : commandez par SMS au 06 00 00 12 34 #WhatsAppDown", Lang: "fr", IdempotencyKey: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	sts := b.srv.Statuses()
	if len(sts) != 1 || got.ID != sts[0].ID || got.Platform != "mastodon" || !strings.HasSuffix(got.URL, "/@vigie/"+got.ID) || got.URI == "" {
		t.Fatalf("posted %+v, statuses %+v", got, sts)
	}
	if st := sts[0]; st.Language != "fr" || st.Visibility != "public" || st.InReplyToID != "" || st.IdempotencyKey != "m1" {
		t.Errorf("status = %+v", st)
	}
}

func TestThreadOfUpdates(t *testing.T) {
	b := setup(t)
	var th social.Thread
	for i, text := range []string{"Panne WhatsApp : commandez par SMS.", "Mise à jour : toujours en panne.", "Résolu, merci de votre patience."} {
		p, err := b.client.Publish(context.Background(), social.Post{Text: text, ReplyTo: th.ReplyTo("inc-7", "mastodon"), IdempotencyKey: string(rune('a' + i))})
		if err != nil {
			t.Fatal(err)
		}
		th.Record("inc-7", p)
	}
	sts := b.srv.Statuses()
	if len(sts) != 3 || sts[0].InReplyToID != "" || sts[1].InReplyToID != sts[0].ID || sts[2].InReplyToID != sts[1].ID {
		t.Fatalf("statuses do not form a chain: %+v", sts)
	}
}

func TestIdempotencyKey(t *testing.T) {
	b := setup(t)
	post := social.Post{Text: "Panne WhatsApp", IdempotencyKey: "msg-42:mastodon"}
	first, err := b.client.Publish(context.Background(), post)
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.client.Publish(context.Background(), post)
	if err != nil {
		t.Fatal(err)
	}
	if first != second || len(b.srv.Statuses()) != 1 {
		t.Fatalf("same key twice: %+v then %+v, %d statuses", first, second, len(b.srv.Statuses()))
	}
	if _, err := b.client.Publish(context.Background(), social.Post{Text: "Panne WhatsApp", IdempotencyKey: "other"}); err != nil || len(b.srv.Statuses()) != 2 {
		t.Fatalf("another key: err %v, %d statuses", err, len(b.srv.Statuses()))
	}
}

func TestImage(t *testing.T) {
	for _, polls := range []int{0, 2} {
		b := setup(t)
		b.srv.ProcessMedia(polls)
		_, err := b.client.Publish(context.Background(), social.Post{Text: "État des services", Image: &social.Image{PNG: []byte("\x89PNG fake"), Alt: "Commandes WhatsApp : panne majeure"}})
		if err != nil {
			t.Fatalf("polls %d: %v", polls, err)
		}
		sts := b.srv.Statuses()
		if len(sts) != 1 || len(sts[0].MediaIDs) != 1 {
			t.Fatalf("polls %d: statuses %+v", polls, sts)
		}
		m, ok := b.srv.Media(sts[0].MediaIDs[0])
		if !ok || m.Description != "Commandes WhatsApp : panne majeure" || m.ContentType != "image/png" {
			t.Errorf("polls %d: media %+v", polls, m)
		}
		if b.sleeps != polls+min(polls, 1) {
			t.Errorf("polls %d: slept %d times", polls, b.sleeps)
		}
	}
}

func TestImageStillProcessing(t *testing.T) {
	b := setup(t)
	b.srv.ProcessMedia(50)
	_, err := b.client.Publish(context.Background(), social.Post{Text: "x", Image: &social.Image{PNG: []byte("png")}})
	if social.ClassOf(err) != social.Temporary || len(b.srv.Statuses()) != 0 || b.sleeps != defaultMaxPolls {
		t.Fatalf("err %v, %d statuses, %d sleeps", err, len(b.srv.Statuses()), b.sleeps)
	}
}

func TestDelete(t *testing.T) {
	b := setup(t)
	p, err := b.client.Publish(context.Background(), social.Post{Text: "Message envoyé par erreur"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.client.Delete(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if sts := b.srv.Statuses(); !sts[0].Deleted {
		t.Fatalf("status not deleted: %+v", sts)
	}
	if err := b.client.Delete(context.Background(), p); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
}

func TestErrors(t *testing.T) {
	reset := now.Add(3 * time.Minute)
	tests := []struct {
		name  string
		setup func(*mastodontest.Server)
		class social.Class
		reset time.Time
		code  int
	}{
		{"rate limited", func(s *mastodontest.Server) { s.FailNext(mastodontest.Failure{Status: 429, Reset: reset}) }, social.RateLimited, reset, 429},
		{"token revoked", func(s *mastodontest.Server) { s.Revoke() }, social.Auth, time.Time{}, 401},
		{"missing scope", func(s *mastodontest.Server) { s.FailNext(mastodontest.Failure{Status: 403}) }, social.Auth, time.Time{}, 403},
		{"validation", func(s *mastodontest.Server) { s.FailNext(mastodontest.Failure{Status: 422}) }, social.Permanent, time.Time{}, 422},
		{"server error", func(s *mastodontest.Server) { s.FailNext(mastodontest.Failure{Status: 500}) }, social.Temporary, time.Time{}, 500},
		{"bad gateway", func(s *mastodontest.Server) { s.FailNext(mastodontest.Failure{Status: 502}) }, social.Temporary, time.Time{}, 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t)
			tt.setup(b.srv)
			_, err := b.client.Publish(context.Background(), social.Post{Text: "Panne"})
			e, ok := errors.AsType[*social.Error](err)
			if !ok {
				t.Fatalf("err = %v", err)
			}
			if e.Class != tt.class || e.Status != tt.code || !e.Reset.Equal(tt.reset) {
				t.Errorf("err = %+v, want class %v status %d reset %v", e, tt.class, tt.code, tt.reset)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("the error shows the token: %v", err)
			}
			if tt.class == social.Auth && e.Safe() != "the Mastodon token expired: reconnect the account in the console" {
				t.Errorf("Safe() = %q", e.Safe())
			}
		})
	}
}

func TestReplyToDeletedStatus(t *testing.T) {
	b := setup(t)
	_, err := b.client.Publish(context.Background(), social.Post{Text: "suite", ReplyTo: &social.ReplyTo{ID: "404"}})
	if e, ok := errors.AsType[*social.Error](err); !ok || e.Class != social.Permanent || e.Message != "Record not found" {
		t.Fatalf("err = %v", err)
	}
}

func TestNew(t *testing.T) {
	for _, o := range []Options{
		{BaseURL: "https://mastodon.social"},
		{BaseURL: "mastodon.social", Token: token},
		{BaseURL: "https://mastodon.social", Token: token, Visibility: "everyone"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}
