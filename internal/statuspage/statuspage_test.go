package statuspage

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/maintenance"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/userreport"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

// flakySource fails on demand, to test serving through a database outage,
// and can hold the next read until released, to test overlapping rebuilds.
type flakySource struct {
	Source
	mu   sync.Mutex
	down bool
	hold chan struct{} // when set, the next List reads, then waits for it
	held chan struct{} // closed once that List has read
}

func (f *flakySource) List(ctx context.Context, l incident.ListFilter) ([]incident.Incident, error) {
	f.mu.Lock()
	down, hold, held := f.down, f.hold, f.held
	f.hold, f.held = nil, nil
	f.mu.Unlock()
	if down {
		return nil, errors.New("database unreachable")
	}
	list, err := f.Source.List(ctx, l)
	if hold != nil {
		close(held)
		<-hold
	}
	return list, err
}

type fixture struct {
	svc    *incident.Service
	page   *Server
	src    *flakySource
	url    string
	clock  func() time.Time
	plan   *plan.Plan
	maint  *maintenance.Service
	marie  incident.Actor
	cancel context.CancelFunc
}

var fixedNow = time.Date(2026, 11, 25, 14, 40, 0, 0, time.UTC)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db := storetest.OpenSQLite(t, true)
	p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	if err != nil || p == nil {
		t.Fatal(err)
	}
	now := func() time.Time { return fixedNow }
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{Now: now})
	src := &flakySource{Source: svc}
	reports := userreport.NewStore(db, now)
	maint := maintenance.NewService(db, func() *plan.Plan { return p }, now, nil)
	page := New(Options{Source: src, Reports: reports, Maintenances: maint, Plan: func() *plan.Plan { return p }, Events: svc.Hub(), BaseURL: "https://status.cafe-express.fr",
		Now: now, ClientKey: func(r *http.Request) string { return r.Header.Get("X-Test-Client") }})
	if err := page.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	page.Routes(mux)
	hs := httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { page.Run(ctx); close(stopped) }()
	// Run may be rebuilding (and exporting) when the test ends: wait for it.
	t.Cleanup(func() { cancel(); <-stopped; hs.Close() })
	return &fixture{svc: svc, page: page, src: src, url: hs.URL, plan: p, maint: maint, cancel: cancel, marie: incident.Actor{Username: "marie", Person: "marie", Role: "commander"}}
}

// outage declares the WhatsApp outage and publishes its pre-approved
// acknowledgements, as on 15:40:50 in the story.
func (f *fixture) outage(t testing.TB) incident.Incident {
	t.Helper()
	inc := f.declareOutage(t)
	if err := f.page.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return inc
}

