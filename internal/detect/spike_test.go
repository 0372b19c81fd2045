package detect

import (
	"math/rand/v2"
	"testing"
	"time"
)

// syntheticReports is three weeks of seasonal Poisson report counts per
// minute, then extra reports per minute for spikeLen from spikeAt.
func syntheticReports(seed uint64, extra float64, spikeAt, spikeLen time.Duration) ([]time.Time, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	var ts []time.Time
	var xs []float64
	for t := start; t.Before(start.Add(21*24*time.Hour + 6*time.Hour)); t = t.Add(time.Minute) {
		mean := 2 * seasonal(t)
		if d := t.Sub(start); d >= spikeAt && d < spikeAt+spikeLen {
			mean += extra
		}
		ts = append(ts, t)
		xs = append(xs, poisson(rng, mean))
	}
	return ts, xs
}

func TestSpikeDetector(t *testing.T) {
	spikeAt := 21*24*time.Hour + 3*time.Hour // a Monday 03:00, after three weeks
	tests := []struct {
		name      string
		extra     float64
		wantAlarm bool
	}{
		{"no spike", 0, false},
		{"small bump stays quiet", 3, false},
		{"outage-sized spike", 40, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewSpikeDetector(DefaultReportSpikeConfig())
			if err != nil {
				t.Fatal(err)
			}
			ts, xs := syntheticReports(7, tt.extra, spikeAt, 20*time.Minute)
			var falseAlarms int
			var first time.Time
			for i, at := range ts {
				sp := d.Observe(at, xs[i])
				in := at.Sub(ts[0]) >= spikeAt && at.Sub(ts[0]) < spikeAt+20*time.Minute
				switch {
				case sp.Alarm && in && first.IsZero():
					first = at
					if sp.Basis != "hour_of_week" {
						t.Errorf("basis %s after three weeks", sp.Basis)
					}
				case sp.Alarm && !in:
					falseAlarms++
				}
			}
			if falseAlarms > 0 {
				t.Errorf("%d false alarm minutes in three weeks", falseAlarms)
			}
			if got := !first.IsZero(); got != tt.wantAlarm {
				t.Fatalf("alarm %v, want %v", got, tt.wantAlarm)
			}
			persist := time.Duration(DefaultReportSpikeConfig().Persist) * time.Minute
			if tt.wantAlarm && first.Sub(ts[0].Add(spikeAt)) >= persist {
				t.Errorf("alarm %s after onset, want within %s", first.Sub(ts[0].Add(spikeAt)), persist)
			}
		})
	}
}

func TestSpikeDetectorShortHistory(t *testing.T) {
	cfg := DefaultReportSpikeConfig()
	d, err := NewSpikeDetector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	var sp Spike
	for i := range 8 * 60 {
		n := 2.0
		if i >= 8*60-cfg.Persist {
			n = 60
		}
		sp = d.Observe(at, n)
		if i == 0 && sp.Basis != "warmup" {
			t.Errorf("first bucket basis %s, want warmup", sp.Basis)
		}
		if at.Sub(time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)) < cfg.Warmup && sp.Alarm {
			t.Fatal("alarm during warm-up")
		}
		at = at.Add(time.Minute)
	}
	if sp.Basis != "recent" || !sp.Alarm || sp.Baseline != 2 {
		t.Errorf("after 8 h: basis %s alarm %v baseline %g, want recent, true, 2", sp.Basis, sp.Alarm, sp.Baseline)
	}
	sig := sp.Signal("whatsapp", FamilyReports, "page", "reports")
	if sig.Status != StatusBad || sig.Severity != StateMajorOutage || sig.Detail != "60 reports vs 2 usual" {
		t.Errorf("signal %+v", sig)
	}
}

func TestSpikeConfigRejected(t *testing.T) {
	for _, mod := range []func(*SpikeConfig){
		func(c *SpikeConfig) { c.Bucket = 7 * time.Minute },
		func(c *SpikeConfig) { c.MinSlotWeeks = c.Weeks + 1 },
		func(c *SpikeConfig) { c.Z = 0 },
	} {
		c := DefaultReportSpikeConfig()
		mod(&c)
		if _, err := NewSpikeDetector(c); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}
