package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func newTestApp(t *testing.T) (*App, *httptest.Server) {
	t.Helper()
	db := storetest.OpenSQLite(t, true)
	cfg := config.Defaults()
	cfg.SecretKey = strings.Repeat("k", 43)
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return a, srv
}

func get(t *testing.T, c *http.Client, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHomeLanguageAndContent(t *testing.T) {
	_, srv := newTestApp(t)
	c := srv.Client()
	resp, fr := get(t, c, srv.URL+"/", "Accept-Language", "fr-FR,fr;q=0.9")
	if resp.StatusCode != 200 || !strings.Contains(fr, `lang="fr"`) || !strings.Contains(fr, "Café Express") || !strings.Contains(fr, "Questions fréquentes") {
		t.Fatalf("French page: %d\n%.400s", resp.StatusCode, fr)
	}
	if strings.Contains(fr, "{{") {
		t.Error("page shows raw template syntax")
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Error("no CSP header")
	}
	_, en := get(t, c, srv.URL+"/", "Accept-Language", "en-GB,en;q=0.8")
	if !strings.Contains(en, `lang="en"`) || !strings.Contains(en, "Frequently asked questions") {
		t.Fatalf("English page:\n%.400s", en)
	}
	_, forced := get(t, c, srv.URL+"/en/", "Accept-Language", "fr")
	if !strings.Contains(forced, `lang="en"`) {
		t.Error("/en/ is not English")
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestConsoleSignInFlow(t *testing.T) {
	a, srv := newTestApp(t)
	ctx := context.Background()
	user, pw, created, err := a.Accounts().EnsureAdmin(ctx)
	if err != nil || !created {
		t.Fatalf("EnsureAdmin: %v %v", created, err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}

	resp, body := get(t, c, srv.URL+"/admin/")
	if resp.Request.URL.Path != "/admin/login" {
		t.Fatalf("anonymous /admin/ landed on %s", resp.Request.URL.Path)
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("login form has no CSRF field:\n%s", body)
	}
	post := func(path string, form url.Values) (*http.Response, string) {
		t.Helper()
		resp, err := c.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	// Missing CSRF token: refused, no session.
	if resp, _ := post("/admin/login", url.Values{"username": {user}, "password": {pw}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login without CSRF: %d", resp.StatusCode)
	}
	// Wrong password.
	if resp, body := post("/admin/login", url.Values{"csrf": {m[1]}, "username": {user}, "password": {"wrong-password-123"}}); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong username or password") {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	// Right password: forced to change it.
	resp, body = post("/admin/login", url.Values{"csrf": {m[1]}, "username": {user}, "password": {pw}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Choose your password") {
		t.Fatalf("after sign-in: %d\n%s", resp.StatusCode, body)
	}
	newPW := "correct horse battery staple"
	resp, body = post("/admin/password", url.Values{"csrf": {m[1]}, "current": {pw}, "new": {newPW}, "confirm": {newPW}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Active crisis plan") || !strings.Contains(body, "Café Express") {
		t.Fatalf("after password change: %d\n%.600s", resp.StatusCode, body)
	}
	if _, err := a.Accounts().Authenticate(ctx, user, newPW); err != nil {
		t.Fatalf("new password not stored: %v", err)
	}
	// A cross-site POST is refused even with the cookie.
	req, _ := http.NewRequest("POST", srv.URL+"/admin/logout", strings.NewReader("csrf="+m[1]))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %v %v", resp.StatusCode, err)
	}
}

func TestLoginRateLimited(t *testing.T) {
	_, srv := newTestApp(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	_, body := get(t, c, srv.URL+"/admin/login")
	tok := csrfField.FindStringSubmatch(body)[1]
	var last int
	for i := 0; i < 12; i++ {
		resp, err := c.PostForm(srv.URL+"/admin/login", url.Values{"csrf": {tok}, "username": {"nobody"}, "password": {"whatever-password"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last = resp.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("12th attempt got %d, want 429", last)
	}
}