// declareOutage declares the WhatsApp outage and publishes its
// pre-approved messages, without rebuilding the page.
func (f *fixture) declareOutage(t testing.TB) incident.Incident {
	t.Helper()
	res, err := f.svc.Declare(context.Background(), f.marie, incident.DeclareInput{Scenario: "whatsapp-outage"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Drafts {
		if d.PreApproved {
			if _, err := f.svc.Publish(context.Background(), f.marie, d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	return res.Incident
}

func get(t testing.TB, u string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/statuspage -update)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from its golden file (rerun with -update if intended)", name)
	}
}

func TestGoldenPagesAndJSON(t *testing.T) {
	f := newFixture(t)
	for _, lang := range []string{"fr", "en"} {
		_, body := get(t, f.url+"/"+lang+"/")
		golden(t, "page-calm-"+lang+".html", body)
	}
	_, calm := get(t, f.url+"/api/v2/summary.json")
	golden(t, "summary-calm.json", calm)
	for _, lang := range []string{"fr", "en"} {
		resp, body := get(t, f.url+"/"+lang+"/faq/")
		if resp.StatusCode != 200 || !strings.Contains(string(body), `id="faq-filter"`) || strings.Count(string(body), "<details id=\"faq-") < 10 {
			t.Fatalf("FAQ page %s: %d", lang, resp.StatusCode)
		}
		golden(t, "faq-"+lang+".html", body)
		_, page := get(t, f.url+"/"+lang+"/")
		if !strings.Contains(string(page), `href="/`+lang+`/faq/"`) {
			t.Fatalf("the %s status page does not link its FAQ page", lang)
		}
	}
	f.outage(t)
	for _, lang := range []string{"fr", "en"} {
		_, body := get(t, f.url+"/"+lang+"/")
		golden(t, "page-outage-"+lang+".html", body)
	}
	for _, name := range []string{"summary.json", "status.json", "components.json", "incidents.json", "incidents/unresolved.json", "scheduled-maintenances.json"} {
		_, body := get(t, f.url+"/api/v2/"+name)
		golden(t, "v2-outage-"+strings.ReplaceAll(name, "/", "-"), body)
	}
}

func TestOutageContent(t *testing.T) {
	f := newFixture(t)
	inc := f.outage(t)
	_, fr := get(t, f.url+"/", "Accept-Language", "fr-FR,fr;q=0.9")
	page := string(fr)
	for _, want := range []string{
		"WhatsApp rencontre une panne majeure — nous restons joignables par SMS au 06 00 00 12 34.",
		`lang="fr"`, "Prochaine mise à jour avant 16:10", `href="sms:0600001234"`, "Commandes WhatsApp", `class="status s-major_outage"`,
		"Incident en cours", "/assets/live.js",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("French page lacks %q", want)
		}
	}
	if strings.Contains(page, "{{") {
		t.Error("raw template text on the page")
	}
	_, en := get(t, f.url+"/", "Accept-Language", "en-GB,en;q=0.8")
	if !strings.Contains(string(en), "WhatsApp: major outage — you can still reach us by text at 06 00 00 12 34.") {
		t.Errorf("English banner missing")
	}
	var sum struct {
		Status     struct{ Indicator, Description string }
		Components []struct{ ID, Name, Status string }
		Incidents  []struct {
			ID, Name, Status, Impact string
			IncidentUpdates          []struct{ Body string } `json:"incident_updates"`
		}
	}
	_, raw := get(t, f.url+"/api/v2/summary.json")
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Status.Indicator != "critical" || len(sum.Incidents) != 1 || sum.Incidents[0].Status != "investigating" || sum.Incidents[0].Impact != "critical" || len(sum.Incidents[0].IncidentUpdates) == 0 {
		t.Fatalf("summary: %+v", sum)
	}
	statuses := map[string]string{}
	for _, c := range sum.Components {
		statuses[c.ID] = c.Status
	}
	if statuses["whatsapp-orders"] != "major_outage" || statuses["delivery"] != "operational" {
		t.Errorf("component statuses %v", statuses)
	}
	// Resolution puts everything back and moves the incident to history.
	if _, err := f.svc.Transition(context.Background(), f.marie, inc.ID, incident.Resolved, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.page.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, raw = get(t, f.url+"/api/v2/status.json")
	if !strings.Contains(string(raw), `"indicator":"none"`) {
		t.Errorf("after resolution: %s", raw)
	}
	_, rss := get(t, f.url+"/history.rss")
	if !strings.Contains(string(rss), "<title>Panne WhatsApp</title>") {
		t.Errorf("RSS lacks the incident: %s", rss)
	}
	_, atom := get(t, f.url+"/history.atom")
	if !strings.Contains(string(atom), "<entry>") {
		t.Errorf("Atom lacks the incident")
	}
}

func TestDrillNeverPublic(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Declare(context.Background(), incident.System, incident.DeclareInput{Scenario: "whatsapp-outage", Drill: true, AutoPublish: true}); err != nil {
		t.Fatal(err)
	}
	if err := f.page.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, body := get(t, f.url+"/fr/")
	if strings.Contains(string(body), "Incident en cours") || !strings.Contains(string(body), "Tous nos services fonctionnent normalement") {
		t.Fatal("a drill shows on the public page")
	}
}

func TestCachingHeaders(t *testing.T) {
	f := newFixture(t)
	resp, body := get(t, f.url+"/api/v2/summary.json", "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("ETag") == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "stale-if-error") {
		t.Fatalf("headers %v", resp.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !json.Valid(plain) {
		t.Fatal("gzip body is not the JSON")
	}
	resp2, _ := get(t, f.url+"/api/v2/summary.json", "Accept-Encoding", "gzip", "If-None-Match", resp.Header.Get("ETag"))
	if resp2.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", resp2.StatusCode)
	}
	resp3, br := get(t, f.url+"/fr/", "Accept-Encoding", "br, gzip")
	if resp3.Header.Get("Content-Encoding") != "br" || len(br) == 0 {
		t.Fatalf("brotli: %v", resp3.Header)
	}
	resp4, _ := get(t, f.url+"/", "Accept-Language", "en")
	if !strings.Contains(resp4.Header.Get("Vary"), "Accept-Language") || resp4.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("root headers %v", resp4.Header)
	}
	if resp, _ := get(t, f.url+"/api/v2/nope.json"); resp.StatusCode != 404 {
		t.Fatalf("unknown API path: %d", resp.StatusCode)
	}
}

func TestServesLastSnapshotWhenDatabaseIsDown(t *testing.T) {
	f := newFixture(t)
	f.outage(t)
	f.src.mu.Lock()
	f.src.down = true
	f.src.mu.Unlock()
	if err := f.page.Refresh(context.Background()); err == nil {
		t.Fatal("refresh hid the failure")
	}
	resp, body := get(t, f.url+"/fr/")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Informations peut-être anciennes") || !strings.Contains(string(body), "Panne WhatsApp") {
		t.Fatalf("stale page: %d", resp.StatusCode)
	}
	if resp, _ := get(t, f.url+"/api/v2/summary.json"); resp.StatusCode != 200 {
		t.Fatalf("summary during outage: %d", resp.StatusCode)
	}
}

// A rebuild that read the database before a change must not replace the
// snapshot of a rebuild that read it after.
func TestOverlappingRebuildsKeepTheNewestState(t *testing.T) {
	f := newFixture(t)
	hold, held := make(chan struct{}), make(chan struct{})
	f.src.mu.Lock()
	f.src.hold, f.src.held = hold, held
	f.src.mu.Unlock()
	older := make(chan error, 1)
	go func() { older <- f.page.Refresh(context.Background()) }()
	<-held // the older rebuild has read: no incident yet

	f.declareOutage(t)
	newer := make(chan error, 1)
	go func() { newer <- f.page.Refresh(context.Background()) }()
	// Let the newer rebuild finish if nothing stops it, then release the
	// older one.
	select {
	case err := <-newer:
		newer <- err
	case <-time.After(300 * time.Millisecond):
	}
	close(hold)
	for _, ch := range []chan error{older, newer} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	_, body := get(t, f.url+"/fr/")
	if !strings.Contains(string(body), "Panne WhatsApp") {
		t.Fatal("the page went back to the state read before the declaration")
	}
}

func TestLiveUpdatesOverSSE(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.url+"/events?lang=fr", nil)
	req.Header.Set("Last-Event-ID", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("content type %s", resp.Header.Get("Content-Type"))
	}
	events := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				events <- sc.Text()
			}
		}
		close(events)
	}()
	// The stale Last-Event-ID gets the current state at once.
	select {
	case first := <-events:
		if !strings.Contains(first, "Tous nos services") {
			t.Fatalf("first event %s", first)
		}
	case <-ctx.Done():
		t.Fatal("no catch-up event")
	}
	if _, err := f.svc.Declare(context.Background(), f.marie, incident.DeclareInput{Scenario: "whatsapp-outage"}); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("stream closed")
			}
			if strings.Contains(ev, "Panne WhatsApp") {
				return
			}
		case <-ctx.Done():
			t.Fatal("the declaration never reached the open page")
		}
	}
}

