package listen

import (
	"testing"

	"github.com/vigie-hq/vigie/internal/listen/abuse"
)

func abuseCases(t *testing.T, suite string) []abuse.Case {
	t.Helper()
	cs, err := abuse.Cases(suite)
	if err != nil || len(cs) < 30 {
		t.Fatalf("suite %s: %d cases, %v", suite, len(cs), err)
	}
	return cs
}
