package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reading test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testEnv(vars map[string]string) (Env, *syncBuffer, *syncBuffer) {
	out, errw := &syncBuffer{}, &syncBuffer{}
	return Env{
		Stdin:  strings.NewReader(""),
		Stdout: out,
		Stderr: errw,
		Getenv: func(k string) string {
			if v, ok := vars[k]; ok {
				return v
			}
			// Tests reach loopback only: the example plan's probes of
			// WhatsApp and public hosts stay off unless a test asks.
			if k == "VIGIE_DETECT" {
				return "false"
			}
			return ""
		},
	}, out, errw
}

var statusURL = regexp.MustCompile(`Status page:\s+(http://\S+)/`)

// startServe runs `vigie serve` in the background and returns its base URL
// and a function that stops it and returns its exit code.
func startServe(t *testing.T, args []string, vars map[string]string) (string, *syncBuffer, func() int) {
	t.Helper()
	return startServeReload(t, args, vars, nil)
}

func startServeReload(t *testing.T, args []string, vars map[string]string, reload chan struct{}) (string, *syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env, out, errw := testEnv(vars)
	env.Reload = reload
	done := make(chan int, 1)
	go func() { done <- Run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), env) }()
	deadline := time.After(30 * time.Second)
	for {
		if m := statusURL.FindStringSubmatch(out.String()); m != nil {
			stop := func() int {
				cancel()
				select {
				case code := <-done:
					return code
				case <-time.After(30 * time.Second):
					t.Fatal("serve did not stop within 30s of cancellation")
					return -1
				}
			}
			return m[1], out, stop
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited early with %d\nstdout: %s\nstderr: %s", code, out, errw)
		case <-deadline:
			cancel()
			t.Fatalf("serve did not print its URLs within 30s\nstdout: %s\nstderr: %s", out, errw)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
	return resp.StatusCode, body
}

func TestServeDefaults(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	base, out, stop := startServe(t, []string{"--data", data}, nil)

	if code, body := getJSON(t, base+"/healthz"); code != 200 || body["status"] != "ok" {
		t.Errorf("/healthz = %d %v, want 200 ok", code, body)
	}
	code, body := getJSON(t, base+"/readyz")
	if code != 200 || body["status"] != "ready" || body["database"] != "sqlite" {
		t.Errorf("/readyz = %d %v, want 200 ready on sqlite", code, body)
	}
	if body["schema_version"] != body["schema_expected"] {
		t.Errorf("/readyz schema %v, want %v", body["schema_version"], body["schema_expected"])
	}
	text := out.String()
	for _, want := range []string{"Admin console:", "/admin/", "one-time password", "Café Express"} {
		if !strings.Contains(text, want) {
			t.Errorf("stdout lacks %q:\n%s", want, text)
		}
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exit code %d after graceful stop", code)
	}
	if _, err := os.Stat(filepath.Join(data, "vigie.db")); err != nil {
		t.Errorf("SQLite database not in the data directory: %v", err)
	}

	// Second start: same data, no new password.
	_, out2, stop2 := startServe(t, []string{"--data", data}, nil)
	if strings.Contains(out2.String(), "one-time password") {
		t.Errorf("second start printed a new admin password:\n%s", out2)
	}
	if code := stop2(); code != 0 {
		t.Fatalf("second serve exit code %d", code)
	}
}

func TestServeRejectsBadPlanWithoutFallback(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(bad, []byte("organisation: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env, _, errw := testEnv(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := Run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--plan", bad}, env)
	if code == 0 {
		t.Fatal("serve started with a malformed plan and no stored version")
	}
	if !strings.Contains(errw.String(), "plan.yaml:") {
		t.Errorf("error does not name the file and position:\n%s", errw)
	}
}

func TestServeKeepsStoredPlanWhenNewOneIsBad(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	_, _, stop := startServe(t, []string{"--data", data}, nil)
	if code := stop(); code != 0 {
		t.Fatalf("first serve exit %d", code)
	}
	bad := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(bad, []byte("organisation:\n  name: X\n  colour_of_the_day: red\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, out, stop2 := startServe(t, []string{"--data", data, "--plan", bad}, nil)
	if !strings.Contains(out.String(), "Café Express") {
		t.Errorf("did not fall back to the stored Café Express plan:\n%s", out)
	}
	if code, _ := getJSON(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d with fallback plan", code)
	}
	if code := stop2(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServeReloadsPlanOnSignal(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../examples/minimal/plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	planPath := filepath.Join(dir, "plan.yaml")
	write := func(data string) {
		if err := os.WriteFile(planPath, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(string(src))
	reload := make(chan struct{})
	base, _, stop := startServeReload(t, []string{"--data", filepath.Join(dir, "data"), "--plan", planPath}, nil, reload)
	defer stop()
	if body := getBody(t, base+"/"); !strings.Contains(body, "Ma Boutique") {
		t.Fatalf("status page does not show the plan's organisation:\n%s", body)
	}
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if strings.Contains(getBody(t, base+"/"), want) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("status page never showed %q", want)
	}
	write(strings.Replace(string(src), "name: Ma Boutique", "name: Ma Nouvelle Boutique", 1))
	reload <- struct{}{}
	waitFor("Ma Nouvelle Boutique")

	// A broken plan is rejected and the active one stays.
	write("organisation: {name: [\n")
	reload <- struct{}{}
	reload <- struct{}{} // the second send returns once the first reload finished
	if body := getBody(t, base+"/"); !strings.Contains(body, "Ma Nouvelle Boutique") {
		t.Fatalf("a broken plan replaced the active one:\n%s", body)
	}
}

func TestServePostgres(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	dir := t.TempDir()
	base, out, stop := startServe(t, []string{"--data", dir}, map[string]string{"VIGIE_DATABASE_URL": dbURL, "VIGIE_SECRET_KEY": strings.Repeat("s", 40)})
	code, body := getJSON(t, base+"/readyz")
	if code != 200 || body["database"] != "postgres" || body["status"] != "ready" {
		t.Errorf("/readyz = %d %v, want ready on postgres", code, body)
	}
	if !strings.Contains(out.String(), "one-time password") {
		t.Errorf("no admin password on first start:\n%s", out)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "vigie.db")); err == nil {
		t.Error("a SQLite file was created although PostgreSQL was configured")
	}
}
