package linkedin

// These tests run against linkedintest, an httptest double that answers
// as LinkedIn's Posts and Images APIs document and reads the commentary
// as little text, truncating it where LinkedIn would.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/linkedin/linkedintest"
	"github.com/vigie-hq/vigie/internal/social"
)

const (
	token = "AQXdSP_W41_UPs5ioT_t8HESyODB4FqbkJ8LrV_5mff4gPODzOYR"
	org   = "2414183"
)

var now = time.Date(2026, 3, 14, 15, 40, 0, 0, time.UTC)

type testBundle struct {
	srv    *linkedintest.Server
	client *Client
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	b := &testBundle{srv: linkedintest.Start(t, org, token)}
	c, err := New(Options{Organization: "urn:li:organization:" + org, Token: token, BaseURL: b.srv.URL(), Version: "202605",
		Timeout: 2 * time.Second, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	b.client = c
	return b
}

func TestPublishText(t *testing.T) {
	b := setup(t)
	text := "WhatsApp est en panne (depuis 14 h) : commandez par SMS au 06 00 00 12 34. Suivi : https://status.cafe-express.fr/?utm_source=linkedin #WhatsAppDown"
	got, err := b.client.Publish(context.Background(), social.Post{Text: text, Lang: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	posts := b.srv.Posts()
	if len(posts) != 1 || got.ID != posts[0].URN || got.Platform != "linkedin" || got.URL != "https://www.linkedin.com/feed/update/"+got.ID+"/" {
		t.Fatalf("posted %+v, posts %+v", got, posts)
	}
	p := posts[0]
	if p.Text != text {
		t.Errorf("LinkedIn shows %q, want the whole text %q (commentary %q)", p.Text, text, p.Commentary)
	}
	if !slices.Equal(p.Hashtags, []string{"WhatsAppDown"}) {
		t.Errorf("hashtags = %v", p.Hashtags)
	}
	if p.Image != "" || p.Body["visibility"] != "PUBLIC" || p.Body["lifecycleState"] != "PUBLISHED" || p.Body["isReshareDisabledByAuthor"] != false {
		t.Errorf("body = %v", p.Body)
	}
	if v := b.srv.Versions(); len(v) != 1 || v[0] != "202605" {
		t.Errorf("versions = %v", v)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Panne (majeure)", `Panne \(majeure\)`},
		{`a\b|c{d}e@f[g]h<i>j*k_l~m`, `a\\b\|c\{d\}e\@f\[g\]h\<i\>j\*k\_l\~m`},
		{"#WhatsAppDown et #2026", "#WhatsAppDown et #2026"},
		{"C# ou # seul ou a#b", `C\# ou \# seul ou a\#b`},
		{"#Panne_WhatsApp", `#Panne\_WhatsApp`},
		{"voir https://x.fr/a_b~c?utm_source=li (merci)", `voir https://x.fr/a_b~c?utm_source=li \(merci\)`},
		{"(https://x.fr/a_b)", `\(https://x.fr/a_b\)`},
		{"écrire à @support_fr", `écrire à \@support\_fr`},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if text, _ := linkedintest.Render(Escape(tt.in)); text != tt.in {
			t.Errorf("LinkedIn would show %q for %q", text, tt.in)
		}
	}
}

func TestPublishImage(t *testing.T) {
	b := setup(t)
	got, err := b.client.Publish(context.Background(), social.Post{Text: "État des services", Image: &social.Image{PNG: []byte("\x89PNG fake"), Alt: "Commandes WhatsApp : panne majeure"}})
	if err != nil {
		t.Fatal(err)
	}
	posts := b.srv.Posts()
	if len(posts) != 1 || posts[0].URN != got.ID || posts[0].Image == "" || posts[0].AltText != "Commandes WhatsApp : panne majeure" {
		t.Fatalf("posts = %+v", posts)
	}
	im, ok := b.srv.Image(posts[0].Image)
	if !ok || im.Size != 9 || !im.Authorized {
		t.Errorf("image = %+v", im)
	}
}

func TestTokenStaysWithLinkedIn(t *testing.T) {
	c, err := New(Options{Organization: org, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{"api.linkedin.com": true, "www.linkedin.com": true, "linkedin.com.evil.example": false, "evil-linkedin.com": false} {
		u := c.api("/x")
		u.Host = host
		if c.trusted(u) != want {
			t.Errorf("trusted(%s) = %v", host, !want)
		}
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
	if posts := b.srv.Posts(); !posts[0].Deleted {
		t.Fatalf("post not deleted: %+v", posts)
	}
	if err := b.client.Delete(context.Background(), p); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	if err := b.client.Delete(context.Background(), social.Posted{ID: "urn:li:share:1/../../me"}); social.ClassOf(err) != social.Permanent {
		t.Fatalf("bad urn: %v", err)
	}
}

func TestErrors(t *testing.T) {
	midnight := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		setup  func(*linkedintest.Server)
		class  social.Class
		status int
		code   string
		reset  time.Time
	}{
		{"token expired", func(s *linkedintest.Server) { s.Expire() }, social.Auth, 401, "EXPIRED_ACCESS_TOKEN", time.Time{}},
		{"access denied", func(s *linkedintest.Server) {
			s.FailNext(linkedintest.Failure{Status: 403, Code: "ACCESS_DENIED", Message: "Not enough permissions to access: partnerApiPostsExternal.CREATE"})
		}, social.Auth, 403, "ACCESS_DENIED", time.Time{}},
		{"duplicate", func(s *linkedintest.Server) { s.FailNext(linkedintest.Failure{Status: 422, Code: "DUPLICATE_POST"}) }, social.Permanent, 422, "DUPLICATE_POST", time.Time{}},
		{"bad request", func(s *linkedintest.Server) {
			s.FailNext(linkedintest.Failure{Status: 400, Message: "Invalid commentary"})
		}, social.Permanent, 400, "", time.Time{}},
		{"daily limit", func(s *linkedintest.Server) {
			s.FailNext(linkedintest.Failure{Status: 429, Code: "TOO_MANY_REQUESTS", Message: "Resource level throttle limit for calls to this resource is reached."})
		}, social.RateLimited, 429, "TOO_MANY_REQUESTS", midnight},
		{"throttled with Retry-After", func(s *linkedintest.Server) {
			s.FailNext(linkedintest.Failure{Status: 429, RetryAfter: "60"})
		}, social.RateLimited, 429, "", now.Add(time.Minute)},
		{"server error", func(s *linkedintest.Server) { s.FailNext(linkedintest.Failure{Status: 500}) }, social.Temporary, 500, "", time.Time{}},
		{"gateway", func(s *linkedintest.Server) { s.FailNext(linkedintest.Failure{Status: 504}) }, social.Temporary, 504, "", time.Time{}},
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
			if e.Class != tt.class || e.Status != tt.status || e.Code != tt.code || !e.Reset.Equal(tt.reset) || e.Platform != "linkedin" {
				t.Errorf("err = %+v, want class %v status %d code %q reset %v", e, tt.class, tt.status, tt.code, tt.reset)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

func TestRealDuplicate(t *testing.T) {
	b := setup(t)
	if _, err := b.client.Publish(context.Background(), social.Post{Text: "Panne (suite)"}); err != nil {
		t.Fatal(err)
	}
	_, err := b.client.Publish(context.Background(), social.Post{Text: "Panne (suite)"})
	if e, ok := errors.AsType[*social.Error](err); !ok || e.Class != social.Permanent || e.Code != "DUPLICATE_POST" {
		t.Fatalf("err = %v", err)
	}
}

func TestNew(t *testing.T) {
	for _, o := range []Options{
		{Organization: org},
		{Organization: "cafe-express", Token: token},
		{Organization: org, Token: token, Version: "2026-05"},
		{Organization: org, Token: token, BaseURL: "api.linkedin.com"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}
