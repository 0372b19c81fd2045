package listen

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/internal/listen/corpus"
)

// benchPosts returns real tweets from the shared data (FR and EN mixed).
func benchPosts(b *testing.B) []string {
	b.Helper()
	d, err := corpus.Dir(os.Getenv)
	if errors.Is(err, corpus.ErrNoData) {
		b.Skip("shared data not found: set VIGIE_SHARED_DATA to benchmark on real posts")
	}
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, lang := range []string{"fr", "en"} {
		ex, err := corpus.UMSAB(d, lang, "val")
		if err != nil {
			b.Fatal(err)
		}
		for _, x := range ex {
			out = append(out, x.Text)
		}
	}
	ex, err := corpus.TweetEval(d, "offensive", "val")
	if err != nil {
		b.Fatal(err)
	}
	for _, x := range ex {
		out = append(out, x.Text)
	}
	return out
}

// BenchmarkLangSentimentAbuse is the throughput of `nlp classify` for the
// three tasks together on one core: one tokenization, three models.
func BenchmarkLangSentimentAbuse(b *testing.B) {
	posts := benchPosts(b)
	a := testEngine(b).NewAnalyzer()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := posts[i%len(posts)]
		a.Prepare(p)
		lr := a.Lang()
		a.Sentiment(lr.Label, &lr)
		a.Abuse(p)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkReplyPolicy runs the full policy (every model plus the rumour
// library) per post.
func BenchmarkReplyPolicy(b *testing.B) {
	posts := benchPosts(b)
	a := testEngine(b).NewAnalyzer()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := a.Classify(TaskReplyPolicy, posts[i%len(posts)], "auto"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkLoad measures loading the embedded models and the resident
// memory of the process once they are loaded.
func BenchmarkLoad(b *testing.B) {
	var e *Engine
	for i := 0; i < b.N; i++ {
		var err error
		if e, err = Load(); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	if rss := vmRSS(); rss > 0 {
		b.ReportMetric(rss, "rss-MB")
	}
	runtime.KeepAlive(e)
}

// vmRSS reads the resident set size of this process (Linux), in MB.
func vmRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
