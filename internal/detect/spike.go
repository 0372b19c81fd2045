package detect

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// SpikeConfig tunes a SpikeDetector. One configuration serves every series
// of a kind; it is never tuned per series.
type SpikeConfig struct {
	// Bucket is the width of one count: a minute for user reports, five
	// minutes for social mentions.
	Bucket time.Duration
	// Weeks is how many weeks of each hour-of-week slot are kept.
	Weeks int
	// MinSlotWeeks is how many weeks of history an hour-of-week slot
	// needs before it is trusted; until then the recent window serves.
	MinSlotWeeks int
	// Recent is the fallback window when the slot is too young.
	Recent time.Duration
	// Warmup is how much history is needed before any alarm.
	Warmup time.Duration
	// Z is the robust score above which a count is a spike.
	Z float64
	// MinExcess and MinRatio also require a spike to exceed the baseline
	// by that many counts and that factor, so that 3 reports against a
	// usual 0 do not page anyone.
	MinExcess float64
	MinRatio  float64
	// Persist is how many consecutive buckets must pass the test before
	// the alarm is raised: outages last, bursts of chatter do not.
	Persist int
	// Location sets the clock of the hour of the week (the business's
	// time zone); nil means UTC.
	Location *time.Location
}

// DefaultReportSpikeConfig is for per-minute user-report counts.
func DefaultReportSpikeConfig() SpikeConfig {
	return SpikeConfig{Bucket: time.Minute, Weeks: 4, MinSlotWeeks: 2, Recent: 6 * time.Hour,
		Warmup: 6 * time.Hour, Z: 6, MinExcess: 8, MinRatio: 3, Persist: 2}
}

// DefaultMentionSpikeConfig is for per-5-minute social mention counts; it
// is the configuration measured on the NAB Twitter series.
func DefaultMentionSpikeConfig() SpikeConfig {
	return SpikeConfig{Bucket: 5 * time.Minute, Weeks: 4, MinSlotWeeks: 2, Recent: 6 * time.Hour,
		Warmup: 24 * time.Hour, Z: 6, MinExcess: 5, MinRatio: 2, Persist: 6}
}

// Spike is the verdict on one bucket.
type Spike struct {
	At       time.Time
	Count    float64
	Baseline float64
	// Scale is the robust spread used: the larger of 1.4826×MAD and the
	// Poisson standard deviation √baseline.
	Scale float64
	Score float64
	Alarm bool
	// Basis is "hour_of_week", "recent" or "warmup".
	Basis string
}

// SpikeDetector compares each count with the same hour of the week in past
// weeks (Downdetector's method) using the median and MAD, falling back on
// the recent window while history is short. Counting each client's report
// once is the caller's job (see userreport.DedupWindow): the detector sees
// counts only. Not safe for concurrent use.
type SpikeDetector struct {
	cfg     SpikeConfig
	perHour int
	slots   [7 * 24][]float64
	recent  []float64
	first   time.Time
	started bool
	run     int
	scratch []float64
}

// NewSpikeDetector returns a detector with no history.
func NewSpikeDetector(cfg SpikeConfig) (*SpikeDetector, error) {
	if cfg.Bucket <= 0 || time.Hour%cfg.Bucket != 0 {
		return nil, fmt.Errorf("detect: spike bucket %s: want a divisor of an hour", cfg.Bucket)
	}
	if cfg.Weeks < 1 || cfg.MinSlotWeeks < 1 || cfg.MinSlotWeeks > cfg.Weeks || cfg.Z <= 0 || cfg.Recent < cfg.Bucket {
		return nil, errors.New("detect: spike config: want weeks ≥ min slot weeks ≥ 1, z > 0, recent ≥ bucket")
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	return &SpikeDetector{cfg: cfg, perHour: int(time.Hour / cfg.Bucket)}, nil
}

// Observe scores the count of the bucket starting at at, then adds it to
// the history. Buckets must come in time order, one per bucket; a missing
// bucket should be passed as 0 when nothing was counted.
func (d *SpikeDetector) Observe(at time.Time, count float64) Spike {
	sp := d.score(at, count)
	slot := d.slot(at)
	d.slots[slot] = pushCapped(d.slots[slot], count, d.cfg.Weeks*d.perHour)
	d.recent = pushCapped(d.recent, count, int(d.cfg.Recent/d.cfg.Bucket))
	return sp
}

func (d *SpikeDetector) slot(at time.Time) int {
	t := at.In(d.cfg.Location)
	return int(t.Weekday())*24 + t.Hour()
}

func (d *SpikeDetector) score(at time.Time, count float64) Spike {
	sp := Spike{At: at, Count: count, Basis: "warmup"}
	if !d.started {
		d.started, d.first = true, at
	}
	hist := d.slots[d.slot(at)]
	switch {
	case len(hist) >= d.cfg.MinSlotWeeks*d.perHour:
		sp.Basis = "hour_of_week"
	case len(d.recent) > 0:
		hist = d.recent
		sp.Basis = "recent"
	default:
		return sp
	}
	med, mad := d.medianMAD(hist)
	sp.Baseline = med
	sp.Scale = math.Max(1.4826*mad, math.Sqrt(math.Max(med, 1)))
	sp.Score = (count - med) / sp.Scale
	warm := at.Sub(d.first) >= d.cfg.Warmup
	if !warm {
		sp.Basis = "warmup"
	}
	if warm && sp.Score >= d.cfg.Z && count-med >= d.cfg.MinExcess && count >= d.cfg.MinRatio*math.Max(med, 1) {
		d.run++
	} else {
		d.run = 0
	}
	sp.Alarm = d.run >= max(d.cfg.Persist, 1)
	return sp
}

func (d *SpikeDetector) medianMAD(xs []float64) (float64, float64) {
	d.scratch = append(d.scratch[:0], xs...)
	med := median(d.scratch)
	for i, x := range xs {
		d.scratch[i] = math.Abs(x - med)
	}
	return med, median(d.scratch)
}

// median sorts xs in place.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// pushCapped appends x and keeps the last limit values.
func pushCapped(xs []float64, x float64, limit int) []float64 {
	if len(xs) >= limit {
		copy(xs, xs[len(xs)-limit+1:])
		xs = xs[:limit-1]
	}
	return append(xs, x)
}

// Signal turns a verdict into a Signal of the given family; unit names the
// counted things in the explanation ("reports", "mentions"). During warm-up
// the signal is unknown, since there is nothing to compare with.
func (s Spike) Signal(dependency string, family Family, source, unit string) Signal {
	sig := Signal{Dependency: dependency, Family: family, Source: source, At: s.At, Status: StatusGood}
	switch {
	case s.Basis == "warmup":
		sig.Status = StatusUnknown
	case s.Alarm:
		sig.Status = StatusBad
		ratio := s.Count / math.Max(s.Baseline, 1)
		switch {
		case ratio >= 10:
			sig.Severity = StateMajorOutage
		case ratio >= 4:
			sig.Severity = StatePartialOutage
		default:
			sig.Severity = StateDegraded
		}
		sig.Detail = fmt.Sprintf("%.0f %s vs %.0f usual", s.Count, unit, s.Baseline)
	}
	return sig
}

// clone copies the detector with its history, so that one primed history
// serves many replay runs.
func (d *SpikeDetector) clone() *SpikeDetector {
	c := *d
	for i := range c.slots {
		c.slots[i] = slices.Clone(d.slots[i])
	}
	c.recent = slices.Clone(d.recent)
	c.scratch = nil
	return &c
}
