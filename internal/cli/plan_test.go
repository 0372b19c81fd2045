package cli

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/internal/plan"
)

var update = flag.Bool("update", false, "rewrite golden files")

// runCLI runs vigie with args and returns exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	env, out, errw := testEnv(nil)
	code := Run(context.Background(), args, env)
	return code, out.String(), errw.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "plan", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -run %s -update)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs from golden file (rerun with -update if intended)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestPlanLintGolden(t *testing.T) {
	tests := []struct {
		file string
		code int
	}{
		{"../../examples/cafe-express/plan.yaml", 0},
		{"testdata/plan/dangling-role.yaml", 2},
		{"testdata/plan/typos.yaml", 2},
		{"testdata/plan/gaps.yaml", 0},
	}
	for _, tt := range tests {
		name := strings.TrimSuffix(filepath.Base(filepath.Dir(tt.file))+"-"+filepath.Base(tt.file), ".yaml")
		t.Run(name, func(t *testing.T) {
			code, out, errw := runCLI(t, "plan", "lint", tt.file)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errw)
			}
			golden(t, "lint-"+name+".txt", out)
		})
	}
}

func TestPlanLintStrictAndJSON(t *testing.T) {
	if code, out, _ := runCLI(t, "plan", "lint", "--strict", "testdata/plan/gaps.yaml"); code != 1 {
		t.Fatalf("--strict with warnings: exit %d, want 1\n%s", code, out)
	}
	code, out, _ := runCLI(t, "plan", "lint", "--format", "json", "testdata/plan/dangling-role.yaml")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	var r struct {
		Valid       bool
		Errors      int
		Diagnostics []plan.Diagnostic
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	if r.Valid || r.Errors == 0 || r.Diagnostics[0].Line == 0 {
		t.Fatalf("json result %+v", r)
	}
	if code, _, errw := runCLI(t, "plan", "lint", "testdata/plan/does-not-exist.yaml"); code != 2 || !strings.Contains(errw, "does-not-exist.yaml") {
		t.Fatalf("missing file: exit %d, stderr %q", code, errw)
	}
}

func TestPlanShowGolden(t *testing.T) {
	for _, lang := range []string{"fr", "en"} {
		code, out, errw := runCLI(t, "plan", "show", "--lang", lang, "../../examples/cafe-express/plan.yaml")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errw)
		}
		golden(t, "show-cafe-express-"+lang+".txt", out)
	}
	if code, _, errw := runCLI(t, "plan", "show", "testdata/plan/dangling-role.yaml"); code != 2 || !strings.Contains(errw, "dangling-role.yaml:") {
		t.Fatalf("show of an invalid plan: exit %d, stderr %q", code, errw)
	}
}

func TestPlanSchemaMatchesDocs(t *testing.T) {
	code, out, _ := runCLI(t, "plan", "schema")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	docs, err := os.ReadFile("../../docs/plan.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(docs) != out {
		t.Fatal("docs/plan.schema.json is stale: run `go run ./cmd/vigie plan schema > docs/plan.schema.json`")
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, args := range [][]string{
		{"serve"}, {"plan", "lint"}, {"plan", "show"}, {"plan", "schema"}, {"migrate"}, {"user", "add"}, {"version"}, {"config", "dump"},
		{"incident", "declare"}, {"incident", "show"}, {"message", "approve"}, {"message", "publish"}, {"token", "create"},
	} {
		code, out, _ := runCLI(t, append(args, "--help")...)
		if code != 0 || !strings.Contains(out, "Example") {
			t.Errorf("vigie %s --help: exit %d, no example:\n%s", strings.Join(args, " "), code, out)
		}
	}
}
