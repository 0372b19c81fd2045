package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/api"
	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/maintenance"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

type testServer struct {
	url    string
	tokens map[string]string // username → write token
	read   string            // read-only token of marie
	svc    *incident.Service
}

var users = []struct{ name, role, person string }{
	{"admin", "admin", ""},
	{"marie", "commander", "marie"},
	{"karim", "communication", "karim"},
	{"dubois", "approver", "dubois"},
	{"lea", "responder", "lea"},
	{"guest", "viewer", ""},
}

// newTestServer runs the API on loopback over SQLite with the Café Express
// plan and one write token per user.
func newTestServer(t *testing.T) *testServer {
	t.Helper()
	db := storetest.OpenSQLite(t, true)
	p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	if err != nil || p == nil {
		t.Fatalf("plan: %v", err)
	}
	accounts := account.NewStore(db)
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
	srv := &api.Server{
		Auth:         &auth.Authenticator{Accounts: accounts, Sessions: auth.NewSessions([]byte(strings.Repeat("k", 32)), false, nil)},
		Incidents:    svc,
		Plan:         func() *plan.Plan { return p },
		Logger:       slog.New(slog.DiscardHandler),
		FailLimit:    auth.NewLimiter(1000, time.Minute, nil),
		Maintenances: maintenance.NewService(db, func() *plan.Plan { return p }, nil, nil),
	}
	mux := http.NewServeMux()
	srv.Routes(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	ts := &testServer{url: hs.URL, tokens: map[string]string{}, svc: svc}
	ctx := context.Background()
	for _, u := range users {
		created, err := accounts.Create(ctx, "test", account.User{Username: u.name, Role: account.Role(u.role), Person: u.person}, "password for "+u.name)
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := accounts.CreateToken(ctx, "test", created.ID, "test", account.ScopeWrite, 0)
		if err != nil {
			t.Fatal(err)
		}
		ts.tokens[u.name] = secret
		if u.name == "marie" {
			ts.read, _, _ = accounts.CreateToken(ctx, "test", created.ID, "ro", account.ScopeRead, 0)
		}
	}
	return ts
}

// call sends a request with token and returns status and decoded body.
func (ts *testServer) call(t *testing.T, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, _ := http.NewRequest(method, ts.url+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d non-JSON body %q", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

func TestDeclareApprovePublishFlow(t *testing.T) {
	ts := newTestServer(t)
	code, body := ts.call(t, ts.tokens["karim"], "POST", "/api/v1/incidents", map[string]any{"scenario": "whatsapp-outage"})
	if code != 201 {
		t.Fatalf("declare: %d %v", code, body)
	}
	inc := body["incident"].(map[string]any)
	id := num(inc["id"])
	if code, _ := ts.call(t, ts.tokens["karim"], "POST", "/api/v1/incidents", map[string]any{"scenario": "whatsapp-outage"}); code != 200 {
		t.Fatalf("second declaration: %d, want 200 (existing incident)", code)
	}
	code, body = ts.call(t, ts.tokens["marie"], "GET", fmt.Sprintf("/api/v1/incidents/%d", id), nil)
	if code != 200 || len(body["tasks"].([]any)) == 0 || len(body["messages"].([]any)) == 0 {
		t.Fatalf("get incident: %d %v", code, body)
	}
	// Karim drafts an update; he cannot approve it; Marie can.
	var update string
	p, _, _ := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	for _, m := range p.MessagesFor("whatsapp-outage", "update") {
		update = m.ID
		break
	}
	code, body = ts.call(t, ts.tokens["karim"], "POST", fmt.Sprintf("/api/v1/incidents/%d/messages", id), map[string]any{"template": update})
	if code != 201 {
		t.Fatalf("draft: %d %v", code, body)
	}
	msg := body["message"].(map[string]any)
	mid, rev := num(msg["id"]), num(msg["revision"])
	if msg["publishable"] != false || msg["waiting"] == "" {
		t.Fatalf("fresh draft publishable: %v", msg)
	}
	code, body = ts.call(t, ts.tokens["karim"], "POST", fmt.Sprintf("/api/v1/messages/%d/approve", mid), map[string]any{"revision": rev})
	if code != 403 || errCode(body) != "forbidden" || !strings.Contains(fmt.Sprint(body), "two-person") {
		t.Fatalf("author approval on the API: %d %v", code, body)
	}
	if code, body := ts.call(t, ts.tokens["karim"], "POST", fmt.Sprintf("/api/v1/messages/%d/publish", mid), nil); code != 403 {
		t.Fatalf("publish unapproved: %d %v", code, body)
	}
	code, body = ts.call(t, ts.tokens["marie"], "POST", fmt.Sprintf("/api/v1/messages/%d/approve", mid), map[string]any{"revision": rev, "comment": "ok"})
	if code != 200 || body["message"].(map[string]any)["state"] != "approved" {
		t.Fatalf("approve: %d %v", code, body)
	}
	code, body = ts.call(t, ts.tokens["karim"], "POST", fmt.Sprintf("/api/v1/messages/%d/publish", mid), nil)
	if code != 200 || body["message"].(map[string]any)["state"] != "published" {
		t.Fatalf("publish: %d %v", code, body)
	}
	if code, body := ts.call(t, ts.tokens["karim"], "POST", fmt.Sprintf("/api/v1/messages/%d/publish", mid), nil); code != 409 || errCode(body) != "conflict" {
		t.Fatalf("second publish: %d %v", code, body)
	}
	code, body = ts.call(t, ts.tokens["marie"], "GET", fmt.Sprintf("/api/v1/incidents/%d/timeline", id), nil)
	if code != 200 {
		t.Fatal(code)
	}
	kinds := map[string]bool{}
	var last int64
	for _, e := range body["events"].([]any) {
		ev := e.(map[string]any)
		kinds[ev["kind"].(string)] = true
		last = num(ev["id"])
	}
	for _, k := range []string{"declared", "role_assigned", "message_drafted", "message_approved", "message_published"} {
		if !kinds[k] {
			t.Errorf("timeline lacks %s", k)
		}
	}
	code, body = ts.call(t, ts.tokens["marie"], "GET", fmt.Sprintf("/api/v1/incidents/%d/timeline?after=%d", id, last), nil)
	if code != 200 || len(body["events"].([]any)) != 0 {
		t.Fatalf("after=last: %d %v", code, body)
	}
	// Illegal transition and resolution.
	if code, body := ts.call(t, ts.tokens["marie"], "POST", fmt.Sprintf("/api/v1/incidents/%d/state", id), map[string]any{"state": "closed"}); code != 409 || errCode(body) != "illegal_transition" {
		t.Fatalf("investigating → closed: %d %v", code, body)
	}
	if code, body := ts.call(t, ts.tokens["marie"], "POST", fmt.Sprintf("/api/v1/incidents/%d/state", id), map[string]any{"state": "resolved"}); code != 200 {
		t.Fatalf("resolve: %d %v", code, body)
	}
}

func TestBadInput(t *testing.T) {
	ts := newTestServer(t)
	tok := ts.tokens["marie"]
	cases := []struct {
		method, path string
		body         any
		status       int
		code, text   string
	}{
		{"POST", "/api/v1/incidents", `{"scenario": "whatsapp-outage",}`, 400, "bad_request", "malformed JSON"},
		{"POST", "/api/v1/incidents", `{"scenario": 12}`, 400, "bad_request", `field "scenario"`},
		{"POST", "/api/v1/incidents", `{"scenari": "x"}`, 400, "bad_request", `unknown field "scenari"`},
		{"POST", "/api/v1/incidents", ``, 400, "bad_request", "empty body"},
		{"POST", "/api/v1/incidents", `{"scenario": "meteor"}`, 422, "invalid", "unknown scenario"},
		{"GET", "/api/v1/incidents/abc", nil, 400, "bad_request", "not a positive integer"},
		{"GET", "/api/v1/incidents/999", nil, 404, "not_found", "not found"},
		{"POST", "/api/v1/messages/999/approve", map[string]any{"revision": 1}, 404, "not_found", "not found"},
		{"POST", "/api/v1/messages/1/approve", map[string]any{}, 400, "bad_request", "revision is required"},
		{"POST", "/api/v1/team/nobody/availability", map[string]any{"available": false}, 422, "invalid", "unknown person"},
	}
	for _, c := range cases {
		code, body := ts.call(t, tok, c.method, c.path, c.body)
		if code != c.status || errCode(body) != c.code || !strings.Contains(fmt.Sprint(body), c.text) {
			t.Errorf("%s %s %v: %d %v, want %d %s %q", c.method, c.path, c.body, code, body, c.status, c.code, c.text)
		}
	}
	if code, body := ts.call(t, "", "GET", "/api/v1/incidents", nil); code != 401 || errCode(body) != "unauthenticated" {
		t.Errorf("no token: %d %v", code, body)
	}
	if code, _ := ts.call(t, "vigie_forged", "GET", "/api/v1/incidents", nil); code != 401 {
		t.Errorf("forged token: %d", code)
	}
	if code, body := ts.call(t, ts.read, "POST", "/api/v1/incidents", map[string]any{"scenario": "ddos"}); code != 403 {
		t.Errorf("read-only token declared: %d %v", code, body)
	}
	if code, _ := ts.call(t, ts.read, "GET", "/api/v1/incidents", nil); code != 200 {
		t.Errorf("read-only token cannot read: %d", code)
	}
	// A browser POST from another site with a session-less bearer still works
	// (no cookies involved), but a cross-site browser request is refused.
	req, _ := http.NewRequest("POST", ts.url+"/api/v1/incidents", strings.NewReader(`{"scenario":"ddos"}`))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("cross-site POST: %d", resp.StatusCode)
	}
}

// TestPermissionMatrix calls every endpoint as every role and checks who
// may do what. Allowed calls may still fail on the domain's own rules (404,
// 409, 422) but never with 401/403.
func TestPermissionMatrix(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	admin := incident.Actor{Username: "admin", Role: "admin"}
	res, err := ts.svc.Declare(ctx, admin, incident.DeclareInput{Scenario: "whatsapp-outage"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Incident.ID
	tasks, _ := ts.svc.Tasks(ctx, id)
	msg := res.Drafts[0]
	type endpoint struct {
		method, path string
		body         any
		action       incident.Action
	}
	eps := []endpoint{
		{"GET", "/api/v1/incidents", nil, incident.ActRead},
		{"GET", fmt.Sprintf("/api/v1/incidents/%d", id), nil, incident.ActRead},
		{"GET", fmt.Sprintf("/api/v1/incidents/%d/timeline", id), nil, incident.ActRead},
		{"GET", fmt.Sprintf("/api/v1/incidents/%d/tasks", id), nil, incident.ActRead},
		{"GET", fmt.Sprintf("/api/v1/incidents/%d/messages", id), nil, incident.ActRead},
		{"GET", fmt.Sprintf("/api/v1/messages/%d", msg.ID), nil, incident.ActRead},
		{"POST", "/api/v1/incidents", map[string]any{"scenario": "ddos", "drill": true}, incident.ActDeclare},
		{"POST", fmt.Sprintf("/api/v1/incidents/%d/severity", id), map[string]any{"severity": "major"}, incident.ActUpdate},
		{"POST", fmt.Sprintf("/api/v1/incidents/%d/components", id), map[string]any{"component": "delivery", "status": "degraded"}, incident.ActUpdate},
		{"POST", fmt.Sprintf("/api/v1/incidents/%d/roles", id), map[string]any{"role": "technical", "person": "julien"}, incident.ActUpdate},
		{"POST", fmt.Sprintf("/api/v1/incidents/%d/state", id), map[string]any{"state": "identified"}, incident.ActUpdate},
		{"POST", fmt.Sprintf("/api/v1/incidents/%d/notes", id), map[string]any{"text": "note"}, incident.ActTask},
		{"POST", fmt.Sprintf("/api/v1/incidents/%d/reports", id), map[string]any{"conditions": "c"}, incident.ActTask},
		{"POST", fmt.Sprintf("/api/v1/tasks/%d/complete", tasks[0].ID), map[string]any{"done": true}, incident.ActTask},
		{"POST", fmt.Sprintf("/api/v1/incidents/%d/messages", id), map[string]any{"template": msg.TemplateID}, incident.ActDraft},
		{"PATCH", fmt.Sprintf("/api/v1/messages/%d", msg.ID), map[string]any{"revision": 99, "content": map[string]any{"fr": map[string]any{"text": "x"}}}, incident.ActDraft},
		{"POST", fmt.Sprintf("/api/v1/messages/%d/approve", msg.ID), map[string]any{"revision": 99}, incident.ActApprove},
		{"POST", fmt.Sprintf("/api/v1/messages/%d/reject", msg.ID), map[string]any{"revision": 99}, incident.ActApprove},
		{"POST", fmt.Sprintf("/api/v1/messages/%d/publish", 999999), nil, incident.ActPublish},
		{"POST", "/api/v1/team/hugo/availability", map[string]any{"available": true}, incident.ActAvailable},
	}
	var mu sync.Mutex
	for _, ep := range eps {
		for _, u := range users {
			mu.Lock()
			code, body := ts.call(t, ts.tokens[u.name], ep.method, ep.path, ep.body)
			mu.Unlock()
			allowed := incident.Can(u.role, ep.action)
			denied := code == 401 || code == 403 && errCode(body) == "forbidden" && strings.Contains(fmt.Sprint(body), "may not")
			if allowed == denied {
				t.Errorf("%s %s as %s (%s): %d %v; allowed=%v", ep.method, ep.path, u.name, u.role, code, body, allowed)
			}
		}
	}
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	ts := newTestServer(t)
	resp, err := http.Get(ts.url + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.OpenAPI == "" {
		t.Fatalf("openapi.json: %v", err)
	}
	src, err := readFile("api.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, `handle("`) {
			continue
		}
		pattern := strings.Split(line, `"`)[1]
		method, path, _ := strings.Cut(pattern, " ")
		if doc.Paths[path][strings.ToLower(method)] == nil {
			t.Errorf("openapi.json lacks %s %s", method, path)
		}
	}
}
