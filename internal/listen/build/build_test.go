package build

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/vigie-hq/vigie/internal/listen/corpus"
)

func sharedData(t *testing.T) string {
	t.Helper()
	d, err := corpus.Dir(os.Getenv)
	if errors.Is(err, corpus.ErrNoData) {
		t.Skip("shared data not found: set VIGIE_SHARED_DATA to run training tests")
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestTrainDeterministic trains twice on a small subset: the bytes of
// every model file must be the same.
func TestTrainDeterministic(t *testing.T) {
	data := sharedData(t)
	o := Options{Limit: 150}
	a, err := Train(data, o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(data, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 8 {
		t.Fatalf("%d files", len(a))
	}
	for name, x := range a {
		if !bytes.Equal(x, b[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	c, err := Train(data, Options{Limit: 150, Seed: 99})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a[SentimentFR], c[SentimentFR]) {
		t.Error("another seed gave the same sentiment model: seed unused?")
	}
}
