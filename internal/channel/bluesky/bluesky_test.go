package bluesky

// These tests run against blueskytest, an httptest double of a PDS that
// answers as the atproto lexicons and docs.bsky.app describe.

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/bluesky/blueskytest"
	"github.com/vigie-hq/vigie/internal/social"
)

const (
	handle      = "cafe-express.bsky.social"
	appPassword = "abcd-efgh-ijkl-mnop"
)

var now = time.Date(2026, 3, 14, 15, 40, 50, 0, time.UTC)

type testBundle struct {
	srv      *blueskytest.Server
	client   *Client
	sessions []Session
}

func setup(t *testing.T, edit ...func(*Options)) *testBundle {
	t.Helper()
	b := &testBundle{srv: blueskytest.Start(t, handle, appPassword)}
	o := Options{
		BaseURL: b.srv.URL(), Identifier: handle, AppPassword: appPassword, Timeout: 2 * time.Second,
		Now:       func() time.Time { return now },
		OnSession: func(s Session) { b.sessions = append(b.sessions, s) },
	}
	for _, f := range edit {
		f(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	b.client = c
	return b
}

func TestPublish(t *testing.T) {
	b := setup(t)
	text := "WhatsApp est en panne : commandez sur cafe-express.fr #WhatsAppDown"
	link := strings.Index(text, "cafe-express.fr")
	tag := strings.Index(text, "#WhatsAppDown")
	got, err := b.client.Publish(context.Background(), social.Post{Text: text, Lang: "fr", Facets: []social.Facet{
		{ByteStart: link, ByteEnd: link + len("cafe-express.fr"), Kind: social.FacetLink, Value: "https://cafe-express.fr"},
		{ByteStart: tag, ByteEnd: len(text), Kind: social.FacetTag, Value: "#WhatsAppDown"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	recs := b.srv.Records()
	if len(recs) != 1 {
		t.Fatalf("records = %+v", recs)
	}
	r := recs[0]
	if got.ID != r.URI || got.URI != r.URI || got.CID != r.CID || got.Root != (social.StrongRef{URI: r.URI, CID: r.CID}) {
		t.Errorf("posted %+v, record %+v", got, r)
	}
	if got.URL != "https://bsky.app/profile/"+blueskytest.DID+"/post/"+r.RKey {
		t.Errorf("URL = %q", got.URL)
	}
	if r.Text != text || len(r.Langs) != 1 || r.Langs[0] != "fr" || r.CreatedAt != "2026-03-14T15:40:50.000Z" || r.Root.URI != "" {
		t.Errorf("record = %+v", r)
	}
	if f := string(r.Facets); !strings.Contains(f, `"app.bsky.richtext.facet#tag","tag":"WhatsAppDown"`) || !strings.Contains(f, `"uri":"https://cafe-express.fr"`) {
		t.Errorf("facets = %s", f)
	}
	if b.srv.SessionsCreated() != 1 || len(b.sessions) != 1 || b.sessions[0].DID != blueskytest.DID {
		t.Errorf("sessions: created %d, saved %+v", b.srv.SessionsCreated(), b.sessions)
	}
}

func TestThreadRootStaysFirst(t *testing.T) {
	b := setup(t)
	var th social.Thread
	for _, text := range []string{"Panne WhatsApp.", "Mise à jour : toujours en panne.", "Résolu."} {
		p, err := b.client.Publish(context.Background(), social.Post{Text: text, ReplyTo: th.ReplyTo("inc-7", "bluesky")})
		if err != nil {
			t.Fatal(err)
		}
		th.Record("inc-7", p)
	}
	recs := b.srv.Records()
	first := blueskytest.Ref{URI: recs[0].URI, CID: recs[0].CID}
	second := blueskytest.Ref{URI: recs[1].URI, CID: recs[1].CID}
	if recs[0].Root != (blueskytest.Ref{}) || recs[1].Root != first || recs[1].Parent != first || recs[2].Root != first || recs[2].Parent != second {
		t.Fatalf("records do not form a thread rooted at the first post: %+v", recs)
	}
	if b.srv.SessionsCreated() != 1 {
		t.Errorf("created %d sessions for three posts", b.srv.SessionsCreated())
	}
}

func TestImage(t *testing.T) {
	b := setup(t)
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1200, 630))); err != nil {
		t.Fatal(err)
	}
	_, err := b.client.Publish(context.Background(), social.Post{Text: "État des services", Image: &social.Image{PNG: buf.Bytes(), Alt: "Commandes WhatsApp : panne majeure"}})
	if err != nil {
		t.Fatal(err)
	}
	recs := b.srv.Records()
	if len(recs) != 1 || len(recs[0].Images) != 1 {
		t.Fatalf("records = %+v", recs)
	}
	if img := recs[0].Images[0]; img.Alt != "Commandes WhatsApp : panne majeure" || img.MimeType != "image/png" || img.Size != buf.Len() {
		t.Errorf("image = %+v", img)
	}

	_, err = b.client.Publish(context.Background(), social.Post{Text: "x", Image: &social.Image{PNG: make([]byte, maxImageBytes+1)}})
	if social.ClassOf(err) != social.Permanent {
		t.Errorf("oversized image: %v", err)
	}
}

func TestDelete(t *testing.T) {
	b := setup(t)
	p, err := b.client.Publish(context.Background(), social.Post{Text: "Message envoyé par erreur"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := b.client.Delete(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	if recs := b.srv.Records(); !recs[0].Deleted {
		t.Fatalf("not deleted: %+v", recs)
	}
	if err := b.client.Delete(context.Background(), social.Posted{ID: "3k4duaz5vfs2b"}); social.ClassOf(err) != social.Permanent {
		t.Errorf("bad URI: %v", err)
	}
}

func TestExpiredTokenRefreshesOnce(t *testing.T) {
	b := setup(t)
	if _, err := b.client.Publish(context.Background(), social.Post{Text: "un"}); err != nil {
		t.Fatal(err)
	}
	b.srv.ExpireAccess()
	if _, err := b.client.Publish(context.Background(), social.Post{Text: "deux"}); err != nil {
		t.Fatal(err)
	}
	if b.srv.Refreshes() != 1 || b.srv.SessionsCreated() != 1 || len(b.srv.Records()) != 2 || len(b.sessions) != 2 {
		t.Fatalf("refreshes %d, sessions %d, records %d, saved %d", b.srv.Refreshes(), b.srv.SessionsCreated(), len(b.srv.Records()), len(b.sessions))
	}

	// A refresh token refused too: a new session from the app password.
	b.srv.ExpireAccess()
	b.srv.ExpireRefresh()
	if _, err := b.client.Publish(context.Background(), social.Post{Text: "trois"}); err != nil {
		t.Fatal(err)
	}
	if b.srv.Refreshes() != 1 || b.srv.SessionsCreated() != 2 || len(b.srv.Records()) != 3 {
		t.Fatalf("refreshes %d, sessions %d, records %d", b.srv.Refreshes(), b.srv.SessionsCreated(), len(b.srv.Records()))
	}
}

func TestRestoredSession(t *testing.T) {
	first := setup(t)
	if _, err := first.client.Publish(context.Background(), social.Post{Text: "un"}); err != nil {
		t.Fatal(err)
	}
	saved := first.sessions[len(first.sessions)-1]
	c, err := New(Options{BaseURL: first.srv.URL(), Identifier: handle, AppPassword: appPassword, Session: &saved})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(context.Background(), social.Post{Text: "deux"}); err != nil || first.srv.SessionsCreated() != 1 {
		t.Fatalf("err %v, sessions created %d", err, first.srv.SessionsCreated())
	}
}

func TestErrors(t *testing.T) {
	reset := now.Add(4 * time.Minute)
	tests := []struct {
		name   string
		edit   func(*Options)
		script []blueskytest.Failure
		class  social.Class
		status int
		reset  time.Time
	}{
		{name: "rate limited", script: []blueskytest.Failure{{}, {Status: 429, Reset: reset}}, class: social.RateLimited, status: 429, reset: reset},
		{name: "rate limited on login", script: []blueskytest.Failure{{Status: 429, Reset: reset}}, class: social.RateLimited, status: 429, reset: reset},
		{name: "wrong app password", edit: func(o *Options) { o.AppPassword = "wrong" }, class: social.Auth, status: 401},
		{name: "invalid record", script: []blueskytest.Failure{{}, {Status: 400, Message: "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"}}, class: social.Permanent, status: 400},
		{name: "server error", script: []blueskytest.Failure{{}, {Status: 502}}, class: social.Temporary, status: 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edits := []func(*Options){}
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			b := setup(t, edits...)
			if len(tt.script) > 0 && tt.script[0].Status == 0 {
				// Log in first, so that the failure hits createRecord.
				if _, err := b.client.session(context.Background()); err != nil {
					t.Fatal(err)
				}
				tt.script = tt.script[1:]
			}
			b.srv.FailNext(tt.script...)
			_, err := b.client.Publish(context.Background(), social.Post{Text: "Panne"})
			e, ok := errors.AsType[*social.Error](err)
			if !ok {
				t.Fatalf("err = %v", err)
			}
			if e.Class != tt.class || e.Status != tt.status || !e.Reset.Equal(tt.reset) {
				t.Errorf("err = %+v, want class %v status %d reset %v", e, tt.class, tt.status, tt.reset)
			}
			if strings.Contains(err.Error(), appPassword) || strings.Contains(err.Error(), "eyJ") {
				t.Errorf("the error shows a secret: %v", err)
			}
			if tt.class == social.Auth && e.Safe() != "the Bluesky token expired: reconnect the account in the console" {
				t.Errorf("Safe() = %q", e.Safe())
			}
		})
	}
}

func TestBadFacet(t *testing.T) {
	b := setup(t)
	_, err := b.client.Publish(context.Background(), social.Post{Text: "court", Facets: []social.Facet{{ByteStart: 2, ByteEnd: 40, Kind: social.FacetLink, Value: "https://x"}}})
	if social.ClassOf(err) != social.Permanent || b.srv.SessionsCreated() != 0 {
		t.Fatalf("err %v", err)
	}
}
