package rumour

import (
	"fmt"
	"os"
	"testing"

	"github.com/vigie-hq/vigie/internal/listen/corpus"
)

// TestLeaveOneEventOut prints nested leave-one-event-out figures on PHEME
// for DefaultConfig, with three seeds: for each held-out event, Train
// chooses the threshold by leave-one-event-out on the other events only.
// It needs the shared data: set VIGIE_CV=1.
func TestLeaveOneEventOut(t *testing.T) {
	if os.Getenv("VIGIE_CV") == "" {
		t.Skip("set VIGIE_CV=1 (and VIGIE_SHARED_DATA) to cross-validate")
	}
	data, err := corpus.Dir(os.Getenv)
	if err != nil {
		t.Skip(err)
	}
	ex, err := corpus.PHEME(data)
	if err != nil {
		t.Fatal(err)
	}
	events := BalancedEvents(ex)

	for _, seed := range []uint64{20240611, 1, 3} {
		outer := EventScores(ex, events, seed, DefaultConfig)
		sum, auc := 0.0, 0.0
		for _, ev := range events {
			var rest []corpus.Example
			for _, x := range ex {
				if x.Group != ev {
					rest = append(rest, x)
				}
			}
			m := Train(rest, seed)
			f := F1(outer[ev], m.Threshold)
			sum += f
			auc += AUC(outer[ev])
			fmt.Printf("%-15s F1 %.3f at threshold %.3f, AUC %.3f\n", ev, f, m.Threshold, AUC(outer[ev]))
		}
		th, _ := BestThreshold(outer)
		fmt.Printf("seed %d: mean F1 %.3f, mean AUC %.3f; threshold over all events %.3f\n", seed, sum/float64(len(events)), auc/float64(len(events)), th)
	}
}
