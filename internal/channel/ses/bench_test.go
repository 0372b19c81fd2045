package ses_test

import (
	"context"
	"testing"
)

// BenchmarkSendBulk sends batches of 50 to the double on loopback, without
// the engine: run it with -benchtime=1000x for 1,000 batches. The double
// checks every signature and stores every message, so the figure bounds
// this package's own cost, not SES's (whose default sending rate is far
// lower).
func BenchmarkSendBulk(b *testing.B) {
	tb := setup(b, nil)
	batch := items(50, 0)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	sent := 0
	for b.Loop() {
		sent += len(batch)
		for _, r := range tb.sender.Send(ctx, batch) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "msgs/s")
}
