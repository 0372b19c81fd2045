// Command fanout measures one published update fanned out to a generated
// audience through the delivery engine and the webhook channel, to a
// loopback sink that deduplicates by Idempotency-Key as providers do. It
// prints wall time, messages per second, time to the first 1,000
// recipients and peak RSS. Engine and sink share this process (the sink's
// cost is included). Bounded by -n (at most 2,000,000) and -timeout.
//
//	go run ./bench/fanout -n 100000
//	go run ./bench/fanout -n 100000 -db 'postgres://vigie@127.0.0.1:5432/vigie?sslmode=disable'
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/channel/email"
	"github.com/vigie-hq/vigie/internal/channel/webhook"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store"
)

func main() {
	n := flag.Int("n", 100000, "recipients (at most 2,000,000)")
	dbURL := flag.String("db", "", "PostgreSQL URL (default: SQLite in a temporary directory)")
	workers := flag.Int("workers", 16, "delivery workers")
	timeout := flag.Duration("timeout", 10*time.Minute, "overall limit")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the fan-out to this file")
	smtpAddr := flag.String("smtp", "", "send e-mail to this SMTP sink on loopback (e.g. smtp-sink) instead of webhooks; completion is read from the ledger")
	null := flag.Bool("null", false, "accept every batch in process instead of the webhook channel: measures the engine's own ceiling (ledger, jobs, expansion)")
	retryFirst := flag.Bool("retry-first", false, "with -null, answer every message's first attempt with a retryable error (a throttled provider): every delivery is rescheduled once")
	ids := flag.Bool("ids", false, "with -null, return a provider id for every message, as SMS, push and WhatsApp providers do (the ledger then records each id)")
	flag.Parse()
	if *n < 1 || *n > 2_000_000 {
		fail("-n must be 1..2000000")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	dir, _ := os.MkdirTemp("", "vigie-fanout-")
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, store.Options{DatabaseURL: *dbURL, SQLitePath: filepath.Join(dir, "vigie.db")})
	check(err)
	defer db.Close()
	check(db.Migrate(ctx))
	p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	check(err)

	// The sink.
	var (
		mu         sync.Mutex
		seen       = make(map[string]struct{}, *n)
		firstK     time.Time
		done       = make(chan struct{})
		published  time.Time
		duplicates int
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		key := r.Header.Get("Idempotency-Key")
		mu.Lock()
		if _, dup := seen[key]; dup {
			duplicates++
		} else {
			seen[key] = struct{}{}
			if len(seen) == min(1000, *n) {
				firstK = time.Now()
			}
			if len(seen) == *n {
				close(done)
			}
		}
		mu.Unlock()
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	sink := "http://" + ln.Addr().String()

	// The audience.
	t0 := time.Now()
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 64<<10)
		bw.WriteString("channel,address,lang\n")
		for i := 0; i < *n; i++ {
			if *smtpAddr != "" {
				fmt.Fprintf(bw, "email,client%d@example.org,fr\n", i)
			} else {
				fmt.Fprintf(bw, "webhook,%s/r/%d,fr\n", sink, i)
			}
		}
		bw.Flush()
		pw.Close()
	}()
	_, err = audience.NewStore(db, nil).Import(ctx, pr, audience.ImportOptions{Source: "bench", Wording: "bench", Langs: []string{"fr", "en"}})
	check(err)
	fmt.Printf("audience of %d imported in %s (%s)\n", *n, time.Since(t0).Round(time.Millisecond), db.Dialect())

	var sender deliver.Sender
	if *smtpAddr != "" {
		host, _, err := net.SplitHostPort(*smtpAddr)
		if err != nil || net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
			fail("-smtp must be a loopback address")
		}
		es, err := email.New("smtp://"+*smtpAddr, "Café Express <alertes@cafe-express.fr>")
		check(err)
		sender = email.NewBulk(es, 20, 500)
	} else if *null {
		sender = &nullSender{ids: *ids, retryFirst: *retryFirst, tried: map[string]bool{}, accept: func(key string) {
			mu.Lock()
			defer mu.Unlock()
			if _, dup := seen[key]; dup {
				duplicates++
				return
			}
			seen[key] = struct{}{}
			if len(seen) == min(1000, *n) {
				firstK = time.Now()
			}
			if len(seen) == *n {
				close(done)
			}
		}}
	} else {
		sender, err = webhook.New(webhook.Options{Secret: []byte("bench-secret-0123456789abcdef"), AllowPrivate: true})
		check(err)
	}
	engine := deliver.New(db, []deliver.Sender{sender}, deliver.Options{DefaultLang: "fr", Workers: *workers, Poll: 20 * time.Millisecond})
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	go engine.Run(ctx)

	marie := incident.Actor{Username: "marie", Person: "marie", Role: "commander"}
	res, err := svc.Declare(ctx, marie, incident.DeclareInput{Scenario: "whatsapp-outage"})
	check(err)
	for _, d := range res.Drafts {
		if d.TemplateID == tmplFor(*smtpAddr) {
			published = time.Now()
			_, err := svc.Publish(ctx, marie, d.ID)
			check(err)
		}
	}
	var msgID int64
	for _, d := range res.Drafts {
		if d.TemplateID == tmplFor(*smtpAddr) {
			msgID = d.ID
		}
	}
	if *smtpAddr != "" {
		// Completion comes from the ledger: smtp-sink only counts.
		// Counting the ledger is a scan of the message's deliveries: it is
		// done until the first 1,000 are out; completion then comes from
		// the queue (every outbox entry expanded, every job done), which
		// stays cheap however large the audience.
		go func() {
			for ctx.Err() == nil {
				mu.Lock()
				counting := firstK.IsZero()
				mu.Unlock()
				if counting {
					if reach, err := engine.Reach(ctx, msgID); err == nil && reach["email"]["sent"] >= min(1000, *n) {
						mu.Lock()
						firstK = time.Now()
						mu.Unlock()
					}
					time.Sleep(20 * time.Millisecond)
					continue
				}
				var pending int
				err := db.SQL().QueryRowContext(ctx, db.Rebind(`SELECT (SELECT COUNT(*) FROM outbox WHERE message_id = ? AND state IN ('pending', 'expanding', 'escalating'))
					+ (SELECT COUNT(*) FROM delivery_jobs WHERE state <> 'done')`), msgID).Scan(&pending)
				if err == nil && pending == 0 {
					reach, err := engine.Reach(ctx, msgID)
					if err == nil && reach["email"]["sent"]+reach["email"]["failed"]+reach["email"]["dead"] >= *n {
						close(done)
						return
					}
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	select {
	case <-done:
	case <-ctx.Done():
		mu.Lock()
		fmt.Printf("timed out with %d of %d delivered\n", len(seen), *n)
		mu.Unlock()
		os.Exit(1)
	}
	wall := time.Since(published)
	mu.Lock()
	defer mu.Unlock()
	fmt.Printf("fan-out of %d: %s end to end, %.0f messages/s, first 1,000 after %s, %d retransmissions deduplicated\n",
		*n, wall.Round(time.Millisecond), float64(*n)/wall.Seconds(), firstK.Sub(published).Round(time.Millisecond), duplicates)
	fmt.Printf("peak RSS: %s\n", peakRSS())
}

// tmplFor is the Café Express acknowledgement published: the e-mail one
// for the SMTP run, the status-page one (which also goes to webhooks)
// otherwise.
func tmplFor(smtpAddr string) string {
	if smtpAddr != "" {
		return "wa-ack-email"
	}
	return "wa-ack-status"
}

// nullSender accepts batches of 500 in process, like a provider's bulk API
// that costs nothing: what remains is the engine's own work.
type nullSender struct {
	accept     func(key string)
	ids        bool
	retryFirst bool
	mu         sync.Mutex
	tried      map[string]bool
}

func (*nullSender) Channel() string  { return "webhook" }
func (*nullSender) Provider() string { return "null" }
func (*nullSender) MaxBatch() int    { return 500 }
func (*nullSender) Idempotent() bool { return true }
func (s *nullSender) Send(_ context.Context, items []deliver.Item) []deliver.Result {
	out := make([]deliver.Result, len(items))
	for i, it := range items {
		if s.retryFirst && s.firstTry(it.Key) {
			out[i] = deliver.Result{Key: it.Key, Err: errors.New("429 too many requests")}
			continue
		}
		s.accept(it.Key)
		out[i] = deliver.Result{Key: it.Key}
		if s.ids {
			out[i].ProviderID = "null-" + it.Key[:12]
		}
	}
	return out
}

func (s *nullSender) firstTry(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tried[key] {
		return false
	}
	s.tried[key] = true
	return true
}

func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "unknown"
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "fanout: "+format+"\n", args...)
	os.Exit(2)
}
