package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/api"
	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/detect/probe/probetest"
	"github.com/vigie-hq/vigie/internal/detect/watch"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

const cloudToken = "EAAG-cloud-api-secret-token"

// detectServer is the API with a Watcher over the Café Express plan whose
// detection section names (never probed) loopback targets and a Cloud API
// probe with a secret token.
type detectServer struct {
	*testServer
	watcher *watch.Watcher
	clock   *probetest.Clock
}

func newDetectServer(t *testing.T, detection bool) *detectServer {
	t.Helper()
	db := storetest.OpenSQLite(t, true)
	p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	if err != nil || p == nil {
		t.Fatalf("plan: %v", err)
	}
	p.Detection = &plan.Detection{
		Resolvers: []string{"127.0.0.1:53"},
		Controls:  plan.ProbeTargets{TCP: []string{"127.0.0.1:1"}},
		Dependencies: []plan.DependencyProbes{{ID: "whatsapp",
			ProbeTargets: plan.ProbeTargets{DNS: []string{"g.whatsapp.net"}, TCP: []string{"127.0.0.1:2"}, HTTPS: []string{"https://127.0.0.1:3/"}},
			CloudAPI:     &plan.CloudAPIProbe{PhoneNumberID: "1234", Token: plan.SecretRef{Env: "WA_TOKEN"}}}},
	}
	ds := &detectServer{clock: probetest.NewClock(time.Date(2026, 11, 25, 15, 38, 0, 0, time.UTC))}
	ds.watcher, err = watch.New(watch.Options{Plan: func() *plan.Plan { return p }, Clock: ds.clock,
		Secret: func(plan.SecretRef) (string, error) { return cloudToken, nil }})
	if err != nil {
		t.Fatal(err)
	}
	accounts := account.NewStore(db)
	srv := &api.Server{
		Auth:      &auth.Authenticator{Accounts: accounts, Sessions: auth.NewSessions([]byte(strings.Repeat("k", 32)), false, nil)},
		Incidents: incident.NewService(db, func() *plan.Plan { return p }, incident.Options{}),
		Plan:      func() *plan.Plan { return p },
		Logger:    slog.New(slog.DiscardHandler),
	}
	if detection {
		srv.Detection = ds.watcher
	}
	mux := http.NewServeMux()
	srv.Routes(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	ds.testServer = &testServer{url: hs.URL, tokens: map[string]string{}}
	ctx := context.Background()
	for _, u := range []struct{ name, role string }{{"marie", "commander"}, {"guest", "viewer"}, {"agent-paris-1", "responder"}} {
		created, err := accounts.Create(ctx, "test", account.User{Username: u.name, Role: account.Role(u.role)}, "password for "+u.name)
		if err != nil {
			t.Fatal(err)
		}
		if ds.tokens[u.name], _, err = accounts.CreateToken(ctx, "test", created.ID, "test", account.ScopeWrite, 0); err != nil {
			t.Fatal(err)
		}
		if u.name == "marie" {
			ds.read, _, _ = accounts.CreateToken(ctx, "test", created.ID, "ro", account.ScopeRead, 0)
		}
	}
	return ds
}

// result is a valid remote result of the server's DNS probe.
func (ds *detectServer) result(ok bool) map[string]any {
	r := map[string]any{"probe": "whatsapp/dns/g.whatsapp.net", "family": "dns", "dependency": "whatsapp", "target": "g.whatsapp.net",
		"start": ds.clock.Now().Add(-2 * time.Second).Format(time.RFC3339Nano), "latency_ms": 12.5, "ok": ok}
	if !ok {
		r["class"], r["detail"] = "servfail", "127.0.0.1:53: SERVFAIL"
	}
	return r
}

func TestDetectResultsValidation(t *testing.T) {
	ds := newDetectServer(t, true)
	batch := func(agent string, edit func(i int, r map[string]any)) map[string]any {
		var rs []any
		for i := range 5 {
			r := ds.result(true)
			if edit != nil {
				edit(i, r)
			}
			rs = append(rs, r)
		}
		return map[string]any{"agent": agent, "results": rs}
	}
	at := func(n int, key string, v any) func(int, map[string]any) {
		return func(i int, r map[string]any) {
			if i == n {
				r[key] = v
			}
		}
	}
	now := ds.clock.Now()
	var many []any
	for range watch.MaxBatch + 1 {
		many = append(many, ds.result(true))
	}
	for _, tc := range []struct {
		name, token string
		body        any
		code        int
		want        string
	}{
		{"no token", "", batch("paris-1", nil), 401, "Bearer"},
		{"read-only token", ds.read, batch("paris-1", nil), 403, "write token"},
		{"viewer", ds.tokens["guest"], batch("paris-1", nil), 403, "not a viewer"},
		{"agent account speaking for another", ds.tokens["agent-paris-1"], batch("lyon-1", nil), 403, `only push as the agent "paris-1"`},
		{"unknown family", ds.tokens["marie"], batch("lyon-1", at(3, "family", "smtp")), 422, `results[3].family: unknown family "smtp"`},
		{"server-only family", ds.tokens["marie"], batch("lyon-1", at(1, "family", "canary")), 422, `results[1].family: "canary" is measured by the server only`},
		{"unknown dependency", ds.tokens["marie"], batch("lyon-1", at(2, "dependency", "telegram")), 422, `results[2].dependency: unknown dependency "telegram"`},
		{"unknown probe", ds.tokens["marie"], batch("lyon-1", at(0, "probe", "whatsapp/dns/evil.example")), 422, `results[0].probe: "whatsapp/dns/evil.example" is not a probe`},
		{"future", ds.tokens["marie"], batch("lyon-1", at(4, "start", now.Add(2*time.Minute).Format(time.RFC3339))), 422, "results[4].start: 2026-11-25T15:40:00Z is more than 1m0s ahead"},
		{"too old", ds.tokens["marie"], batch("lyon-1", at(4, "start", now.Add(-11*time.Minute).Format(time.RFC3339))), 422, "results[4].start: 2026-11-25T15:27:00Z is older than 10m0s"},
		{"unknown class", ds.tokens["marie"], batch("lyon-1", func(i int, r map[string]any) {
			if i == 1 {
				r["ok"], r["class"] = false, "meltdown"
			}
		}), 422, `results[1].class: unknown class "meltdown"`},
		{"negative latency", ds.tokens["marie"], batch("lyon-1", at(2, "latency_ms", -1)), 422, "results[2].latency_ms"},
		{"bad agent name", ds.tokens["marie"], batch("paris 1/x", nil), 422, `agent: "paris 1/x" must be`},
		{"agent named as a dependency", ds.tokens["marie"], batch("whatsapp", nil), 422, `agent: "whatsapp" is reserved`},
		{"too many results", ds.tokens["marie"], map[string]any{"agent": "lyon-1", "results": many}, 422, "501 results, at most 500"},
		{"unknown field", ds.tokens["marie"], `{"agent":"lyon-1","results":[],"secret":1}`, 400, `unknown field "secret"`},
		{"body over 1 MiB", ds.tokens["marie"], `{"agent":"lyon-1","results":[],"pad":"` + strings.Repeat("x", 1<<20) + `"}`, 400, "body larger than"},
	} {
		code, body := ds.call(t, tc.token, "POST", "/api/v1/detect/results", tc.body)
		if code != tc.code || !strings.Contains(errMessage(body), tc.want) {
			t.Errorf("%s: %d %q; want %d with %q", tc.name, code, errMessage(body), tc.code, tc.want)
		}
	}
	// Nothing of the refused batches reached detection.
	for _, st := range ds.watcher.Status() {
		if len(st.Probes) != 0 {
			t.Fatalf("refused results were recorded: %+v", st.Probes)
		}
	}
}

func TestDetectResultsReachTheWatcher(t *testing.T) {
	ds := newDetectServer(t, true)
	code, body := ds.call(t, ds.tokens["agent-paris-1"], "POST", "/api/v1/detect/results",
		map[string]any{"agent": "paris-1", "results": []any{ds.result(false)}})
	if code != 200 || num(body["accepted"]) != 1 {
		t.Fatalf("push: %d %v", code, body)
	}
	code, body = ds.call(t, ds.read, "GET", "/api/v1/detect/status", nil)
	if code != 200 {
		t.Fatalf("status: %d %v", code, body)
	}
	raw, _ := json.Marshal(body)
	var st struct {
		Dependencies []struct {
			Dependency string
			State      string
			Probes     []struct{ Probe, Vantage, Class string }
		}
	}
	if err := json.Unmarshal(raw, &st); err != nil || len(st.Dependencies) != 1 || st.Dependencies[0].Dependency != "whatsapp" {
		t.Fatalf("status body: %v %s", err, raw)
	}
	p := st.Dependencies[0].Probes
	if len(p) != 1 || p[0].Probe != "paris-1/whatsapp/dns/g.whatsapp.net" || p[0].Vantage != "paris-1" || p[0].Class != "servfail" {
		t.Fatalf("remote probe in the status: %+v", p)
	}
}

func TestDetectConfigHoldsNoSecret(t *testing.T) {
	ds := newDetectServer(t, true)
	code, body := ds.call(t, ds.tokens["agent-paris-1"], "GET", "/api/v1/detect/config", nil)
	raw, _ := json.Marshal(body)
	if code != 200 {
		t.Fatalf("config: %d %s", code, raw)
	}
	var cfg watch.AgentConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), cloudToken) || strings.Contains(string(raw), "cloudapi") || strings.Contains(string(raw), "1234") {
		t.Fatalf("the agent configuration leaks the Cloud API: %s", raw)
	}
	names := map[string]bool{}
	for _, p := range cfg.Probes {
		names[p.Name] = true
	}
	for _, want := range []string{"controls/tcp/127.0.0.1:1", "whatsapp/dns/g.whatsapp.net", "whatsapp/tcp/127.0.0.1:2", "whatsapp/https/https://127.0.0.1:3/", "whatsapp/tls/127.0.0.1:3"} {
		if !names[want] {
			t.Errorf("config lacks %s: %s", want, raw)
		}
	}
	if len(cfg.Resolvers) != 1 || cfg.IntervalSeconds != 15 {
		t.Errorf("config: %+v", cfg)
	}
	if code, _ := ds.call(t, "", "GET", "/api/v1/detect/config", nil); code != 401 {
		t.Errorf("config without a token: %d", code)
	}
}

func TestDetectionOff(t *testing.T) {
	ds := newDetectServer(t, false)
	for _, path := range []string{"/api/v1/detect/config", "/api/v1/detect/status"} {
		code, body := ds.call(t, ds.read, "GET", path, nil)
		if code != 404 || !strings.Contains(errMessage(body), "detection is off") {
			t.Errorf("%s with detection off: %d %v", path, code, body)
		}
	}
	code, body := ds.call(t, ds.tokens["marie"], "POST", "/api/v1/detect/results", map[string]any{"agent": "x", "results": []any{}})
	if code != 404 || errCode(body) != "not_found" {
		t.Errorf("push with detection off: %d %v", code, body)
	}
}
