package probe_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/detect/probe"
	"github.com/vigie-hq/vigie/internal/detect/probe/probetest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// feed plays n messages: "sent" at the clock's time, then "delivered"
// lat later (by Meta's timestamps), or "failed".
func feed(w *probe.Traffic, clk *probetest.Clock, prefix string, n int, lat time.Duration, failed bool) {
	for i := range n {
		id := fmt.Sprintf("%s-%d", prefix, i)
		now := clk.Now()
		w.Observe(probe.Status{ID: id, Status: probe.StatusSent, Timestamp: now})
		if failed {
			w.Observe(probe.Status{ID: id, Status: probe.StatusFailed, Timestamp: now})
			continue
		}
		w.Observe(probe.Status{ID: id, Status: probe.StatusDelivered, Timestamp: now.Add(lat)})
		w.Observe(probe.Status{ID: id, Status: probe.StatusRead, Timestamp: now.Add(2 * lat)})
	}
}

func TestTrafficWindow(t *testing.T) {
	tests := []struct {
		name      string
		play      func(w *probe.Traffic, clk *probetest.Clock)
		wantClass probe.Class
		wantStats probe.TrafficStats
	}{
		{
			name:      "too few samples",
			play:      func(w *probe.Traffic, c *probetest.Clock) { feed(w, c, "m", 3, time.Second, false) },
			wantClass: probe.ClassNoData,
			wantStats: probe.TrafficStats{Samples: 3, P50: time.Second, P90: time.Second},
		},
		{
			name: "healthy",
			play: func(w *probe.Traffic, c *probetest.Clock) {
				feed(w, c, "fast", 8, 2*time.Second, false)
				feed(w, c, "slow", 1, 20*time.Second, false)
				feed(w, c, "bad", 1, 0, true)
			},
			wantClass: probe.ClassNone,
			wantStats: probe.TrafficStats{Samples: 10, Failures: 1, FailureRatio: 0.1, P50: 2 * time.Second, P90: 2 * time.Second},
		},
		{
			name: "failing",
			play: func(w *probe.Traffic, c *probetest.Clock) {
				feed(w, c, "ok", 6, time.Second, false)
				feed(w, c, "bad", 4, 0, true)
			},
			wantClass: probe.ClassUndelivered,
			wantStats: probe.TrafficStats{Samples: 10, Failures: 4, FailureRatio: 0.4, P50: time.Second, P90: time.Second},
		},
		{
			name:      "slow delivery",
			play:      func(w *probe.Traffic, c *probetest.Clock) { feed(w, c, "m", 5, 45*time.Second, false) },
			wantClass: probe.ClassSlow,
			wantStats: probe.TrafficStats{Samples: 5, P50: 45 * time.Second, P90: 45 * time.Second},
		},
		{
			name: "slow tail",
			play: func(w *probe.Traffic, c *probetest.Clock) {
				feed(w, c, "fast", 5, time.Second, false)
				feed(w, c, "slow", 5, 40*time.Second, false)
			},
			wantClass: probe.ClassSlow,
			wantStats: probe.TrafficStats{Samples: 10, P50: time.Second, P90: 40 * time.Second},
		},
		{
			name: "old samples leave the window",
			play: func(w *probe.Traffic, c *probetest.Clock) {
				feed(w, c, "old", 10, 0, true)
				c.Advance(5*time.Minute + time.Second)
				feed(w, c, "new", 4, time.Second, false)
			},
			wantClass: probe.ClassNone,
			wantStats: probe.TrafficStats{Samples: 4, P50: time.Second, P90: time.Second},
		},
		{
			name: "sent but stuck counts as failed",
			play: func(w *probe.Traffic, c *probetest.Clock) {
				for i := range 4 {
					w.Observe(probe.Status{ID: fmt.Sprint("stuck-", i), Status: probe.StatusSent, Timestamp: c.Now()})
				}
				c.Advance(2 * time.Minute)
			},
			wantClass: probe.ClassUndelivered,
			wantStats: probe.TrafficStats{Samples: 4, Failures: 4, FailureRatio: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := probetest.NewClock(t0)
			w := &probe.Traffic{Spec: probe.Spec{Name: "traffic", Dependency: "whatsapp"}, Window: 5 * time.Minute,
				MinSamples: 4, MaxFailureRatio: 0.25, MaxDeliveryP90: 30 * time.Second, StuckAfter: 2 * time.Minute, Clock: clk}
			tt.play(w, clk)
			if got := w.Stats(); got != tt.wantStats {
				t.Fatalf("stats %+v, want %+v", got, tt.wantStats)
			}
			got := w.Run(ctx(t))
			check(t, got, tt.wantClass == probe.ClassNone, tt.wantClass)
			if got.Family != probe.FamilyTraffic || got.Latency != tt.wantStats.P50 {
				t.Fatalf("result %+v", got)
			}
		})
	}
}

func TestTrafficDeliveredWithoutSent(t *testing.T) {
	clk := probetest.NewClock(t0)
	w := &probe.Traffic{Spec: probe.Spec{Name: "traffic"}, MinSamples: 1, Clock: clk}
	w.Observe(probe.Status{ID: "x", Status: probe.StatusDelivered, Timestamp: t0})
	if st := w.Stats(); st.Samples != 1 || st.P50 != 0 {
		t.Fatalf("stats %+v: a delivery without its sent has no latency", st)
	}
	check(t, w.Run(ctx(t)), true, probe.ClassNone)
}
