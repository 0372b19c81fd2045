package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

func TestDetectReplayOutput(t *testing.T) {
	env, out, errw := testEnv(nil)
	code := Run(context.Background(), []string{"detect", "replay", "dns-bgp-2021-10-04", "our-link-down"}, env)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errw)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "scenario ") ||
		!strings.HasPrefix(lines[1], "dns-bgp-2021-10-04 ") || !strings.HasPrefix(lines[2], "our-link-down ") {
		t.Fatalf("output:\n%s", out)
	}
	summary := regexp.MustCompile(`^scenarios=2 max_declare_s=(\d+) max_ack_s=(\d+) false_declarations=0$`)
	if !summary.MatchString(lines[3]) {
		t.Errorf("summary line %q", lines[3])
	}
	if errw.String() != "" {
		t.Errorf("stderr: %s", errw)
	}
}

func TestDetectReplayUnknownScenario(t *testing.T) {
	env, _, errw := testEnv(nil)
	if code := Run(context.Background(), []string{"detect", "replay", "nope"}, env); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errw.String(), "unknown scenario") {
		t.Errorf("stderr: %s", errw)
	}
}

func TestDetectNabMissingData(t *testing.T) {
	env, _, _ := testEnv(nil)
	if code := Run(context.Background(), []string{"detect", "nab", "--data", "testdata/no-such-dir"}, env); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}
