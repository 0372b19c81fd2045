package app

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// The example plan's detection section becomes probes (not run here:
// tests reach loopback only), the metrics endpoint and, with the app
// secret set, Meta's status webhook; detect=false turns it all off.
func TestDetectionWiring(t *testing.T) {
	for _, tc := range []struct {
		detect  bool
		env     map[string]string
		metrics int
		webhook int
	}{
		{true, nil, 200, 404},
		{true, map[string]string{"WHATSAPP_CLOUD_API_TOKEN": "t", "WHATSAPP_APP_SECRET": "s", "WHATSAPP_VERIFY_TOKEN": "v"}, 200, 200},
		{false, nil, 404, 404},
	} {
		db := storetest.OpenSQLite(t, true)
		cfg := config.Defaults()
		cfg.SecretKey = strings.Repeat("k", 43)
		cfg.Detect = tc.detect
		a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), db, Options{Getenv: func(k string) string { return tc.env[k] }})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Handler())
		resp, body := get(t, srv.Client(), srv.URL+"/metrics")
		if resp.StatusCode != tc.metrics || tc.metrics == 200 && !strings.Contains(body, "# TYPE vigie_probe_runs_total counter") {
			t.Errorf("detect=%v: /metrics %d %q", tc.detect, resp.StatusCode, body)
		}
		resp, body = get(t, srv.Client(), srv.URL+WhatsAppWebhookPath+"?hub.mode=subscribe&hub.verify_token=v&hub.challenge=1158201444")
		if resp.StatusCode != tc.webhook || tc.webhook == 200 && body != "1158201444" {
			t.Errorf("detect=%v env=%v: webhook verification %d %q", tc.detect, tc.env, resp.StatusCode, body)
		}
		if tc.detect && (a.watch == nil || a.watch.Probes() < 15) {
			t.Errorf("probes built from the example plan: %v", a.watch)
		}
		srv.Close()
	}
}

// A worker serves health checks and detection's endpoints, not the pages.
func TestWorkerServesHealthOnly(t *testing.T) {
	db := storetest.OpenSQLite(t, true)
	cfg := config.Defaults()
	cfg.SecretKey = strings.Repeat("k", 43)
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), db, Options{Role: RoleWorker})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/fr/": 404, "/admin/": 404, "/api/v1/me": 404, "/api/v1/detect/status": 401} {
		if resp, _ := get(t, srv.Client(), srv.URL+path); resp.StatusCode != want {
			t.Errorf("worker %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}
