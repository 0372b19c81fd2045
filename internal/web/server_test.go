package web_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/app"
	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// testServer is the whole Vigie app serving on a loopback port through
// App.Serve (real timeouts and shutdown), on SQLite with the Café Express
// plan embedded in the binary.
type testServer struct {
	t   *testing.T
	app *app.App
	db  *store.DB
	URL string
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return newTestServerWith(t, app.Options{})
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// newTestServerWith starts the app with opts; setup may change the
// configuration first.
func newTestServerWith(t *testing.T, opts app.Options, setup ...func(*config.Config)) *testServer {
	t.Helper()
	db := storetest.OpenSQLite(t, true)
	cfg := config.Defaults()
	cfg.SecretKey = strings.Repeat("k", 43)
	cfg.Listen = "127.0.0.1:0"
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.Detect = false // the example plan probes WhatsApp: tests stay on loopback
	for _, f := range setup {
		f(&cfg)
	}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(addr net.Addr) { addrc <- addr }) }()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("server did not start within 10 s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("server did not stop within 10 s (live streams left open?)")
		}
	})
	return &testServer{t: t, app: a, db: db, URL: "http://" + addr.String()}
}

// addUser creates an account that needs no password change and returns
// its password.
func (s *testServer) addUser(name string, role account.Role, person string) string {
	s.t.Helper()
	pw := "correct horse battery " + name
	_, err := s.app.Accounts().Create(context.Background(), "test", account.User{Username: name, Role: role, Person: person}, pw)
	if err != nil {
		s.t.Fatalf("create %s: %v", name, err)
	}
	return pw
}

// client is a browser-like HTTP client with its own cookies.
type client struct {
	t    *testing.T
	s    *testServer
	http *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (s *testServer) client() *client {
	jar, _ := cookiejar.New(nil)
	c := &client{t: s.t, s: s, http: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	_, body := c.get("/admin/login")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		s.t.Fatalf("sign-in form without CSRF field:\n%s", body)
	}
	c.csrf = m[1]
	return c
}

// login signs a user in (creating the account) and checks the dashboard.
func (s *testServer) login(name string, role account.Role, person string) *client {
	s.t.Helper()
	pw := s.addUser(name, role, person)
	c := s.client()
	resp, body := c.post("/admin/login", url.Values{"username": {name}, "password": {pw}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/admin/" {
		s.t.Fatalf("sign-in of %s: %d at %s\n%.500s", name, resp.StatusCode, resp.Request.URL.Path, body)
	}
	return c
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *client) get(path string, header ...string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.s.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// post submits a form with the CSRF token, following the redirect.
func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	return c.postRaw(path, form)
}

// postRaw submits a form as is.
func (c *client) postRaw(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var roomPath = regexp.MustCompile(`^/admin/incidents/(\d+)$`)

// declare declares a scenario from the dashboard form and returns the
// incident id and the crisis room page.
func (c *client) declare(scenario string) (int64, string) {
	c.t.Helper()
	resp, body := c.post("/admin/incidents", url.Values{"scenario": {scenario}})
	m := roomPath.FindStringSubmatch(resp.Request.URL.Path)
	if resp.StatusCode != 200 || m == nil {
		c.t.Fatalf("declare %s: %d at %s\n%.800s", scenario, resp.StatusCode, resp.Request.URL.Path, body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id, body
}

// message returns the incident's message drafted from a template.
func (s *testServer) message(incidentID int64, template string) incident.Message {
	s.t.Helper()
	ms, err := s.app.Incidents().Messages(context.Background(), incidentID)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].TemplateID == template {
			return ms[i]
		}
	}
	s.t.Fatalf("no message from template %s in incident %d", template, incidentID)
	return incident.Message{}
}

// flashOf returns the flash message of a page.
func flashOf(body string) string {
	m := regexp.MustCompile(`(?s)<p class="flash (?:ok|error)"[^>]*>(.*?)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}
