package detect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nabDir finds ../shared/data/nab-realtweets beside the repository, or
// $VIGIE_SHARED_DATA/nab-realtweets.
func nabDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "data", "nab-realtweets")
	if d := os.Getenv("VIGIE_SHARED_DATA"); d != "" {
		dir = filepath.Join(d, "nab-realtweets")
	}
	if _, err := os.Stat(filepath.Join(dir, "combined_windows.json")); err != nil {
		t.Skipf("NAB data absent (%v): the NAB check needs ../shared/data/nab-realtweets", err)
	}
	return dir
}

// TestNAB checks the mention spike detector, with its one default
// configuration, on the 10 NAB Twitter series; the floors sit a little
// below what was measured so that a regression fails.
func TestNAB(t *testing.T) {
	series, err := LoadNAB(nabDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 10 {
		t.Fatalf("%d series, want 10", len(series))
	}
	scores, total, err := EvaluateNAB(series, DefaultMentionSpikeConfig())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteNABReport(&b, scores, total); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", b.String())
	if total.Windows != 33 {
		t.Errorf("%d windows, want 33", total.Windows)
	}
	if total.Recall < 0.45 || total.Precision < 0.18 {
		t.Errorf("recall %.2f precision %.2f, want at least 0.45 and 0.18", total.Recall, total.Precision)
	}
}

// BenchmarkNAB prints the per-series table: go test -bench NAB -run '^$' ./internal/detect
func BenchmarkNAB(b *testing.B) {
	series, err := LoadNAB(nabDir(b))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := EvaluateNAB(series, DefaultMentionSpikeConfig()); err != nil {
			b.Fatal(err)
		}
	}
	scores, total, _ := EvaluateNAB(series, DefaultMentionSpikeConfig())
	var sb strings.Builder
	_ = WriteNABReport(&sb, scores, total)
	b.Logf("\n%s", sb.String())
}
