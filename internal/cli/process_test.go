package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/webhook/webhooktest"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// TestMain lets the test binary act as the vigie binary, so tests can run
// real `vigie` child processes without building anything.
func TestMain(m *testing.M) {
	if os.Getenv("VIGIE_TEST_AS_BINARY") == "1" {
		os.Exit(Run(context.Background(), os.Args[1:], Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
	}
	os.Exit(m.Run())
}

// child runs `vigie args…` as a real process.
type child struct {
	cmd *exec.Cmd
	out *syncBuffer
}

func startChild(t *testing.T, env []string, args ...string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(append(os.Environ(), "VIGIE_TEST_AS_BINARY=1", "VIGIE_DETECT=false"), env...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, out: out}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	return c
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, base string, c *child) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never became ready:\n%s", base, c.out)
}

// TestTwoProcessesShareLiveUpdates starts two real `vigie serve` processes
// on one PostgreSQL database: an incident declared through the API of the
// first reaches a status page viewer connected to the second.
func TestTwoProcessesShareLiveUpdates(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	env := []string{"VIGIE_DATABASE_URL=" + dbURL, "VIGIE_SECRET_KEY=" + strings.Repeat("z", 40), "VIGIE_LOG_LEVEL=warn"}
	dir := t.TempDir()
	addrA, addrB := freeAddr(t), freeAddr(t)
	a := startChild(t, env, "serve", "--listen", addrA, "--data", filepath.Join(dir, "a"))
	waitReady(t, "http://"+addrA, a)
	b := startChild(t, env, "serve", "--listen", addrB, "--data", filepath.Join(dir, "b"))
	waitReady(t, "http://"+addrB, b)

	// A viewer on B.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addrB+"/events?lang=fr", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				got <- sc.Text()
			}
		}
	}()

	// A token, created by a third process, and a declaration through A's API.
	tokenOut := &syncBuffer{}
	for _, args := range [][]string{
		{"user", "add", "--username", "marie", "--role", "commander", "--person", "marie", "--data", filepath.Join(dir, "c")},
		{"token", "create", "--user", "marie", "--scope", "write", "--data", filepath.Join(dir, "c")},
	} {
		exe, _ := os.Executable()
		cmd := exec.Command(exe, args...)
		cmd.Env = append(append(os.Environ(), "VIGIE_TEST_AS_BINARY=1", "VIGIE_DETECT=false"), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("vigie %v: %v\n%s", args, err, out)
		}
		_, _ = tokenOut.Write(out)
	}
	token := regexp.MustCompile(`vigie_[A-Za-z0-9_-]+`).FindString(tokenOut.String())
	if token == "" {
		t.Fatalf("no token in %q", tokenOut.String())
	}
	decl, _ := http.NewRequest("POST", "http://"+addrA+"/api/v1/incidents", strings.NewReader(`{"scenario":"whatsapp-outage","auto_publish":true}`))
	decl.Header.Set("Authorization", "Bearer "+token)
	dresp, err := http.DefaultClient.Do(decl)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(dresp.Body)
	dresp.Body.Close()
	if dresp.StatusCode != 201 {
		t.Fatalf("declare on A: %d %s", dresp.StatusCode, body)
	}
	for {
		select {
		case ev := <-got:
			if strings.Contains(ev, "WhatsApp rencontre une panne") {
				return
			}
		case <-ctx.Done():
			t.Fatalf("the declaration on A never reached the viewer on B\nA: %s\nB: %s", a.out, b.out)
		}
	}
}

// TestKillDuringFanOut kills a real `vigie serve` (SIGKILL) in the middle of
// a fan-out to 20,000 webhook recipients, restarts it, and checks that
// every recipient received exactly one message at the sink (the sink
// deduplicates by Idempotency-Key, as providers that support it do) —
// three runs in a row.
func TestKillDuringFanOut(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 fan-out test (about a minute)")
	}
	n := 20000
	if v := os.Getenv("VIGIE_KILL_RECIPIENTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	for run := 1; run <= 3; run++ {
		t.Run(fmt.Sprintf("run%d", run), func(t *testing.T) { killRun(t, n) })
	}
}

func killRun(t *testing.T, n int) {
	secret := "kill-test-webhook-secret-0123456789"
	sink := webhooktest.Start(t, []byte(secret))
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	var csv strings.Builder
	csv.WriteString("channel,address,lang\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&csv, "webhook,%s/r/%d,fr\n", sink.URL(), i)
	}
	csvPath := filepath.Join(dir, "people.csv")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errw := runIn(t, "", "audience", "import", csvPath, "--data", data, "--source", "test", "--wording", "v1"); code != 0 {
		t.Fatalf("import: %s %s", out, errw)
	}
	if code, _, errw := runIn(t, "pw-of-marie-123\n", "user", "add", "--data", data, "--username", "marie", "--role", "commander", "--person", "marie", "--password-stdin"); code != 0 {
		t.Fatal(errw)
	}
	_, out, _ := runIn(t, "", "token", "create", "--data", data, "--user", "marie", "--scope", "write")
	token := regexp.MustCompile(`vigie_[A-Za-z0-9_-]+`).FindString(out)
	env := []string{"VIGIE_WEBHOOK_SECRET=" + secret, "VIGIE_ALLOW_PRIVATE_TARGETS=true", "VIGIE_SECRET_KEY=" + strings.Repeat("k", 40), "VIGIE_LOG_LEVEL=warn"}
	addr := freeAddr(t)
	base := "http://" + addr
	first := startChild(t, env, "serve", "--listen", addr, "--data", data)
	waitReady(t, base, first)
	req, _ := http.NewRequest("POST", base+"/api/v1/incidents", strings.NewReader(`{"scenario":"whatsapp-outage","auto_publish":true}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("declare: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(90 * time.Second)
	for len(sink.Deliveries()) < n/4 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d deliveries before the kill; serve said:\n%s", len(sink.Deliveries()), first.out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()
	atKill := len(sink.Deliveries())
	if atKill >= n {
		t.Fatalf("the fan-out finished (%d) before the kill: nothing was tested", atKill)
	}
	second := startChild(t, env, "serve", "--listen", addr, "--data", data)
	waitReady(t, base, second)
	deadline = time.Now().Add(120 * time.Second)
	for len(sink.Deliveries()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d recipients reached after the restart (killed at %d)\n%s", len(sink.Deliveries()), n, atKill, second.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // nothing more should arrive
	perPath := map[string]int{}
	for _, d := range sink.Deliveries() {
		perPath[d.Path]++
	}
	if len(perPath) != n || len(sink.Deliveries()) != n {
		t.Fatalf("%d distinct recipients, %d messages; want %d each", len(perPath), len(sink.Deliveries()), n)
	}
	for p, c := range perPath {
		if c != 1 {
			t.Fatalf("%s received %d messages", p, c)
		}
	}
	t.Logf("killed at %d/%d, every recipient reached once (%d retransmissions deduplicated by the sink)", atKill, n, sink.Duplicates())
}
