package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/app"
	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/detect"
	"github.com/vigie-hq/vigie/internal/detect/probe"
	"github.com/vigie-hq/vigie/internal/detect/watch"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/web"
)

// fakeDetection is a Watcher's view frozen for the page.
type fakeDetection func() []watch.DependencyStatus

func (f fakeDetection) Status() []watch.DependencyStatus { return f() }

// newDetectionServer is the console with detection (nil: off).
func newDetectionServer(t *testing.T, d web.Detection) *testServer {
	t.Helper()
	db := storetest.OpenSQLite(t, true)
	cfg := config.Defaults()
	cfg.SecretKey = strings.Repeat("k", 43)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(context.Background(), cfg, logger, db, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	con, err := web.New(web.Deps{Accounts: a.Accounts(), Incidents: a.Incidents(), Plan: a.Plan, Logger: logger,
		Sessions: auth.NewSessions([]byte(cfg.SecretKey), false, time.Now), Detection: d})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	con.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &testServer{t: t, app: a, URL: srv.URL}
}

// downStatus is WhatsApp down for 3 minutes, seen at the time of the view.
func downStatus() []watch.DependencyStatus {
	now := time.Now()
	since := now.Add(-3 * time.Minute)
	return []watch.DependencyStatus{
		{Dependency: "whatsapp", State: "major_outage", Since: since, Confidence: 0.87,
			Explanation: "tcp refused on 3/3 vantages for 3 min, http refused on 3/3 for 3 min; controls OK",
			Probes: []probe.Result{
				{Probe: "paris-1/whatsapp/tcp/g.whatsapp.net:443", Family: probe.FamilyTCP, Dependency: "whatsapp", Start: now.Add(-7500 * time.Millisecond),
					Latency: 42 * time.Millisecond, Class: probe.ClassRefused, Detail: "connect: connection refused"},
				{Probe: "whatsapp/dns/g.whatsapp.net", Family: probe.FamilyDNS, Dependency: "whatsapp", Start: now.Add(-4 * time.Second),
					Latency: 1500 * time.Millisecond, OK: true},
			},
			History: []detect.Event{
				{Dependency: "whatsapp", At: now.Add(-20 * time.Minute), From: detect.StateUnknown, To: detect.StateOperational, Confidence: 1, Explanation: "all families OK"},
				{Dependency: "whatsapp", At: since.Add(15 * time.Second), From: detect.StateOperational, To: detect.StateMajorOutage, Since: since, Confidence: 0.87,
					Explanation: "tcp refused on 3/3 vantages"},
			}},
		{Dependency: "controls", State: "unknown", Probes: []probe.Result{
			{Probe: "controls/tcp/www.wikipedia.org:443", Family: probe.FamilyTCP, Dependency: "controls", Control: true, Start: now.Add(-5 * time.Second), Latency: 9 * time.Millisecond, OK: true},
		}},
	}
}

func TestDetectionPageForViewer(t *testing.T) {
	s := newDetectionServer(t, fakeDetection(downStatus))
	viewer := s.login("guest", account.RoleViewer, "")
	resp, body := viewer.get("/admin/detection")
	if resp.StatusCode != 200 {
		t.Fatalf("detection page: %d\n%.800s", resp.StatusCode, body)
	}
	card := section(body, `id="dep-whatsapp"`, `</section>`)
	for _, want := range []string{
		`<span class="badge big st-major_outage">major outage</span>`,
		"87 %",
		"tcp refused on 3/3 vantages for 3 min, http refused on 3/3 for 3 min; controls OK",
		`<th scope="row">paris-1/whatsapp/tcp/g.whatsapp.net:443</th><td>tcp</td><td>paris-1</td>`,
		"connect: connection refused", "<td>refused</td><td>42 ms</td>", "7 s ago",
		`<th scope="row">whatsapp/dns/g.whatsapp.net</th><td>dns</td><td>this server</td>`, "<td>1.5 s</td>",
		"operational → <strong>major outage</strong> (87 %)",
		"3 min ago",
	} {
		if !strings.Contains(card, want) {
			t.Errorf("WhatsApp card lacks %q:\n%s", want, card)
		}
	}
	// Newest change first.
	if strings.Index(card, "→ <strong>major outage") > strings.Index(card, "→ <strong>operational") {
		t.Errorf("history is not newest first:\n%s", card)
	}
	if controls := section(body, `id="dep-controls"`, `</section>`); !strings.Contains(controls, "controls/tcp/www.wikipedia.org:443") {
		t.Errorf("controls section:\n%s", controls)
	}
	if !strings.Contains(body, `<meta http-equiv="refresh" content="15">`) || !strings.Contains(body, `href="/admin/detection" aria-current="page"`) {
		t.Error("the page neither refreshes itself nor shows in the navigation")
	}
	// Other pages do not reload themselves.
	if _, dash := viewer.get("/admin/"); strings.Contains(dash, `http-equiv="refresh"`) || !strings.Contains(dash, `href="/admin/detection"`) {
		t.Error("the dashboard reloads itself or lacks the detection link")
	}

	_, fr := viewer.get("/admin/detection?lang=fr", "Accept-Language", "fr")
	for _, want := range []string{"panne majeure", "Point de mesure", "ce serveur", "il y a 7 s", "Derniers changements d&#39;état"} {
		if !strings.Contains(fr, want) {
			t.Errorf("French page lacks %q", want)
		}
	}
}

func TestDetectionPageWhenOff(t *testing.T) {
	s := newDetectionServer(t, nil)
	c := s.login("lea", account.RoleResponder, "")
	resp, body := c.get("/admin/detection")
	if resp.StatusCode != 200 || !strings.Contains(body, "Detection is off") || !strings.Contains(body, "VIGIE_DETECT") || strings.Contains(body, "<table") {
		t.Fatalf("detection off: %d\n%s", resp.StatusCode, section(body, "<main", "</main>"))
	}
	anon := s.client()
	if resp, _ := anon.get("/admin/detection"); resp.Request.URL.Path != "/admin/login" {
		t.Fatalf("signed out: ended at %s", resp.Request.URL.Path)
	}
}
