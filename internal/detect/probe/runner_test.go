package probe_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/detect/probe"
	"github.com/vigie-hq/vigie/internal/detect/probe/probetest"
)

// fakeProbe counts its runs and can block until released.
type fakeProbe struct {
	name    string
	runs    atomic.Int32
	release chan struct{} // nil: return at once
	started chan struct{} // nil: not reported
	active  *atomic.Int32
	peak    *atomic.Int32
}

func (f *fakeProbe) Name() string { return f.name }

func (f *fakeProbe) Run(ctx context.Context) probe.Result {
	f.runs.Add(1)
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.active != nil {
		n := f.active.Add(1)
		for {
			p := f.peak.Load()
			if n <= p || f.peak.CompareAndSwap(p, n) {
				break
			}
		}
		defer f.active.Add(-1)
	}
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
		}
	}
	return probe.Result{Probe: f.name, OK: true}
}

// collector gathers delivered results and lets a test wait for a count.
type collector struct {
	mu   sync.Mutex
	byID map[string]int
	all  int
	more chan struct{}
}

func newCollector() *collector {
	return &collector{byID: map[string]int{}, more: make(chan struct{}, 1000)}
}

func (c *collector) add(r probe.Result) {
	c.mu.Lock()
	c.byID[r.Probe]++
	c.all++
	c.mu.Unlock()
	c.more <- struct{}{}
}

func (c *collector) waitTotal(t *testing.T, n int) {
	t.Helper()
	for {
		c.mu.Lock()
		all := c.all
		c.mu.Unlock()
		if all >= n {
			return
		}
		select {
		case <-c.more:
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d results, want %d", all, n)
		}
	}
}

func (c *collector) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[name]
}

func TestRunnerSchedulesWithFakeClock(t *testing.T) {
	clk := probetest.NewClock(t0)
	fast, slow := &fakeProbe{name: "fast"}, &fakeProbe{name: "slow"}
	col := newCollector()
	r := &probe.Runner{OnResult: col.add, Clock: clk}
	c, cancel := context.WithCancel(ctx(t))
	done := make(chan error, 1)
	go func() {
		done <- r.Run(c, []probe.Scheduled{{Probe: fast, Interval: 10 * time.Second}, {Probe: slow, Interval: 30 * time.Second}})
	}()

	// Both run at once, then park on their timers.
	col.waitTotal(t, 2)
	want := 2
	for step := 1; step <= 6; step++ {
		if err := clk.WaitTimers(ctx(t), 2); err != nil {
			t.Fatal(err)
		}
		clk.Advance(10 * time.Second)
		want++ // fast runs every step
		if step%3 == 0 {
			want++ // slow runs every third
		}
		col.waitTotal(t, want)
	}
	if fast.runs.Load() != 7 || slow.runs.Load() != 3 {
		t.Fatalf("runs fast=%d slow=%d, want 7 and 3 after 60s", fast.runs.Load(), slow.runs.Load())
	}
	if col.count("fast") != 7 || col.count("slow") != 3 {
		t.Fatalf("results fast=%d slow=%d", col.count("fast"), col.count("slow"))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

func TestRunnerBoundsConcurrency(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{}, 10)
	var active, peak atomic.Int32
	var jobs []probe.Scheduled
	probes := make([]*fakeProbe, 5)
	for i := range probes {
		probes[i] = &fakeProbe{name: string(rune('a' + i)), release: release, started: started, active: &active, peak: &peak}
		jobs = append(jobs, probe.Scheduled{Probe: probes[i], Interval: time.Minute})
	}
	col := newCollector()
	r := &probe.Runner{OnResult: col.add, Clock: probetest.NewClock(t0), MaxConcurrent: 2}
	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	go func() { _ = r.Run(c, jobs) }()

	<-started
	<-started // two run together before any is released
	for range 5 {
		release <- struct{}{} // each release lets exactly one running probe finish
	}
	col.waitTotal(t, 5)
	if got := peak.Load(); got != 2 {
		t.Fatalf("peak concurrency %d, want 2", got)
	}
}

func TestRunnerRejectsBadJobs(t *testing.T) {
	p := &fakeProbe{name: "p"}
	tests := []struct {
		name string
		r    probe.Runner
		jobs []probe.Scheduled
	}{
		{"no callback", probe.Runner{}, []probe.Scheduled{{Probe: p, Interval: time.Second}}},
		{"no interval", probe.Runner{OnResult: func(probe.Result) {}}, []probe.Scheduled{{Probe: p}}},
		{"no probe", probe.Runner{OnResult: func(probe.Result) {}}, []probe.Scheduled{{Interval: time.Second}}},
		{"duplicate", probe.Runner{OnResult: func(probe.Result) {}}, []probe.Scheduled{{Probe: p, Interval: time.Second}, {Probe: p, Interval: time.Second}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.r.Run(ctx(t), tt.jobs); err == nil {
				t.Fatal("Run accepted a bad job list")
			}
			if p.runs.Load() != 0 {
				t.Fatal("a probe ran despite the error")
			}
		})
	}
}
