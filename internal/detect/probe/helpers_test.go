package probe_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/detect/probe"
)

// short is the timeout of probes expected to time out: real, but small.
const short = 200 * time.Millisecond

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// check compares the outcome of a run and names the detail on failure.
func check(t *testing.T, got probe.Result, wantOK bool, wantClass probe.Class) {
	t.Helper()
	if got.OK != wantOK || got.Class != wantClass {
		t.Fatalf("result OK=%v class=%q detail=%q; want OK=%v class=%q", got.OK, got.Class, got.Detail, wantOK, wantClass)
	}
}

func mustContain(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}
