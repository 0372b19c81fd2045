package x

// These tests run against xtest, an httptest double that answers as the
// X API v2 documents (https://docs.x.com/x-api/).

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/x/xtest"
	"github.com/vigie-hq/vigie/internal/social"
)

var (
	now = time.Date(2026, 3, 14, 15, 40, 50, 0, time.UTC)
	cfg = xtest.Config{ClientID: "rG9n6402A3dbUJKzXTNX4oWHJ", ClientSecret: "s3cr3t-client-secret", AccessToken: "initial-access-token-xyz", RefreshToken: "initial-refresh-token-xyz"}
)

type testBundle struct {
	srv    *xtest.Server
	client *Client
	saved  []Token
	logs   *bytes.Buffer
}

func setup(t *testing.T, c xtest.Config) *testBundle {
	t.Helper()
	b := &testBundle{srv: xtest.Start(t, c), logs: &bytes.Buffer{}}
	cl, err := New(Options{
		BaseURL: b.srv.URL(), ClientID: c.ClientID, ClientSecret: c.ClientSecret, Username: "CafeExpressLyon",
		Token:   Token{AccessToken: c.AccessToken, RefreshToken: c.RefreshToken},
		OnToken: func(_ context.Context, t Token) error { b.saved = append(b.saved, t); return nil },
		Timeout: 2 * time.Second, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(b.logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	b.client = cl
	return b
}

func TestPublish(t *testing.T) {
	b := setup(t, cfg)
	got, err := b.client.Publish(context.Background(), social.Post{Text: "WhatsApp est en panne : commandez par SMS au 06 00 00 12 34 #WhatsAppDown"})
	if err != nil {
		t.Fatal(err)
	}
	posts := b.srv.Posts()
	if len(posts) != 1 || got.ID != posts[0].ID || got.URL != "https://x.com/CafeExpressLyon/status/"+got.ID || got.Platform != "x" {
		t.Fatalf("posted %+v, posts %+v", got, posts)
	}
}

func TestThreadOfUpdates(t *testing.T) {
	b := setup(t, cfg)
	var th social.Thread
	for _, text := range []string{"Panne WhatsApp.", "Mise à jour : toujours en panne.", "Résolu."} {
		p, err := b.client.Publish(context.Background(), social.Post{Text: text, ReplyTo: th.ReplyTo("inc-7", "x")})
		if err != nil {
			t.Fatal(err)
		}
		th.Record("inc-7", p)
	}
	posts := b.srv.Posts()
	if len(posts) != 3 || posts[0].InReplyTo != "" || posts[1].InReplyTo != posts[0].ID || posts[2].InReplyTo != posts[1].ID {
		t.Fatalf("posts do not form a chain: %+v", posts)
	}
}

func TestImage(t *testing.T) {
	b := setup(t, cfg)
	long := strings.Repeat("é", 1200)
	for _, alt := range []string{"Commandes WhatsApp : panne majeure", long} {
		_, err := b.client.Publish(context.Background(), social.Post{Text: "État " + alt[:4], Image: &social.Image{PNG: []byte("\x89PNG fake"), Alt: alt}})
		if err != nil {
			t.Fatal(err)
		}
	}
	posts := b.srv.Posts()
	if len(posts) != 2 || len(posts[0].MediaIDs) != 1 {
		t.Fatalf("posts = %+v", posts)
	}
	m, _ := b.srv.Media(posts[0].MediaIDs[0])
	if m.AltText != "Commandes WhatsApp : panne majeure" || m.Category != "tweet_image" || m.Type != "image/png" {
		t.Errorf("media = %+v", m)
	}
	if m, _ := b.srv.Media(posts[1].MediaIDs[0]); len([]rune(m.AltText)) != maxAltText || !strings.HasSuffix(m.AltText, "…") {
		t.Errorf("long alt text not shortened to %d: %d", maxAltText, len([]rune(m.AltText)))
	}
}

func TestDelete(t *testing.T) {
	b := setup(t, cfg)
	p, err := b.client.Publish(context.Background(), social.Post{Text: "Message envoyé par erreur"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := b.client.Delete(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	if posts := b.srv.Posts(); !posts[0].Deleted {
		t.Fatalf("not deleted: %+v", posts)
	}
}

func TestRefreshOn401(t *testing.T) {
	for _, c := range []xtest.Config{cfg, {ClientID: cfg.ClientID, AccessToken: cfg.AccessToken, RefreshToken: cfg.RefreshToken}} {
		b := setup(t, c)
		b.srv.ExpireAccess()
		if _, err := b.client.Publish(context.Background(), social.Post{Text: "Panne WhatsApp"}); err != nil {
			t.Fatalf("secret %q: %v", c.ClientSecret, err)
		}
		access, refresh := b.srv.Tokens()
		if b.srv.Refreshes() != 1 || len(b.srv.Posts()) != 1 || len(b.saved) != 1 {
			t.Fatalf("refreshes %d, posts %d, saved %d", b.srv.Refreshes(), len(b.srv.Posts()), len(b.saved))
		}
		if s := b.saved[0]; s.AccessToken != access || s.RefreshToken != refresh || !s.ExpiresAt.Equal(now.Add(2*time.Hour)) {
			t.Errorf("saved %+v, server has %s / %s", s, access, refresh)
		}
		// The next post uses the new token without refreshing again.
		if _, err := b.client.Publish(context.Background(), social.Post{Text: "Mise à jour"}); err != nil || b.srv.Refreshes() != 1 {
			t.Fatalf("err %v, refreshes %d", err, b.srv.Refreshes())
		}
		if strings.Contains(b.logs.String(), access) || strings.Contains(b.logs.String(), refresh) {
			t.Errorf("logs show a token: %s", b.logs)
		}
	}
}

func TestRefreshRefused(t *testing.T) {
	b := setup(t, cfg)
	b.srv.ExpireAccess()
	b.srv.RevokeRefresh()
	_, err := b.client.Publish(context.Background(), social.Post{Text: "Panne WhatsApp"})
	e, ok := errors.AsType[*social.Error](err)
	if !ok || e.Class != social.Auth || e.Op != "refresh token" || len(b.saved) != 0 {
		t.Fatalf("err = %v", err)
	}
	if e.Safe() != "the X token expired: reconnect the account in the console" {
		t.Errorf("Safe() = %q", e.Safe())
	}
	if strings.Contains(err.Error(), cfg.RefreshToken) || strings.Contains(err.Error(), cfg.ClientSecret) {
		t.Errorf("the error shows a secret: %v", err)
	}
}

func TestErrors(t *testing.T) {
	reset := now.Add(12 * time.Minute)
	tests := []struct {
		name    string
		fail    xtest.Failure
		class   social.Class
		status  int
		reset   time.Time
		code    string
		message string
	}{
		{name: "rate limited", fail: xtest.Failure{Status: 429, Reset: reset}, class: social.RateLimited, status: 429, reset: reset},
		{name: "invalid", fail: xtest.Failure{Status: 400, Detail: "Tweet text is too long."}, class: social.Permanent, status: 400, code: "invalid-request", message: "Tweet text is too long."},
		{name: "forbidden", fail: xtest.Failure{Status: 403, Detail: "You are not permitted to perform this action."}, class: social.Permanent, status: 403},
		{name: "server error", fail: xtest.Failure{Status: 503}, class: social.Temporary, status: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t, cfg)
			b.srv.FailNext(tt.fail)
			_, err := b.client.Publish(context.Background(), social.Post{Text: "Panne"})
			e, ok := errors.AsType[*social.Error](err)
			if !ok {
				t.Fatalf("err = %v", err)
			}
			if e.Class != tt.class || e.Status != tt.status || !e.Reset.Equal(tt.reset) || (tt.code != "" && e.Code != tt.code) || (tt.message != "" && e.Message != tt.message) {
				t.Errorf("err = %+v", e)
			}
		})
	}
}

func TestDuplicateIsPermanent(t *testing.T) {
	b := setup(t, cfg)
	post := social.Post{Text: "Panne WhatsApp : commandez par SMS."}
	if _, err := b.client.Publish(context.Background(), post); err != nil {
		t.Fatal(err)
	}
	_, err := b.client.Publish(context.Background(), post)
	e, ok := errors.AsType[*social.Error](err)
	if !ok || e.Class != social.Permanent || e.Code != "duplicate" || e.Status != 403 {
		t.Fatalf("err = %v", err)
	}
}

func TestDailyCapReset(t *testing.T) {
	h := map[string][]string{
		"X-Rate-Limit-Reset":            {"1773503100"},
		"X-User-Limit-24hour-Remaining": {"0"},
		"X-User-Limit-24hour-Reset":     {"1773560000"},
		"X-App-Limit-24hour-Remaining":  {"4000"},
		"X-App-Limit-24hour-Reset":      {"1773590000"},
	}
	if got := rateLimitReset(h, now); got.Unix() != 1773560000 {
		t.Errorf("reset = %v, want the exhausted user cap's", got)
	}
	if got := rateLimitReset(map[string][]string{"X-Rate-Limit-Reset": {"9999999999"}}, now); !got.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("far reset not bounded: %v", got)
	}
	if got := rateLimitReset(map[string][]string{"Retry-After": {"30"}}, now); !got.Equal(now.Add(30 * time.Second)) {
		t.Errorf("Retry-After fallback: %v", got)
	}
}
