package instagram

// These tests run against instagramtest, an httptest double that answers
// as the Instagram content publishing API documents, and fetches the card
// from instagramtest's image host as Meta fetches it from the status page.

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/instagram/instagramtest"
	"github.com/vigie-hq/vigie/internal/social"
)

const (
	token   = "EAAGm0PX4ZCpsBAInstagramSecret456"
	igUser  = "17841405822304914"
	version = "v25.0"
)

var now = time.Date(2026, 3, 14, 15, 40, 0, 0, time.UTC)

type testBundle struct {
	srv    *instagramtest.Server
	host   *instagramtest.ImageHost
	client *Client
	sleeps int
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	b := &testBundle{srv: instagramtest.Start(t, igUser, version, token), host: instagramtest.StartImageHost(t)}
	c, err := New(Options{IGUserID: igUser, Token: token, Host: b.host, BaseURL: b.srv.URL(), Timeout: 2 * time.Second,
		Now:   func() time.Time { return now },
		Sleep: func(context.Context, time.Duration) error { b.sleeps++; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	b.client = c
	return b
}

// card is a small PNG with a transparent corner.
func card(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for x := range 40 {
		for y := range 20 {
			img.Set(x, y, color.NRGBA{R: 0x1F, G: 0x3A, B: 0x5F, A: 0xFF})
		}
	}
	img.Set(0, 0, color.NRGBA{})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func post(t *testing.T) social.Post {
	return social.Post{Text: "WhatsApp est en panne : commandez par SMS au 06 00 00 12 34 #WhatsAppDown",
		Image: &social.Image{PNG: card(t), Alt: "Commandes WhatsApp : panne majeure"}}
}

func TestPublish(t *testing.T) {
	for _, polls := range []int{0, 3} {
		b := setup(t)
		b.srv.Process(polls)
		got, err := b.client.Publish(context.Background(), post(t))
		if err != nil {
			t.Fatalf("polls %d: %v", polls, err)
		}
		media := b.srv.Media()
		if len(media) != 1 || got.ID != media[0].ID || got.Platform != "instagram" || got.URL != media[0].Permalink || got.URL == "" {
			t.Fatalf("polls %d: posted %+v, media %+v", polls, got, media)
		}
		m := media[0]
		if m.Caption != post(t).Text || m.Alt != "Commandes WhatsApp : panne majeure" || m.ImageSize == 0 || !strings.HasSuffix(m.ImageURL, ".jpg") {
			t.Errorf("polls %d: media %+v", polls, m)
		}
		if b.sleeps != polls {
			t.Errorf("polls %d: slept %d times", polls, b.sleeps)
		}
		reqs := b.srv.Requests()
		if len(reqs) < 4 || !strings.HasSuffix(reqs[0], "/content_publishing_limit") || !strings.HasSuffix(reqs[1], "/media") {
			t.Errorf("polls %d: requests %v: want the quota checked first", polls, reqs)
		}
	}
}

func TestNeedsImage(t *testing.T) {
	b := setup(t)
	_, err := b.client.Publish(context.Background(), social.Post{Text: "Panne WhatsApp"})
	if e, ok := errors.AsType[*social.Error](err); !ok || e.Class != social.Permanent || e.Message != "Instagram needs an image" {
		t.Fatalf("err = %v", err)
	}
	if len(b.srv.Requests()) != 0 {
		t.Errorf("requests sent: %v", b.srv.Requests())
	}
	_, err = b.client.Publish(context.Background(), social.Post{Text: "x", Image: &social.Image{PNG: []byte("not a png")}})
	if social.ClassOf(err) != social.Permanent {
		t.Fatalf("unreadable png: %v", err)
	}
}

func TestQuotaExhausted(t *testing.T) {
	b := setup(t)
	b.srv.SetQuota(100, 100)
	_, err := b.client.Publish(context.Background(), post(t))
	e, ok := errors.AsType[*social.Error](err)
	if !ok || e.Class != social.RateLimited || !e.Reset.Equal(now.Add(time.Hour)) || e.Code != "quota" {
		t.Fatalf("err = %v", err)
	}
	if len(b.srv.Containers()) != 0 {
		t.Errorf("a container was created despite the quota")
	}
	// The quota check counts posts made since: the next one is refused.
	b = setup(t)
	b.srv.SetQuota(99, 100)
	if _, err := b.client.Publish(context.Background(), post(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.Publish(context.Background(), post(t)); social.ClassOf(err) != social.RateLimited {
		t.Fatalf("second post over quota: %v", err)
	}
}

func TestContainerError(t *testing.T) {
	tests := []struct {
		status string
		class  social.Class
	}{
		{"Error: 2207009 The aspect ratio is not supported.", social.Permanent},
		{"Error: 2207003 It takes too long to download the media.", social.Temporary},
	}
	for _, tt := range tests {
		b := setup(t)
		b.srv.FailProcessing(tt.status)
		_, err := b.client.Publish(context.Background(), post(t))
		e, ok := errors.AsType[*social.Error](err)
		if !ok || e.Class != tt.class || e.Code != "ERROR" || !strings.Contains(e.Message, tt.status) {
			t.Errorf("%s: err = %v", tt.status, err)
		}
		if len(b.srv.Media()) != 0 {
			t.Errorf("%s: published anyway", tt.status)
		}
	}
}

func TestContainerStillInProgress(t *testing.T) {
	b := setup(t)
	b.srv.Process(100)
	_, err := b.client.Publish(context.Background(), post(t))
	if social.ClassOf(err) != social.Temporary || len(b.srv.Media()) != 0 || b.sleeps != defaultMaxPolls-1 {
		t.Fatalf("err %v, %d media, %d sleeps", err, len(b.srv.Media()), b.sleeps)
	}
	if c := b.srv.Containers(); len(c) != 1 || c[0].Polls != defaultMaxPolls {
		t.Fatalf("containers %+v", c)
	}
}

func TestImageHostFails(t *testing.T) {
	b := setup(t)
	b.host.Fail(errors.New("status page storage is full"))
	_, err := b.client.Publish(context.Background(), post(t))
	if e, ok := errors.AsType[*social.Error](err); !ok || e.Class != social.Temporary || e.Op != "host image" {
		t.Fatalf("err = %v", err)
	}
}

func TestDeleteUnsupported(t *testing.T) {
	b := setup(t)
	err := b.client.Delete(context.Background(), social.Posted{Platform: "instagram", ID: "17900000000000001"})
	e, ok := errors.AsType[*social.Error](err)
	if !ok || e.Class != social.Permanent || !strings.Contains(e.Message, "does not let apps delete") {
		t.Fatalf("err = %v", err)
	}
	if len(b.srv.Requests()) != 0 {
		t.Errorf("requests sent: %v", b.srv.Requests())
	}
}

func TestErrors(t *testing.T) {
	bucReset := now.Add(30 * time.Minute)
	tests := []struct {
		name  string
		setup func(*instagramtest.Server)
		class social.Class
		code  string
		reset time.Time
	}{
		{"token expired", func(s *instagramtest.Server) { s.Expire() }, social.Auth, "190/463", time.Time{}},
		{"permission missing", func(s *instagramtest.Server) {
			s.FailNext(instagramtest.Failure{Status: 403, Code: 10, Message: "(#10) Application does not have permission for this action"})
		}, social.Auth, "10", time.Time{}},
		{"rate limited with BUC header", func(s *instagramtest.Server) {
			s.FailNext(instagramtest.Failure{Code: 4, Message: "(#4) Application request limit reached",
				Header: http.Header{"X-Business-Use-Case-Usage": {`{"17841405822304914":[{"type":"instagram","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":30}]}`}}})
		}, social.RateLimited, "4", bucReset},
		{"publishing limit at media_publish", func(s *instagramtest.Server) {
			// Spent between the check and the publish (another app).
			s.FailOn("/media_publish", instagramtest.Failure{Code: 9, Subcode: 2207042,
				Message: "You reached maximum number of posts that is allowed to be published by Content Publishing API."})
		}, social.RateLimited, "9/2207042", time.Time{}},
		{"spam restriction", func(s *instagramtest.Server) {
			s.FailOn("/media_publish", instagramtest.Failure{Code: 4, Subcode: 2207051,
				Message: "We restrict certain activity to protect our community."})
		}, social.Permanent, "4/2207051", time.Time{}},
		{"media download timeout", func(s *instagramtest.Server) {
			s.FailOn("/media", instagramtest.Failure{Code: -2, Subcode: 2207003, Message: "It takes too long to download the media."})
		}, social.Temporary, "-2/2207003", time.Time{}},
		{"image too large", func(s *instagramtest.Server) {
			s.FailOn("/media", instagramtest.Failure{Code: 36000, Subcode: 2207004, Message: "The image size is too large."})
		}, social.Permanent, "36000/2207004", time.Time{}},
		{"server error", func(s *instagramtest.Server) {
			s.FailNext(instagramtest.Failure{Status: 500, Code: 2, Message: "Service temporarily unavailable"})
		}, social.Temporary, "2", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t)
			tt.setup(b.srv)
			_, err := b.client.Publish(context.Background(), post(t))
			e, ok := errors.AsType[*social.Error](err)
			if !ok {
				t.Fatalf("err = %v", err)
			}
			if e.Class != tt.class || e.Code != tt.code || !e.Reset.Equal(tt.reset) || e.Platform != "instagram" {
				t.Errorf("err = %+v, want class %v code %s reset %v", e, tt.class, tt.code, tt.reset)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

func TestNew(t *testing.T) {
	host := instagramtest.StartImageHost(t)
	for _, o := range []Options{
		{IGUserID: igUser, Host: host},
		{IGUserID: "@cafe_express", Token: token, Host: host},
		{IGUserID: igUser, Token: token},
		{IGUserID: igUser, Token: token, Host: host, APIVersion: "latest"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}
