package statuspage

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// exchangeRaw writes raw on a new connection to addr and reads n responses.
func exchangeRaw(t *testing.T, addr, raw string, n int, method string) []string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var out []string
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			out = append(out, "error: "+err.Error())
			break
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out = append(out, describe(resp, body))
	}
	return out
}

// describe is a response without its Date, headers sorted.
func describe(resp *http.Response, body []byte) string {
	var keys []string
	for k := range resp.Header {
		if k != "Date" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s close=%v\n", resp.Status, resp.Close)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(resp.Header[k], " | "))
	}
	if _, ok := resp.Header["Date"]; !ok {
		b.WriteString("(no Date)\n")
	}
	fmt.Fprintf(&b, "\n%d bytes: %.80q", len(body), body)
	return b.String()
}

// fastModes are the fast path's two ways of serving connections.
var fastModes = []struct {
	name   string
	events bool
}{{"event loops", true}, {"goroutines", false}}

// startFast serves the fixture's page through FastListener.
func startFast(t *testing.T, f *fixture, eventLoops ...bool) (string, *fastListener) {
	t.Helper()
	mux := http.NewServeMux()
	f.page.Routes(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := f.page.fastListener(ln, len(eventLoops) == 0 || eventLoops[0])
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(fl)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return ln.Addr().String(), fl
}

// TestFastPathAnswersAsNetHTTP sends the same raw requests to the page
// served by net/http alone and through the fast path, and compares the
// answers (status, every header but Date, body): every path of the
// snapshot with each encoding, HEAD, conditional requests, Connection:
// close, and requests the fast path hands to net/http.
func TestFastPathAnswersAsNetHTTP(t *testing.T) {
	for _, m := range fastModes {
		t.Run(m.name, func(t *testing.T) { fastPathAsNetHTTP(t, m.events) })
	}
}

func fastPathAsNetHTTP(t *testing.T, eventLoops bool) {
	f := newFixture(t)
	f.outage(t)
	plainURL, _ := url.Parse(f.url)
	plain := plainURL.Host
	fast, fl := startFast(t, f, eventLoops)

	snap := f.page.current.Load()
	paths := append([]string{"/"}, snap.Paths()...)
	slices.Sort(paths)
	type exchange struct {
		raw    string
		n      int
		method string
		fast   bool // answered without net/http
	}
	var cases []exchange
	for _, p := range paths {
		e := snap.entries[p]
		etag := ""
		if e != nil {
			etag = e.hdr.etag[0]
			if e.gz != nil {
				etag = e.hdr.etagBr[0]
			}
		}
		// "/" is served in the visitor's language; paths outside the routes
		// (a language registered later) go to net/http.
		fastOK := p == "/" || f.page.fastPath(p)
		cases = append(cases,
			exchange{"GET " + p + " HTTP/1.1\r\nHost: status.example\r\n\r\n", 1, "GET", fastOK},
			exchange{"GET " + p + " HTTP/1.1\r\nHost: status.example\r\nAccept-Encoding: gzip, deflate, br\r\nAccept-Language: en-GB,en;q=0.8\r\n\r\n", 1, "GET", fastOK},
			exchange{"GET " + p + " HTTP/1.1\r\nHost: status.example\r\naccept-encoding: br;q=0, gzip\r\n\r\n", 1, "GET", fastOK},
			exchange{"HEAD " + p + " HTTP/1.1\r\nHost: status.example\r\nAccept-Encoding: br\r\n\r\n", 1, "HEAD", fastOK},
			exchange{"GET " + p + " HTTP/1.1\r\nHost: status.example\r\nAccept-Encoding: br\r\nIf-None-Match: W/\"x\", " + etag + "\r\n\r\n", 1, "GET", fastOK},
		)
	}
	cases = append(cases,
		// Keep-alive and pipelining, then Connection: close.
		exchange{"GET /fr/ HTTP/1.1\r\nHost: a\r\n\r\nGET /api/v2/status.json HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\nGET /en/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 3, "GET", true},
		// What net/http must answer.
		exchange{"GET /fr/?utm=x HTTP/1.1\r\nHost: a\r\n\r\n", 1, "GET", false},
		exchange{"GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", 1, "GET", false},
		exchange{"GET /fr/ HTTP/1.0\r\nHost: a\r\n\r\n", 1, "GET", false},
		exchange{"GET /fr/ HTTP/1.1\r\n\r\n", 1, "GET", false},
		exchange{"GET /fr/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 1, "GET", false},
		exchange{"GET /fr/ HTTP/1.1\r\nHost: a\r\nAccept-Encoding: identity\r\nAccept-Encoding: br\r\n\r\n", 1, "GET", false},
		exchange{"GET /fr/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 1, "GET", false},
		exchange{"GET /fr/ HTTP/1.1\r\nHost: a\r\n X-Folded: yes\r\n\r\n", 1, "GET", false},
		exchange{"GET /%66r/ HTTP/1.1\r\nHost: a\r\n\r\n", 1, "GET", false},
		exchange{"GET /fr/../en/ HTTP/1.1\r\nHost: a\r\n\r\n", 1, "GET", false},
		exchange{"POST /report HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 21\r\n\r\ndependency=whatsapp&x", 1, "POST", false},
		exchange{"DELETE /fr/ HTTP/1.1\r\nHost: a\r\n\r\n", 1, "DELETE", false},
		exchange{"GET /fr/ HTTP/1.1\nHost: a\n\n", 1, "GET", false},
		exchange{"GET /fr/ HTTP/1.1\r\nHost: a\r\nX-Long: " + strings.Repeat("y", 5000) + "\r\n\r\n", 1, "GET", false},
		// A fast request, then one for net/http on the same connection,
		// then a fast one again (net/http keeps the connection).
		exchange{"GET /fr/ HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\nGET /en/ HTTP/1.1\r\nHost: a\r\n\r\n", 3, "GET", false},
	)
	for i, c := range cases {
		before := fl.handedOver.Load()
		want := exchangeRaw(t, plain, c.raw, c.n, c.method)
		got := exchangeRaw(t, fast, c.raw, c.n, c.method)
		for j := range max(len(want), len(got)) {
			w, g := "(none)", "(none)"
			if j < len(want) {
				w = want[j]
			}
			if j < len(got) {
				g = got[j]
			}
			if w != g {
				t.Errorf("case %d, response %d to %q:\nnet/http:\n%s\n\nfast path:\n%s", i, j, c.raw, w, g)
			}
		}
		if handed := fl.handedOver.Load() != before; handed == c.fast {
			t.Errorf("case %d %q: handed over to net/http = %v", i, c.raw, handed)
		}
	}
}

// Closing the listener (net/http's Shutdown does) closes idle fast
// connections and stops accepting.
func TestFastListenerClose(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := f.page.FastListener(ln)
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	io.WriteString(idle, "GET /fr/ HTTP/1.1\r\nHost: a\r\n\r\n")
	br := bufio.NewReader(idle)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	time.Sleep(50 * time.Millisecond) // the connection is idle, waiting for a request
	if err := fl.Close(); err != nil {
		t.Fatal(err)
	}
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection after Close: %v, want EOF", err)
	}
	if _, err := fl.Accept(); err == nil {
		t.Fatal("Accept after Close")
	}
}

// The live stream goes through net/http (the fast path hands it over) and
// works as before: the current state comes at once.
func TestFastListenerLiveStream(t *testing.T) {
	f := newFixture(t)
	addr, fl := startFast(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/events?lang=fr", nil)
	req.Header.Set("Last-Event-ID", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" || fl.handedOver.Load() != 1 {
		t.Fatalf("content type %q, %d connections handed over", resp.Header.Get("Content-Type"), fl.handedOver.Load())
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") {
			if !strings.Contains(sc.Text(), "Tous nos services") {
				t.Fatalf("first event: %.200s", sc.Text())
			}
			return
		}
	}
	t.Fatalf("no event: %v", sc.Err())
}

// BenchmarkFastRequest is the fast path's work for one request: parse the
// head, build the answer.
func BenchmarkFastRequest(b *testing.B) {
	f := newFixture(b)
	mux := http.NewServeMux()
	f.page.Routes(mux)
	head := []byte("GET /api/v2/summary.json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept-Encoding: gzip\r\nAccept-Language: fr\r\n\r\n")
	var out []byte
	b.ReportAllocs()
	for b.Loop() {
		var req fastRequest
		if !req.parse(head) {
			b.Fatal("not fast")
		}
		resp, ok := f.page.fastReply(&req, out[:0])
		if !ok {
			b.Fatal("no reply")
		}
		out = resp
	}
}

// A client that sends half a request head and stalls is disconnected once
// the head timeout passes (slow-loris).
func TestFastListenerSlowHead(t *testing.T) {
	for _, m := range fastModes {
		t.Run(m.name, func(t *testing.T) { slowHead(t, m.events) })
	}
}

func slowHead(t *testing.T, eventLoops bool) {
	f := newFixture(t)
	addr, fl := startFast(t, f, eventLoops)
	fl.readHead.Store(int64(200 * time.Millisecond))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /fr/ HTTP/1.1\r\nHost: a\r\n")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if n, err := c.Read(make([]byte, 1)); err != io.EOF || n != 0 {
		t.Fatalf("read %d bytes, %v; want the connection closed", n, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("closed after %s", d)
	}
	if fl.handedOver.Load() != 0 {
		t.Fatal("a stalled head was handed to net/http")
	}
}

// A client that sends many requests before reading any answer fills the
// socket: the fast path keeps what the socket does not take and sends it
// when the client reads, every answer whole and in order.
func TestFastPathBackpressure(t *testing.T) {
	for _, m := range fastModes {
		t.Run(m.name, func(t *testing.T) {
			f := newFixture(t)
			addr, _ := startFast(t, f, m.events)
			const n = 600
			want := f.page.current.Load().entries["/fr/"].body
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(20 * time.Second))
			go func() {
				req := "GET /fr/ HTTP/1.1\r\nHost: a\r\n\r\n"
				io.WriteString(c, strings.Repeat(req, n))
			}()
			time.Sleep(300 * time.Millisecond) // let the answers pile up
			br := bufio.NewReader(c)
			for i := range n {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("answer %d: %v", i, err)
				}
				body, err := io.ReadAll(resp.Body)
				if err != nil || !bytes.Equal(body, want) {
					t.Fatalf("answer %d: %d bytes, %v", i, len(body), err)
				}
			}
		})
	}
}
