package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runIn runs vigie with stdin and returns exit code, stdout, stderr.
func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	env, out, errw := testEnv(nil)
	env.Stdin = strings.NewReader(stdin)
	code := Run(context.Background(), args, env)
	return code, out.String(), errw.String()
}

func TestIncidentCommandsTwoPersonRule(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, u := range [][]string{{"marie", "commander"}, {"karim", "communication"}} {
		if code, out, errw := runIn(t, "password of "+u[0]+"\n", "user", "add", "--data", data, "--username", u[0], "--role", u[1], "--person", u[0], "--password-stdin"); code != 0 {
			t.Fatalf("user add %s: %d %s %s", u[0], code, out, errw)
		}
	}
	code, out, errw := runIn(t, "", "incident", "declare", "--data", data, "--scenario", "whatsapp-outage", "--as", "karim")
	if code != 0 || !strings.Contains(out, "Declared incident 1") {
		t.Fatalf("declare: %d %s %s", code, out, errw)
	}
	code, out, errw = runIn(t, "", "message", "draft", "--data", data, "--incident", "1", "--template", "wa-update-status", "--as", "karim", "--json")
	if code != 0 {
		t.Fatalf("draft: %d %s %s", code, out, errw)
	}
	var m struct {
		ID       int64 `json:"id"`
		Revision int   `json:"revision"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.ID == 0 {
		t.Fatalf("draft output: %v %s", err, out)
	}
	id := strings.TrimSpace(strings.Split(strings.Split(out, `"id": `)[1], ",")[0])
	code, _, errw = runIn(t, "", "message", "approve", id, "--revision", "1", "--data", data, "--as", "karim")
	if code != 2 || !strings.Contains(errw, "two-person") {
		t.Fatalf("author approved on the CLI: %d %s", code, errw)
	}
	code, _, errw = runIn(t, "", "message", "approve", id, "--revision", "1", "--data", data)
	if code != 2 || !strings.Contains(errw, "holds no plan role") {
		t.Fatalf("anonymous operator approved: %d %s", code, errw)
	}
	if code, out, errw := runIn(t, "", "message", "approve", id, "--revision", "1", "--data", data, "--as", "marie"); code != 0 || !strings.Contains(out, "approved") {
		t.Fatalf("approve: %d %s %s", code, out, errw)
	}
	if code, out, errw := runIn(t, "", "message", "publish", id, "--data", data, "--as", "karim"); code != 0 || !strings.Contains(out, "Published") {
		t.Fatalf("publish: %d %s %s", code, out, errw)
	}
	code, out, _ = runIn(t, "", "incident", "show", "1", "--data", data)
	for _, want := range []string{"message_published", "role commander: marie", "Tasks:"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if code, _, errw := runIn(t, "", "incident", "state", "1", "closed", "--data", data, "--as", "marie"); code != 2 || !strings.Contains(errw, "cannot go from investigating to closed") {
		t.Fatalf("illegal transition: %d %s", code, errw)
	}
	if code, _, errw := runIn(t, "", "incident", "declare", "--data", data, "--scenario", "nope"); code != 2 || !strings.Contains(errw, "unknown scenario") {
		t.Fatalf("unknown scenario: %d %s", code, errw)
	}
	code, out, _ = runIn(t, "", "token", "create", "--data", data, "--user", "marie", "--scope", "write")
	if code != 0 || !regexp.MustCompile(`vigie_[A-Za-z0-9_-]{40,}`).MatchString(out) {
		t.Fatalf("token create: %d %s", code, out)
	}
}

func TestStatuspageExport(t *testing.T) {
	dir := t.TempDir()
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "public")
	if code, _, errw := runIn(t, "", "incident", "declare", "--data", data, "--scenario", "whatsapp-outage", "--auto-publish"); code != 0 {
		t.Fatalf("declare: %s", errw)
	}
	code, stdout, errw := runIn(t, "", "statuspage", "export", out, "--data", data, "--base-url", "https://status.example")
	if code != 0 || !strings.Contains(stdout, "wrote") {
		t.Fatalf("export: %d %s %s", code, stdout, errw)
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil || !strings.Contains(string(page), "WhatsApp rencontre une panne") {
		t.Fatalf("exported page: %v", err)
	}
	rss, _ := os.ReadFile(filepath.Join(out, "history.rss"))
	if !strings.Contains(string(rss), "https://status.example/") {
		t.Fatalf("feed does not use --base-url:\n%s", rss)
	}
}

func TestAudienceImport(t *testing.T) {
	dir := t.TempDir()
	data, csvPath := filepath.Join(dir, "data"), filepath.Join(dir, "people.csv")
	if err := os.WriteFile(csvPath, []byte("channel,address,lang\nemail,a@example.org,fr\nsms,06 12 34 56 78,fr\nemail,not-an-address,fr\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errw := runIn(t, "", "audience", "import", csvPath, "--data", data, "--source", "test", "--wording", "v1")
	if code != 2 || !strings.Contains(out, "people.csv: line 4, address: not an e-mail address") || !strings.Contains(errw, "nothing imported") {
		t.Fatalf("invalid file: %d\n%s\n%s", code, out, errw)
	}
	code, out, _ = runIn(t, "", "audience", "import", csvPath, "--data", data, "--source", "test", "--wording", "v1", "--skip-invalid")
	if code != 0 || !strings.Contains(out, "2 imported") {
		t.Fatalf("skip invalid: %d %s", code, out)
	}
	if code, out, _ := runIn(t, "", "audience", "count", "--data", data); code != 0 || !strings.Contains(out, "sms        1") {
		t.Fatalf("count: %s", out)
	}
	if code, out, errw := runIn(t, "", "audience", "erase", "--data", data, "--channel", "sms", "--address", "+33 6 12 34 56 78"); code != 0 || !strings.Contains(out, "Erased") {
		t.Fatalf("erase: %d %s %s", code, out, errw)
	}
	if code, out, _ := runIn(t, "", "audience", "count", "--data", data); code != 0 || strings.Contains(out, "sms") {
		t.Fatalf("count after erase: %s", out)
	}
}
