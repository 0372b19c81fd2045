// Package testpeer starts the real local servers that tests talk to —
// Mailpit (an SMTP server with an HTTP API), web-push-testing (a push
// service that checks VAPID and decrypts RFC 8291 messages),
// telegram-test-api (a Telegram Bot API server) and aws-ses-v2-local (the
// SES v2 API) — each on a free loopback port, stopped when the test ends.
//
// .ci/run installs them (Mailpit with go install, the others with npm in
// the peers directory). A test that needs a peer that is not installed is
// skipped with the command that installs it, or fails when
// VIGIE_REQUIRE_PEERS=1, as in CI.
package testpeer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Dir is where the npm peers are installed: $VIGIE_PEERS_DIR, or
// ~/.cache/vigie-peers.
func Dir() string {
	if d := os.Getenv("VIGIE_PEERS_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "vigie-peers")
	}
	return filepath.Join(home, ".cache", "vigie-peers")
}

// missing skips the test, or fails it when peers are required.
func missing(t testing.TB, what, install string) {
	t.Helper()
	msg := fmt.Sprintf("%s is not installed (%s; .ci/run does it)", what, install)
	if os.Getenv("VIGIE_REQUIRE_PEERS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// nodePackage returns the directory of an npm package in the peers
// directory, skipping the test when it (or node) is missing.
func nodePackage(t testing.TB, pkg string) string {
	t.Helper()
	dir := filepath.Join(Dir(), "node_modules", pkg)
	install := "npm install --prefix " + Dir() + " " + pkg
	if _, err := exec.LookPath("node"); err != nil {
		missing(t, "node", "apt-get install nodejs npm")
	}
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		missing(t, pkg, install)
	}
	return dir
}

// freePort returns a loopback TCP port nobody listens on.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start runs cmd in its own process group until the test ends, and waits
// (at most 30 s) until ready reports no error.
func start(t testing.TB, name string, cmd *exec.Cmd, ready func() error) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Errorf("%s did not stop", name)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ready()
		if err == nil {
			return
		}
		select {
		case werr := <-exited:
			t.Fatalf("%s exited before it was ready (%v):\n%s", name, werr, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within 30 s: %v\n%s", name, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// httpClient is the peers' API client: loopback only, bounded in time.
var httpClient = &http.Client{Timeout: 10 * time.Second}

// callJSON sends body (JSON, when not nil) to url and decodes a 200
// answer into v (when not nil).
func callJSON(ctx context.Context, method, url string, body, v any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	if v == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("%s %s: %w", method, url, err)
	}
	return nil
}

// statusOK answers nil when url answers 2xx.
func statusOK(ctx context.Context, method, url string) error {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	return nil
}

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
