package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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

// The console lives in package web; its tests run on this app's handler.
// Here only its mounting is checked.
func TestConsoleMounted(t *testing.T) {
	_, srv := newTestApp(t)
	resp, body := get(t, srv.Client(), srv.URL+"/admin/")
	if resp.Request.URL.Path != "/admin/login" || !strings.Contains(body, `name="csrf"`) {
		t.Fatalf("anonymous /admin/ landed on %s (%d)", resp.Request.URL.Path, resp.StatusCode)
	}
}
