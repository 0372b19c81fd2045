// Command sseload opens many Server-Sent Events connections to a Vigie
// status page on loopback, reports the server's resident memory once they
// are all open, then triggers a change and measures how long the update
// takes to reach every connection. It refuses non-loopback targets and is
// bounded in connections and time.
//
//	go run ./bench/sseload -addr 127.0.0.1:8080 -pid $(pidof vigie) -n 10000
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "status page address (loopback only)")
	n := flag.Int("n", 10000, "connections (at most 20000)")
	pid := flag.Int("pid", 0, "pid of the vigie process, to read its RSS")
	timeout := flag.Duration("timeout", 60*time.Second, "overall time limit")
	trigger := flag.String("trigger", "", "URL to POST to cause an update (e.g. http://127.0.0.1:8080/report); empty = wait for one")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !(net.ParseIP(host) != nil && net.ParseIP(host).IsLoopback()) {
		fail("only loopback targets are allowed, got %q", *addr)
	}
	if *n < 1 || *n > 20000 {
		fail("-n must be 1..20000")
	}
	deadline := time.Now().Add(*timeout)
	var (
		open    atomic.Int64
		failed  atomic.Int64
		mu      sync.Mutex
		got     []time.Duration
		start   atomic.Int64
		wg      sync.WaitGroup
		connsMu sync.Mutex
		conns   []net.Conn
	)
	for i := 0; i < *n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", *addr, 10*time.Second)
			if err != nil {
				failed.Add(1)
				return
			}
			connsMu.Lock()
			conns = append(conns, c)
			connsMu.Unlock()
			_ = c.SetDeadline(deadline)
			fmt.Fprintf(c, "GET /events?lang=fr HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", *addr)
			r := bufio.NewReaderSize(c, 4096)
			line, err := r.ReadString('\n')
			if err != nil || !strings.Contains(line, " 200 ") {
				failed.Add(1)
				return
			}
			open.Add(1)
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if strings.HasPrefix(l, "event: update") {
					if s := start.Load(); s != 0 {
						mu.Lock()
						got = append(got, time.Since(time.Unix(0, s)))
						done := len(got)
						mu.Unlock()
						if done >= int(open.Load()) {
							return
						}
					}
				}
			}
		}()
		if i%500 == 499 {
			time.Sleep(50 * time.Millisecond) // let the accept queue drain
		}
	}
	for open.Load()+failed.Load() < int64(*n) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("connections open: %d, failed: %d\n", open.Load(), failed.Load())
	if *pid > 0 {
		fmt.Printf("vigie RSS with %d live connections: %s\n", open.Load(), rss(*pid))
	}
	start.Store(time.Now().UnixNano())
	if *trigger != "" {
		resp, err := http.PostForm(*trigger, url.Values{"dependency": {"whatsapp"}, "category": {"send"}})
		if err != nil {
			fail("trigger: %v", err)
		}
		resp.Body.Close()
	}
	for time.Now().Before(deadline) {
		mu.Lock()
		k := len(got)
		mu.Unlock()
		if int64(k) >= open.Load() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	if len(got) > 0 {
		fmt.Printf("update reached %d/%d connections: p50 %s, p95 %s, max %s\n", len(got), open.Load(),
			got[len(got)/2].Round(time.Millisecond), got[len(got)*95/100].Round(time.Millisecond), got[len(got)-1].Round(time.Millisecond))
	} else {
		fmt.Println("no update received before the time limit")
	}
	mu.Unlock()
	connsMu.Lock()
	for _, c := range conns {
		c.Close()
	}
	connsMu.Unlock()
	wg.Wait()
}

func rss(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown: " + err.Error()
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:"))
		}
	}
	return "unknown"
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sseload: "+format+"\n", args...)
	os.Exit(2)
}
