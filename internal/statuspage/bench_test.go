package statuspage

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkServe measures the in-process cost of answering from the
// snapshot (no network); end-to-end figures come from bench/statuspage.sh.
func BenchmarkServe(b *testing.B) {
	f := newFixture(b)
	mux := http.NewServeMux()
	f.page.Routes(mux)
	for _, path := range []string{"/api/v2/summary.json", "/fr/"} {
		b.Run(path, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				mux.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkRefresh measures one full snapshot rebuild (model, pages in two
// languages, JSON, feeds, gzip and brotli) during an outage.
func BenchmarkRefresh(b *testing.B) {
	f := newFixture(b)
	f.outage(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := f.page.Refresh(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}
