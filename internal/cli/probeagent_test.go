package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

// agentLab is a Vigie API on loopback with a real Watcher whose plan
// probes loopback stand-ins for WhatsApp and the controls, and one write
// token per agent account.
type agentLab struct {
	url     string
	watcher *watch.Watcher
	tokens  map[string]string
	caFile  string
}

func newAgentLab(t *testing.T, agents ...string) *agentLab {
	t.Helper()
	dns, err := probetest.StartDNS()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dns.Close() })
	wa, err := probetest.StartWeb("web.whatsapp.com")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wa.Close() })
	ctl, err := probetest.StartWeb("control.test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctl.Close() })
	p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	if err != nil || p == nil {
		t.Fatal(err)
	}
	p.Detection = &plan.Detection{
		Resolvers: []string{dns.Addr()},
		Controls:  plan.ProbeTargets{TCP: []string{ctl.Addr()}, HTTPS: []string{ctl.URL() + "/"}},
		Dependencies: []plan.DependencyProbes{{ID: "whatsapp", ProbeTargets: plan.ProbeTargets{
			DNS: []string{"g.whatsapp.net", "web.whatsapp.com"}, TCP: []string{wa.Addr()},
			HTTPS: []string{wa.URL() + "/"}, WebSocket: []string{wa.WebSocketURL()}}}},
	}
	roots := x509.NewCertPool()
	var pems bytes.Buffer
	for _, s := range []*probetest.WebServer{wa, ctl} {
		roots.AddCert(s.Leaf())
		_ = pem.Encode(&pems, &pem.Block{Type: "CERTIFICATE", Bytes: s.Leaf().Raw})
	}
	l := &agentLab{tokens: map[string]string{}, caFile: filepath.Join(t.TempDir(), "ca.pem")}
	if err := os.WriteFile(l.caFile, pems.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	db := storetest.OpenSQLite(t, true)
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
	l.watcher, err = watch.New(watch.Options{Plan: func() *plan.Plan { return p }, Incidents: svc, RootCAs: roots, ProbeTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	accounts := account.NewStore(db)
	srv := &api.Server{Auth: &auth.Authenticator{Accounts: accounts, Sessions: auth.NewSessions([]byte(strings.Repeat("k", 32)), false, nil)},
		Incidents: svc, Plan: func() *plan.Plan { return p }, Logger: slog.New(slog.DiscardHandler), Detection: l.watcher}
	mux := http.NewServeMux()
	srv.Routes(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	l.url = hs.URL
	for _, name := range agents {
		u, err := accounts.Create(context.Background(), "test", account.User{Username: "agent-" + name, Role: account.RoleResponder}, "password of "+name)
		if err != nil {
			t.Fatal(err)
		}
		if l.tokens[name], _, err = accounts.CreateToken(context.Background(), "test", u.ID, "probe agent", account.ScopeWrite, 0); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// whatsapp returns detection's view of WhatsApp.
func (l *agentLab) whatsapp(t *testing.T) watch.DependencyStatus {
	t.Helper()
	for _, s := range l.watcher.Status() {
		if s.Dependency == "whatsapp" {
			return s
		}
	}
	return watch.DependencyStatus{}
}

// settle runs the local probes once, then enough evaluations for the
// hysteresis to move in either direction.
func (l *agentLab) settle(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	l.watcher.RunOnce(ctx)
	for range 14 {
		l.watcher.Evaluate(ctx, time.Now())
	}
	return l.whatsapp(t).State
}

// push posts one round of an agent that sees every WhatsApp probe succeed
// or fail, with its own controls OK or failing.
func (l *agentLab) push(t *testing.T, agent string, whatsappOK, controlsOK bool) {
	t.Helper()
	cfg, err := l.watcher.AgentConfig()
	if err != nil {
		t.Fatal(err)
	}
	b := watch.Batch{Agent: agent}
	for _, p := range cfg.Probes {
		r := watch.RemoteResult{Probe: p.Name, Family: string(p.Family), Dependency: p.Dependency, Control: p.Control, Target: p.Target,
			Start: time.Now().Add(-time.Second), LatencyMS: 3, OK: (p.Control && controlsOK) || (!p.Control && whatsappOK)}
		if !r.OK {
			r.Class, r.Detail = "refused", "connection refused"
		}
		b.Results = append(b.Results, r)
	}
	body, _ := json.Marshal(b)
	req, _ := http.NewRequest("POST", l.url+"/api/v1/detect/results", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+l.tokens[agent])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("push of %s: %s", agent, resp.Status)
	}
}

func TestProbeAgentEndToEnd(t *testing.T) {
	l := newAgentLab(t, "paris-1", "ok-1", "bad-1", "bad-2", "bad-3", "bad-4", "bad-5")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, _, errw := testEnv(map[string]string{"VIGIE_AGENT_TOKEN": l.tokens["paris-1"]})
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"probe-agent", "--server", l.url, "--name", "paris-1", "--interval", "300ms", "--push-every", "150ms",
			"--timeout", "500ms", "--ca-file", l.caFile}, env)
	}()

	// The agent's probes reach the server as the vantage paris-1, every
	// family of WhatsApp and the controls, all OK.
	want := map[string]bool{"controls/tcp": true, "controls/https": true, "controls/tls": true, "whatsapp/dns": true, "whatsapp/tcp": true,
		"whatsapp/tls": true, "whatsapp/https": true, "whatsapp/websocket": true}
	deadline := time.Now().Add(15 * time.Second)
	for {
		seen := map[string]bool{}
		for _, s := range l.watcher.Status() {
			for _, r := range s.Probes {
				if watch.VantageOf(r) != "paris-1" {
					continue
				}
				if !r.OK {
					t.Fatalf("remote probe failed against healthy servers: %+v", r)
				}
				parts := strings.SplitN(strings.TrimPrefix(r.Probe, "paris-1/"), "/", 3)
				seen[parts[0]+"/"+parts[1]] = true
			}
		}
		if len(seen) == len(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("remote vantages seen after 15 s: %v; stderr:\n%s", seen, errw.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := l.settle(t); st != "operational" {
		t.Fatalf("state with the local and the paris-1 probes OK: %s (%s)", st, l.whatsapp(t).Explanation)
	}

	// A third vantage sees WhatsApp up, two more see it down: three
	// against two, the majority holds the state.
	l.push(t, "ok-1", true, true)
	l.push(t, "bad-1", false, true)
	l.push(t, "bad-2", false, true)
	if st := l.settle(t); st != "operational" {
		t.Fatalf("two failing agents out of five vantages flipped the state to %s (%s)", st, l.whatsapp(t).Explanation)
	}
	// An agent whose own controls fail says nothing about WhatsApp
	// (otherwise three against three would make the state unknown).
	l.push(t, "bad-3", false, false)
	if st := l.settle(t); st != "operational" {
		t.Fatalf("an agent with its own link down moved the state to %s (%s)", st, l.whatsapp(t).Explanation)
	}
	// Two more agents with working links make the majority: down.
	l.push(t, "bad-4", false, true)
	l.push(t, "bad-5", false, true)
	if st := l.settle(t); st != "major_outage" {
		t.Fatalf("four failing agents out of seven vantages: %s (%s)", st, l.whatsapp(t).Explanation)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("probe-agent exited %d:\n%s", code, errw.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("probe-agent did not stop within 10 s of the interrupt")
	}
	log := errw.String()
	if !strings.Contains(log, "probe agent stopped") || strings.Contains(log, "pushed=0") {
		t.Errorf("final log line: %s", log)
	}
	if strings.Contains(log, l.tokens["paris-1"]) {
		t.Error("the token appears in the agent's log")
	}
}

func TestProbeAgentRefusedToken(t *testing.T) {
	l := newAgentLab(t)
	env, _, errw := testEnv(map[string]string{"VIGIE_AGENT_TOKEN": "vigie_not-a-token"})
	code := Run(context.Background(), []string{"probe-agent", "--server", l.url, "--name", "x"}, env)
	if code != 1 || !strings.Contains(errw.String(), "401") {
		t.Fatalf("bad token: exit %d\n%s", code, errw.String())
	}
	env, _, errw = testEnv(nil)
	if code := Run(context.Background(), []string{"probe-agent", "--server", l.url}, env); code != 2 || !strings.Contains(errw.String(), "VIGIE_AGENT_TOKEN") {
		t.Fatalf("no token: exit %d\n%s", code, errw.String())
	}
}
