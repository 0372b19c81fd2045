package facebook

// These tests run against facebooktest, an httptest double that answers
// as the Graph API Pages endpoints document.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/facebook/facebooktest"
	"github.com/vigie-hq/vigie/internal/social"
)

const (
	token   = "EAAGm0PX4ZCpsBAPageTokenSecret123"
	page    = "104738291029384"
	version = "v25.0"
)

var now = time.Date(2026, 3, 14, 15, 40, 0, 0, time.UTC)

type testBundle struct {
	srv    *facebooktest.Server
	client *Client
}

func setup(t *testing.T, o Options) *testBundle {
	t.Helper()
	b := &testBundle{srv: facebooktest.Start(t, page, version, token)}
	o.BaseURL, o.Token, o.PageID, o.Timeout = b.srv.URL(), token, page, 2*time.Second
	o.Now = func() time.Time { return now }
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	b.client = c
	return b
}

func TestPublishText(t *testing.T) {
	b := setup(t, Options{Link: "https://status.cafe-express.fr"})
	got, err := b.client.Publish(context.Background(), social.Post{Text: "WhatsApp est en panne : commandez par SMS au 06 00 00 12 34", Lang: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	posts := b.srv.Posts()
	if len(posts) != 1 || got.ID != posts[0].ID || got.Platform != "facebook" || got.URL != "https://www.facebook.com/"+got.ID {
		t.Fatalf("posted %+v, posts %+v", got, posts)
	}
	if p := posts[0]; p.Message != "WhatsApp est en panne : commandez par SMS au 06 00 00 12 34" || p.Link != "https://status.cafe-express.fr" || p.Photo != nil {
		t.Errorf("post = %+v", p)
	}
}

func TestUpdatesAreNewPosts(t *testing.T) {
	b := setup(t, Options{})
	var th social.Thread
	for _, text := range []string{"Panne WhatsApp : commandez par SMS.", "Mise à jour : toujours en panne."} {
		p, err := b.client.Publish(context.Background(), social.Post{Text: text, ReplyTo: th.ReplyTo("inc-7", "facebook")})
		if err != nil {
			t.Fatal(err)
		}
		th.Record("inc-7", p)
	}
	if posts := b.srv.Posts(); len(posts) != 2 || posts[0].ID == posts[1].ID {
		t.Fatalf("posts = %+v", posts)
	}
}

func TestPublishPhoto(t *testing.T) {
	b := setup(t, Options{Link: "https://status.cafe-express.fr"})
	got, err := b.client.Publish(context.Background(), social.Post{Text: "État des services", Image: &social.Image{PNG: []byte("\x89PNG fake"), Alt: "Commandes WhatsApp : panne majeure"}})
	if err != nil {
		t.Fatal(err)
	}
	posts := b.srv.Posts()
	if len(posts) != 1 || posts[0].Photo == nil || got.ID != posts[0].ID {
		t.Fatalf("posted %+v, posts %+v", got, posts)
	}
	p := posts[0]
	if p.Message != "État des services" || p.Photo.ContentType != "image/png" || p.Photo.Size != 9 || p.Photo.Alt != "Commandes WhatsApp : panne majeure" || p.Photo.Published != "true" {
		t.Errorf("post = %+v, photo %+v", p, p.Photo)
	}
	if _, err := b.client.Publish(context.Background(), social.Post{Text: "x", Image: &social.Image{}}); social.ClassOf(err) != social.Permanent {
		t.Errorf("empty image: err = %v", err)
	}
}

func TestDelete(t *testing.T) {
	b := setup(t, Options{})
	p, err := b.client.Publish(context.Background(), social.Post{Text: "Message envoyé par erreur"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.client.Delete(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if posts := b.srv.Posts(); !posts[0].Deleted {
		t.Fatalf("post not deleted: %+v", posts)
	}
	if err := b.client.Delete(context.Background(), p); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	if err := b.client.Delete(context.Background(), social.Posted{ID: "../me"}); social.ClassOf(err) != social.Permanent {
		t.Fatalf("bad id: %v", err)
	}
}

func TestErrors(t *testing.T) {
	bucReset := now.Add(17 * time.Minute)
	pageReset := now.Add(42 * time.Minute)
	tests := []struct {
		name  string
		setup func(*facebooktest.Server)
		class social.Class
		code  string
		reset time.Time
	}{
		{"token expired", func(s *facebooktest.Server) { s.Expire() }, social.Auth, "190/463", time.Time{}},
		{"token invalid", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Code: 190, Subcode: 467, Message: "Invalid OAuth access token."})
		}, social.Auth, "190/467", time.Time{}},
		{"permission missing", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Status: 403, Code: 200, Message: "(#200) The user hasn't authorized the application to perform this action"})
		}, social.Auth, "200", time.Time{}},
		{"page rate limit with BUC header", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Code: 80001, Message: "There have been too many calls to this Page account.",
				Header: http.Header{"X-Business-Use-Case-Usage": {`{"104738291029384":[{"type":"pages","call_count":100,"total_cputime":12,"total_time":20,"estimated_time_to_regain_access":17}]}`}}})
		}, social.RateLimited, "80001", bucReset},
		{"page rate limit 32 with X-Page-Usage", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Code: 32, Message: "Page request limit reached",
				Header: http.Header{"X-Page-Usage": {`{"call_count":100,"total_cputime":5,"total_time":5,"estimated_time_to_regain_access":42}`}}})
		}, social.RateLimited, "32", pageReset},
		{"app rate limit without reset", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Code: 4, Message: "(#4) Application request limit reached"})
		}, social.RateLimited, "4", time.Time{}},
		{"user rate limit with Retry-After", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Code: 17, Message: "(#17) User request limit reached", Header: http.Header{"Retry-After": {"120"}}})
		}, social.RateLimited, "17", now.Add(2 * time.Minute)},
		{"613", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Code: 613, Message: "Calls to this api have exceeded the rate limit."})
		}, social.RateLimited, "613", time.Time{}},
		{"invalid parameter", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Code: 100, Message: "(#100) Invalid parameter"})
		}, social.Permanent, "100", time.Time{}},
		{"blocked", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Code: 368, Message: "It looks like you were misusing this feature by going too fast."})
		}, social.Permanent, "368", time.Time{}},
		{"unknown", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Status: 500, Code: 1, Message: "An unknown error has occurred."})
		}, social.Temporary, "1", time.Time{}},
		{"service", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Status: 503, Code: 2, Message: "Service temporarily unavailable"})
		}, social.Temporary, "2", time.Time{}},
		{"transient", func(s *facebooktest.Server) {
			s.FailNext(facebooktest.Failure{Code: 9007, Message: "Try again later", Transient: true})
		}, social.Temporary, "9007", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t, Options{})
			tt.setup(b.srv)
			_, err := b.client.Publish(context.Background(), social.Post{Text: "Panne"})
			e, ok := errors.AsType[*social.Error](err)
			if !ok {
				t.Fatalf("err = %v", err)
			}
			if e.Class != tt.class || e.Code != tt.code || !e.Reset.Equal(tt.reset) || e.Platform != "facebook" {
				t.Errorf("err = %+v, want class %v code %s reset %v", e, tt.class, tt.code, tt.reset)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(e.Safe(), token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

func TestDuplicate(t *testing.T) {
	b := setup(t, Options{})
	if _, err := b.client.Publish(context.Background(), social.Post{Text: "Panne"}); err != nil {
		t.Fatal(err)
	}
	_, err := b.client.Publish(context.Background(), social.Post{Text: "Panne"})
	if e, ok := errors.AsType[*social.Error](err); !ok || e.Class != social.Permanent || e.Code != "duplicate" {
		t.Fatalf("err = %v", err)
	}
}

func TestTokenEchoedIsRedacted(t *testing.T) {
	b := setup(t, Options{})
	b.srv.FailNext(facebooktest.Failure{Code: 190, Message: "Malformed access token " + token})
	_, err := b.client.Publish(context.Background(), social.Post{Text: "Panne"})
	if err == nil || strings.Contains(err.Error(), token) {
		t.Fatalf("err = %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	c, err := New(Options{PageID: page, Token: token, BaseURL: "http://127.0.0.1:1", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Publish(context.Background(), social.Post{Text: "Panne"})
	if e, ok := errors.AsType[*social.Error](err); !ok || e.Class != social.Temporary || strings.Contains(err.Error(), token) {
		t.Fatalf("err = %v", err)
	}
}

func TestNew(t *testing.T) {
	for _, o := range []Options{
		{PageID: page},
		{PageID: "my-page", Token: token},
		{PageID: page, Token: token, APIVersion: "25"},
		{PageID: page, Token: token, Link: "status page"},
		{PageID: page, Token: "two words"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}
