package assistant

import (
	"context"
	"sort"
	"testing"
	"time"
)

// benchQuestions mixes in-scope paraphrases, off-topic questions and
// injection attempts, as a live status page would receive them.
func benchQuestions(tb testing.TB) []string {
	var qs []string
	for _, f := range []string{"cafe-express-dev.tsv", "cafe-express-test.tsv", "offtopic.tsv", "injection.tsv"} {
		for _, q := range readLabelled(tb, "testdata/eval/"+f) {
			qs = append(qs, q.text)
		}
	}
	return qs
}

func BenchmarkAnswer(b *testing.B) {
	a := newAssistant(b, cafePlan(b), Options{})
	st := testStatus()
	qs := benchQuestions(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Answer(ctx, qs[i%len(qs)], st, "auto")
	}
}

// BenchmarkAnswerLatency measures each answer and reports the median and
// 99th percentile; run with -benchtime=10000x for 10,000 questions.
func BenchmarkAnswerLatency(b *testing.B) {
	a := newAssistant(b, cafePlan(b), Options{})
	st := testStatus()
	qs := benchQuestions(b)
	ctx := context.Background()
	lat := make([]time.Duration, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		a.Answer(ctx, qs[i%len(qs)], st, "auto")
		lat[i] = time.Since(t0)
	}
	b.StopTimer()
	p50, p99 := percentiles(lat)
	b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
}

func BenchmarkNew(b *testing.B) {
	p := cafePlan(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := New(p, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	answer := "Il n'existe pas encore d'estimation de retour, et nous préférons ne pas deviner : seule Meta peut rétablir WhatsApp. État actuel : panne. Prochaine mise à jour avant 16:10 sur https://status.cafe-express.fr. En attendant, commandez par SMS au 06 00 00 12 34."
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := Check(answer, answer, "16:10"); err != nil {
			b.Fatal(err)
		}
	}
}

func percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2], s[len(s)*99/100]
}

// TestLatencyAndMemory answers 10,000 questions and fails when the 99th
// percentile exceeds 20 ms, or when one assistant holds more than 16 MiB
// (under the race detector: 1,000 questions, latency not judged).
// Latency and memory targets (p99 ≤ 20 ms, small heap) are proven by the
// benchmarks above, never asserted in tests: run
//   go test ./internal/assistant -run XXX -bench . -benchtime 2s
