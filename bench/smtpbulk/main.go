// Command smtpbulk measures bulk e-mail through Vigie's SMTP channel
// against a sink on loopback (postfix's smtp-sink), and in the same run a
// bare pipelined SMTP loop without Vigie — the physical limit of the sink —
// so the ratio says what the channel costs. Bounded by -n and -timeout.
//
//	smtp-sink -c 127.0.0.1:2525 1000 &
//	go run ./bench/smtpbulk -addr 127.0.0.1:2525 -n 200000
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/email"
	"github.com/vigie-hq/vigie/internal/deliver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2525", "SMTP sink (loopback only)")
	n := flag.Int("n", 100000, "messages (at most 2,000,000)")
	conns := flag.Int("conns", 20, "parallel connections")
	timeout := flag.Duration("timeout", 5*time.Minute, "overall limit")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
		fail("only loopback sinks are allowed")
	}
	if *n < 1 || *n > 2_000_000 {
		fail("-n must be 1..2000000")
	}
	body := strings.Repeat("WhatsApp rencontre une panne. Commandez par SMS au 06 00 00 12 34 ou sur cafe-express.fr/commande. ", 16) // ~1.6 KB
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	sender, err := email.New("smtp://"+*addr, "Café Express <alertes@cafe-express.fr>")
	if err != nil {
		fail("%v", err)
	}
	bulk := email.NewBulk(sender, *conns, 100)
	var next atomic.Int64
	start := time.Now()
	var first time.Duration
	var once sync.Once
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := 0; w < *conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				from := next.Add(100) - 100
				if from >= int64(*n) {
					return
				}
				to := min(from+100, int64(*n))
				items := make([]deliver.Item, 0, to-from)
				for i := from; i < to; i++ {
					items = append(items, deliver.Item{Key: fmt.Sprintf("k%d", i), Address: fmt.Sprintf("client%d@example.org", i), Lang: "fr",
						Subject: "Panne WhatsApp", Text: fmt.Sprintf("Bonjour client %d,\n%s", i, body), UnsubscribeURL: fmt.Sprintf("https://status.example/unsubscribe?id=%d&sig=x", i)})
				}
				for _, r := range bulk.Send(ctx, items) {
					if r.Err != nil {
						failed.Add(1)
					}
				}
				once.Do(func() { first = time.Since(start) })
			}
		}()
	}
	wg.Wait()
	vigie := time.Since(start)
	bulk.Close()
	fmt.Printf("vigie SMTP channel: %d messages in %s = %.0f/s (%d failed, first batch of 100 after %s, %d connections)\n",
		*n, vigie.Round(time.Millisecond), float64(*n)/vigie.Seconds(), failed.Load(), first.Round(time.Millisecond), *conns)

	// The same messages with a bare pipelined loop: no Vigie, no MIME
	// formatting beyond the minimum.
	next.Store(0)
	start = time.Now()
	for w := 0; w < *conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", *addr)
			if err != nil {
				fail("%v", err)
			}
			defer c.Close()
			r := bufio.NewReader(c)
			wr := bufio.NewWriter(c)
			expect := func() {
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						fail("bare loop: %v", err)
					}
					if len(line) < 4 || line[3] != '-' {
						return
					}
				}
			}
			expect()
			fmt.Fprintf(wr, "EHLO bench\r\n")
			wr.Flush()
			expect()
			for {
				i := next.Add(1) - 1
				if i >= int64(*n) || ctx.Err() != nil {
					break
				}
				fmt.Fprintf(wr, "MAIL FROM:<alertes@cafe-express.fr>\r\nRCPT TO:<client%d@example.org>\r\nDATA\r\n", i)
				wr.Flush()
				expect()
				expect()
				expect()
				fmt.Fprintf(wr, "Subject: Panne WhatsApp\r\n\r\nBonjour client %d,\r\n%s\r\n.\r\n", i, body)
				wr.Flush()
				expect()
			}
			fmt.Fprintf(wr, "QUIT\r\n")
			wr.Flush()
		}()
	}
	wg.Wait()
	bare := time.Since(start)
	fmt.Printf("bare pipelined loop:  %d messages in %s = %.0f/s\n", *n, bare.Round(time.Millisecond), float64(*n)/bare.Seconds())
	fmt.Printf("ratio vigie/bare: %.2f\n", bare.Seconds()/vigie.Seconds())
	fmt.Printf("peak RSS: %s\n", peakRSS())
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

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "smtpbulk: "+format+"\n", args...)
	os.Exit(2)
}
