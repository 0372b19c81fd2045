package web_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/app"
	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/web"
)

// fakeAccounts records reconnections.
type fakeAccounts struct{ got []string }

func (f *fakeAccounts) Accounts(context.Context) []web.SocialAccount {
	return []web.SocialAccount{{Platform: "mastodon", Name: "Mastodon", Account: "@cafeexpress", Secrets: []string{"access_token"}, Connected: true,
		LastState: "queued", LastError: "mastodon: publish: 401 Unauthorized: the Mastodon token expired: reconnect the account in the console"}}
}

func (f *fakeAccounts) Reconnect(_ context.Context, actor incident.Actor, platform string, secrets map[string]string) error {
	if !incident.Can(actor.Role, incident.ActPublish) {
		return &incident.Error{Code: incident.CodeForbidden, Message: "may not reconnect"}
	}
	if secrets["access_token"] == "" {
		return errors.New("no token")
	}
	f.got = append(f.got, platform+"="+secrets["access_token"])
	return nil
}

func TestSocialAccountsPage(t *testing.T) {
	db := storetest.OpenSQLite(t, true)
	cfg := config.Defaults()
	cfg.SecretKey = strings.Repeat("k", 43)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(context.Background(), cfg, logger, db, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeAccounts{}
	con, err := web.New(web.Deps{Accounts: a.Accounts(), Incidents: a.Incidents(), Plan: a.Plan, Logger: logger,
		Sessions: auth.NewSessions([]byte(cfg.SecretKey), false, time.Now), Social: fake})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	con.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	s := &testServer{t: t, app: a, URL: srv.URL}

	karim := s.login("karim", account.RoleCommunication, "karim")
	_, page := karim.get("/admin/social")
	for _, want := range []string{"Mastodon", "@cafeexpress", "token expired", `name="access_token"`, `type="password"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("social page lacks %q", want)
		}
	}
	if resp, _ := karim.post("/admin/social/mastodon/reconnect", url.Values{"access_token": {"fresh-token"}}); resp.StatusCode >= 400 || len(fake.got) != 1 || fake.got[0] != "mastodon=fresh-token" {
		t.Fatalf("reconnect: %d %v", resp.StatusCode, fake.got)
	}
	viewer := s.login("guest", account.RoleViewer, "")
	if _, page := viewer.get("/admin/social"); strings.Contains(page, `name="access_token"`) {
		t.Fatal("a viewer is offered the reconnect form")
	}
	if resp, _ := karim.postRaw("/admin/social/mastodon/reconnect", url.Values{"access_token": {"x"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("reconnect without CSRF: %d", resp.StatusCode)
	}
}