func TestReportAProblem(t *testing.T) {
	f := newFixture(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 5 * time.Second}
	post := func(client string, form url.Values, accept string) *http.Response {
		req, _ := http.NewRequest("POST", f.url+"/report", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Test-Client", client)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	form := url.Values{"dependency": {"whatsapp"}, "category": {"send"}, "lang": {"fr"}}
	if resp := post("a", form, ""); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/fr/#reported" {
		t.Fatalf("form post: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	post("a", form, "")                 // same client: counted once
	post("b", form, "application/json") // another client
	bot := url.Values{"dependency": {"whatsapp"}, "website": {"http://spam"}}
	if resp := post("c", bot, ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("honeypot answered %d", resp.StatusCode)
	}
	if resp := post("d", url.Values{"dependency": {"myspace"}}, "application/json"); resp.StatusCode != 422 {
		t.Fatalf("unknown dependency: %d", resp.StatusCode)
	}
	if resp := post("d", url.Values{"dependency": {"whatsapp"}, "category": {"<script>"}}, ""); resp.StatusCode != 422 {
		t.Fatalf("unknown category: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, body := get(t, f.url+"/fr/")
		if strings.Contains(string(body), `data-dependency="whatsapp">2 signalements`) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, body := get(t, f.url+"/fr/")
	t.Fatalf("page does not count 2 reports:\n%s", body)
}

func TestExportWritesTheSite(t *testing.T) {
	f := newFixture(t)
	f.outage(t)
	dir := t.TempDir()
	n, err := f.page.Snapshot().WriteDir(dir)
	if err != nil || n == 0 {
		t.Fatalf("export: %d %v", n, err)
	}
	for _, rel := range []string{"index.html", "index.html.gz", "index.html.br", "fr/index.html", "en/index.html", "api/v2/summary.json", "api/v2/incidents/unresolved.json", "history.rss", "assets/live.js", "badge.svg", "widget.js"} {
		if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
			t.Errorf("export lacks %s", rel)
		}
	}
	live, _, _ := f.page.Snapshot().Body("/api/v2/summary.json")
	exported, _ := os.ReadFile(filepath.Join(dir, "api/v2/summary.json"))
	if string(live) != string(exported) {
		t.Error("exported summary differs from the served one")
	}
	if n, err := f.page.Snapshot().WriteDir(dir); err != nil || n != 0 {
		t.Errorf("second export rewrote %d files (%v)", n, err)
	}
}

func TestAcceptsEncoding(t *testing.T) {
	for _, tc := range []struct {
		header, enc string
		want        bool
	}{
		{"gzip, deflate, br", "br", true}, {"gzip", "br", false}, {"br;q=0, gzip", "br", false}, {"br;q=0.5", "br", true},
		{"GZIP", "gzip", true}, {"", "gzip", false}, {"gzip;q=0.0", "gzip", false}, {" br ", "br", true},
	} {
		if got := acceptsEncoding(tc.header, tc.enc); got != tc.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v", tc.header, tc.enc, got)
		}
	}
}

func TestExportOnEveryChange(t *testing.T) {
	dir := t.TempDir() // removed after the fixture's server has stopped
	f := newFixture(t)
	f.page.o.ExportDir = dir
	if err := f.page.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	calm, err := os.ReadFile(filepath.Join(dir, "api/v2/status.json"))
	if err != nil || !strings.Contains(string(calm), `"indicator":"none"`) {
		t.Fatalf("first export: %s %v", calm, err)
	}
	f.outage(t)
	out, _ := os.ReadFile(filepath.Join(dir, "api/v2/status.json"))
	if !strings.Contains(string(out), `"indicator":"critical"`) {
		t.Fatalf("export not updated: %s", out)
	}
}
