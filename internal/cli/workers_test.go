package cli

import (
	"database/sql"
	"fmt"
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

// TestWorkersShareTheFanOut starts a web process and two worker processes
// (`vigie serve --role …`) on one PostgreSQL database, publishes an
// acknowledgement to 10,000 webhook recipients through the web process,
// and checks that both workers sent part of it and that every recipient
// got exactly one message.
func TestWorkersShareTheFanOut(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	if testing.Short() {
		t.Skip("three processes on PostgreSQL")
	}
	const n = 10000
	secret := "workers-test-webhook-secret-0123456789"
	sink := webhooktest.Start(t, []byte(secret))
	dir := t.TempDir()
	env := []string{"VIGIE_DATABASE_URL=" + dbURL, "VIGIE_SECRET_KEY=" + strings.Repeat("w", 40), "VIGIE_WEBHOOK_SECRET=" + secret,
		"VIGIE_ALLOW_PRIVATE_TARGETS=true", "VIGIE_LOG_LEVEL=warn"}
	web := freeAddr(t)
	a := startChild(t, env, "serve", "--role", "web", "--listen", web, "--data", filepath.Join(dir, "web"))
	waitReady(t, "http://"+web, a)
	for i := range 2 {
		addr := freeAddr(t)
		w := startChild(t, env, "serve", "--role", "worker", "--listen", addr, "--data", filepath.Join(dir, fmt.Sprint("worker", i)))
		waitReady(t, "http://"+addr, w)
		if resp, err := http.Get("http://" + addr + "/fr/"); err != nil || resp.StatusCode != 404 {
			t.Fatalf("a worker serves the status page: %v %v", resp, err)
		}
	}
	var people strings.Builder
	people.WriteString("channel,address,lang\n")
	for i := range n {
		fmt.Fprintf(&people, "webhook,%s/r/%d,fr\n", sink.URL(), i)
	}
	csvPath := filepath.Join(dir, "people.csv")
	if err := os.WriteFile(csvPath, []byte(people.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, args := range [][]string{
		{"audience", "import", csvPath, "--source", "test", "--wording", "v1"},
		{"user", "add", "--username", "marie", "--role", "commander", "--person", "marie"},
		{"token", "create", "--user", "marie", "--scope", "write"},
	} {
		exe, _ := os.Executable()
		cmd := exec.Command(exe, append(args, "--data", filepath.Join(dir, "cli"))...)
		cmd.Env = append(append(os.Environ(), "VIGIE_TEST_AS_BINARY=1", "VIGIE_DETECT=false"), env...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("vigie %v: %v\n%s", args, err, b)
		}
		out.Write(b)
	}
	token := regexp.MustCompile(`vigie_[A-Za-z0-9_-]+`).FindString(out.String())
	req, _ := http.NewRequest("POST", "http://"+web+"/api/v1/incidents", strings.NewReader(`{"scenario":"whatsapp-outage","auto_publish":true}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("declare: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(120 * time.Second)
	for len(sink.Deliveries()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d recipients reached\nweb: %s", len(sink.Deliveries()), n, a.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	perPath := map[string]int{}
	for _, d := range sink.Deliveries() {
		perPath[d.Path]++
	}
	if len(perPath) != n || len(sink.Deliveries()) != n || sink.Duplicates() != 0 {
		t.Fatalf("%d recipients, %d messages, %d duplicates; want %d, %d, 0", len(perPath), len(sink.Deliveries()), sink.Duplicates(), n, n)
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT locked_by, count(*) FROM delivery_jobs GROUP BY locked_by`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	split := map[string]int{}
	for rows.Next() {
		var by string
		var c int
		if err := rows.Scan(&by, &c); err != nil {
			t.Fatal(err)
		}
		split[by] = c
	}
	if len(split) != 2 {
		t.Fatalf("jobs per process %v: want the two workers to share them (and the web process none)", split)
	}
	t.Logf("jobs per worker: %v", split)
}

func TestRoleNeedsPostgres(t *testing.T) {
	code, _, errw := runIn(t, "", "serve", "--role", "worker", "--data", filepath.Join(t.TempDir(), "data"))
	if code != 2 || !strings.Contains(errw, "needs PostgreSQL") {
		t.Fatalf("worker on SQLite: %d %s", code, errw)
	}
}
