package cli

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/store"
)

// runStdin runs vigie with args and stdin and returns its exit code and output.
func runStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	env, out, errw := testEnv(nil)
	env.Stdin = strings.NewReader(stdin)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	code := Run(ctx, args, env)
	return code, out.String(), errw.String()
}

var oneTimePassword = regexp.MustCompile(`One-time password for "[^"]+".*\n\n\s+(\S{20})\n`)

// authenticate checks username/password directly against the SQLite store.
func authenticate(t *testing.T, data, username, password string) (account.User, error) {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{SQLitePath: filepath.Join(data, "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return account.NewStore(db).Authenticate(t.Context(), username, password)
}

func TestUserAddAndList(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")

	code, out, errs := runStdin(t, "", "user", "add", "--data", data, "--username", "Alice", "--role", "commander", "--email", "alice@example.com")
	if code != 0 {
		t.Fatalf("user add exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	m := oneTimePassword.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("user add did not print a generated password:\n%s", out)
	}
	u, err := authenticate(t, data, "alice", m[1])
	if err != nil || !u.MustChangePassword || u.Role != account.RoleCommander {
		t.Fatalf("generated password: %+v, %v", u, err)
	}

	code, out, errs = runStdin(t, "bob's long password\n", "user", "add", "--data", data, "--username", "bob", "--role", "viewer", "--password-stdin")
	if code != 0 {
		t.Fatalf("user add --password-stdin exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if strings.Contains(out, "One-time password") {
		t.Errorf("printed a password that was given on stdin:\n%s", out)
	}
	if u, err := authenticate(t, data, "bob", "bob's long password"); err != nil || u.MustChangePassword {
		t.Errorf("stdin password: %+v, %v", u, err)
	}

	code, out, errs = runStdin(t, "", "user", "list", "--data", data)
	if code != 0 {
		t.Fatalf("user list exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("user list:\n%s", out)
	}
	for i, want := range [][]string{
		{"USERNAME", "ROLE", "EMAIL", "DISABLED", "CREATED"},
		{"alice", "commander", "alice@example.com", "no"},
		{"bob", "viewer", "-", "no"},
	} {
		fields := strings.Fields(lines[i])
		if len(fields) < len(want) {
			t.Fatalf("line %d = %q", i, lines[i])
		}
		for j, w := range want {
			if fields[j] != w {
				t.Errorf("line %d field %d = %q, want %q", i, j, fields[j], w)
			}
		}
	}
}

func TestUserAddErrors(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if code, _, errs := runStdin(t, "", "user", "add", "--data", data, "--username", "carol", "--role", "viewer"); code != 0 {
		t.Fatalf("first add failed: %s", errs)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"duplicate", "", []string{"--username", "CAROL", "--role", "viewer"}, `username "carol" is already taken`},
		{"bad role", "", []string{"--username", "dan", "--role", "root"}, "admin, commander, communication, approver, responder, viewer"},
		{"bad username", "", []string{"--username", "d a n", "--role", "viewer"}, "invalid username"},
		{"short stdin password", "short\n", []string{"--username", "dan", "--role", "viewer", "--password-stdin"}, "at least 12"},
		{"empty stdin", "", []string{"--username", "dan", "--role", "viewer", "--password-stdin"}, "standard input is empty"},
		{"missing role", "", []string{"--username", "dan"}, "--role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"user", "add", "--data", data}, tt.args...)
			code, out, errs := runStdin(t, tt.stdin, args...)
			if code == 0 {
				t.Fatalf("exit 0\nstdout: %s", out)
			}
			if !strings.Contains(errs, tt.want) {
				t.Errorf("stderr does not mention %q:\n%s", tt.want, errs)
			}
		})
	}
	code, out, _ := runStdin(t, "", "user", "list", "--data", data)
	if code != 0 || strings.Count(out, "\n") != 2 {
		t.Errorf("failed adds left traces (exit %d):\n%s", code, out)
	}
}

func TestUserResetPassword(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if code, _, errs := runStdin(t, "first long password\n", "user", "add", "--data", data, "--username", "erin", "--role", "approver", "--password-stdin"); code != 0 {
		t.Fatalf("add: %s", errs)
	}

	code, out, errs := runStdin(t, "", "user", "reset-password", "--data", data, "--username", "erin")
	if code != 0 {
		t.Fatalf("reset exit %d: %s", code, errs)
	}
	m := oneTimePassword.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no generated password:\n%s", out)
	}
	if u, err := authenticate(t, data, "erin", m[1]); err != nil || !u.MustChangePassword {
		t.Errorf("generated reset password: %+v, %v", u, err)
	}

	code, out, errs = runStdin(t, "second long password\n", "user", "reset-password", "--data", data, "--username", "erin", "--password-stdin")
	if code != 0 || strings.Contains(out, "One-time") {
		t.Fatalf("reset --password-stdin exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if u, err := authenticate(t, data, "erin", "second long password"); err != nil || u.MustChangePassword {
		t.Errorf("stdin reset password: %+v, %v", u, err)
	}

	code, _, errs = runStdin(t, "", "user", "reset-password", "--data", data, "--username", "nobody")
	if code == 0 || !strings.Contains(errs, `no account named "nobody"`) {
		t.Errorf("unknown user: exit %d, stderr %s", code, errs)
	}
}
