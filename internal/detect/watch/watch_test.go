package watch

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/detect/probe/probetest"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/statuspage"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/userreport"
)

// lab is the Café Express plan watching local stand-ins: a DNS server, a
// "WhatsApp" web server (HTTPS + WebSocket) and a "control" web server.
type lab struct {
	dns       *probetest.DNSServer
	whatsapp  *probetest.WebServer
	control   *probetest.WebServer
	clock     *probetest.Clock
	watcher   *Watcher
	incidents *incident.Service
	page      *statuspage.Server
	pageURL   string
	pages     []string
}

func newLab(t *testing.T) *lab {
	t.Helper()
	l := &lab{}
	var err error
	if l.dns, err = probetest.StartDNS(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.dns.Close() })
	if l.whatsapp, err = probetest.StartWeb("web.whatsapp.com"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.whatsapp.Close() })
	if l.control, err = probetest.StartWeb("control.test"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.control.Close() })
	p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	if err != nil || p == nil {
		t.Fatal(err)
	}
	p.Detection = &plan.Detection{
		Resolvers: []string{l.dns.Addr()},
		Controls:  plan.ProbeTargets{TCP: []string{l.control.Addr()}, HTTPS: []string{l.control.URL() + "/"}},
		Dependencies: []plan.DependencyProbes{{ID: "whatsapp", ProbeTargets: plan.ProbeTargets{
			DNS: []string{"g.whatsapp.net", "web.whatsapp.com"}, TCP: []string{l.whatsapp.Addr()},
			HTTPS: []string{l.whatsapp.URL() + "/"}, WebSocket: []string{l.whatsapp.WebSocketURL()}}}},
	}
	for i := range p.Scenarios {
		if p.Scenarios[i].ID == "whatsapp-outage" && (!p.Scenarios[i].AutoDeclare || !p.Scenarios[i].AutoPublish) {
			t.Fatal("the example plan should let detection declare the WhatsApp outage and publish its acknowledgement")
		}
	}
	db := storetest.OpenSQLite(t, true)
	l.clock = probetest.NewClock(time.Date(2026, 11, 25, 15, 38, 0, 0, time.UTC))
	l.incidents = incident.NewService(db, func() *plan.Plan { return p }, incident.Options{Now: l.clock.Now})
	roots := x509.NewCertPool()
	roots.AddCert(l.whatsapp.Leaf())
	roots.AddCert(l.control.Leaf())
	l.watcher, err = New(Options{Plan: func() *plan.Plan { return p }, Incidents: l.incidents, Clock: l.clock, RootCAs: roots, ProbeTimeout: 300 * time.Millisecond,
		Page: func(_ context.Context, subject, _ string) { l.pages = append(l.pages, subject) }})
	if err != nil {
		t.Fatal(err)
	}
	l.page = statuspage.New(statuspage.Options{Source: l.incidents, Reports: userreport.NewStore(db, l.clock.Now), Plan: func() *plan.Plan { return p },
		BaseURL: "https://status.cafe-express.fr", Now: l.clock.Now})
	mux := http.NewServeMux()
	l.page.Routes(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	l.pageURL = hs.URL
	return l
}

// run drives detection for d of virtual time: probes every 15 s,
// evaluations every 5 s.
func (l *lab) run(t *testing.T, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	for step := time.Duration(0); step < d; step += 5 * time.Second {
		if step%(15*time.Second) == 0 {
			l.watcher.RunOnce(ctx)
		}
		l.watcher.Evaluate(ctx, l.clock.Now())
		l.clock.Advance(5 * time.Second)
	}
}

func (l *lab) open(t *testing.T) []incident.Incident {
	t.Helper()
	list, err := l.incidents.List(context.Background(), incident.ListFilter{Open: true})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestWhatsAppDownIsDeclaredAndAcknowledgedWithoutAnyone(t *testing.T) {
	l := newLab(t)
	if n := l.watcher.Probes(); n < 8 {
		t.Fatalf("%d probes built from the plan", n)
	}
	l.run(t, 2*time.Minute)
	if open := l.open(t); len(open) != 0 {
		t.Fatalf("declared while everything works: %+v", open)
	}
	if err := l.whatsapp.SetMode(probetest.WebDown); err != nil {
		t.Fatal(err)
	}
	down := l.clock.Now()
	l.run(t, 90*time.Second)
	open := l.open(t)
	if len(open) != 1 || open[0].Scenario != "whatsapp-outage" {
		t.Fatalf("open incidents after WhatsApp went down: %+v", open)
	}
	if took := open[0].DeclaredAt.Sub(down); took > 60*time.Second {
		t.Errorf("declared %s after the failure, target 60 s", took)
	}
	msgs, err := l.incidents.Messages(context.Background(), open[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	published := 0
	for _, m := range msgs {
		if m.State == incident.Published {
			published++
		}
	}
	if published == 0 {
		t.Fatal("no acknowledgement was published")
	}
	if err := l.page.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(l.pageURL + "/api/v2/incidents/unresolved.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Incidents []struct {
			Updates []struct {
				Body string `json:"body"`
			} `json:"incident_updates"`
		} `json:"incidents"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || len(doc.Incidents) != 1 || len(doc.Incidents[0].Updates) == 0 ||
		!strings.Contains(doc.Incidents[0].Updates[0].Body, "WhatsApp") {
		t.Fatalf("status page after detection: %+v %v", doc, err)
	}
	st := l.watcher.Status()
	if len(st) == 0 || st[0].Dependency != "whatsapp" || st[0].State != "major_outage" || !strings.Contains(st[0].Explanation, "controls") {
		t.Fatalf("console view: %+v", st[0])
	}
	var metrics strings.Builder
	if err := l.watcher.WriteMetrics(&metrics); err != nil || !strings.Contains(metrics.String(), `vigie_dependency_state{dependency="whatsapp",state="major_outage"} 4`) {
		t.Fatalf("metrics: %v\n%s", err, metrics.String())
	}
}

func TestOurOwnNetworkDownDeclaresNothing(t *testing.T) {
	l := newLab(t)
	l.run(t, time.Minute)
	// Our link goes down: the controls fail with WhatsApp.
	for _, s := range []*probetest.WebServer{l.whatsapp, l.control} {
		if err := s.SetMode(probetest.WebDown); err != nil {
			t.Fatal(err)
		}
	}
	l.dns.SetMode(probetest.DNSSilent)
	l.run(t, 5*time.Minute)
	if open := l.open(t); len(open) != 0 {
		t.Fatalf("declared an outage while our own network was down: %+v", open)
	}
	if st := l.watcher.Status(); st[0].State == "major_outage" || st[0].State == "partial_outage" {
		t.Fatalf("state during our outage: %+v", st[0])
	}
}

func TestControlsOffAloneDeclareNothing(t *testing.T) {
	l := newLab(t)
	if err := l.control.SetMode(probetest.WebDown); err != nil {
		t.Fatal(err)
	}
	l.run(t, 3*time.Minute)
	if open := l.open(t); len(open) != 0 {
		t.Fatalf("declared with only the controls off: %+v", open)
	}
}
