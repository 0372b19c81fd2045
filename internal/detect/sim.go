package detect

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Probe cadence assumed by the replay (docs/detect.md, "Replay").
const (
	// RoundInterval is the cadence of the network probe round (DNS, TCP,
	// TLS, HTTP, WebSocket, one Cloud API call per vantage) and of the
	// control probes, which run in the same round so that our own link
	// failing shows on both at once.
	RoundInterval = 15 * time.Second
	// CanaryInterval and CanaryTimeout: each canary sends a message every
	// interval and calls it undelivered after the timeout. A 60 s canary
	// cannot meet a 60 s declaration target on its own (docs/detect.md).
	CanaryInterval = 15 * time.Second
	CanaryTimeout  = 15 * time.Second
	// TrafficInterval and TrafficLag: real traffic is summarised every
	// interval from messages old enough to have a delivery receipt.
	TrafficInterval = 15 * time.Second
	TrafficLag      = 15 * time.Second
	// StatusFeedInterval is how often the platform's status feed is read.
	StatusFeedInterval = 2 * time.Minute
	// EvalInterval is the evaluation cadence; the hysteresis counts
	// (Config.Down, Config.Up) are in evaluations of this cadence.
	EvalInterval = 5 * time.Second
	// AckPublishDelay is the time from declaration to the pre-approved
	// acknowledgement being out (drafting from the template and
	// publishing; the plan pre-approves the first word).
	AckPublishDelay = 5 * time.Second
	// cloudAPIWindow is how many recent calls a Cloud API verdict covers.
	cloudAPIWindow = 5
)

// Noise of the simulated world.
const (
	blipRate        = 0.003         // chance that one probe fails for nothing
	vantageMTBF     = 3 * 24 * 3600 // seconds between remote vantage outages
	familyMTBF      = 2 * 24 * 3600 // seconds between single-family failures
	reportBurstMTBF = 4 * 24 * 3600 // seconds between report bursts
	reportBase      = 0.6           // reports per minute at the daily peak
	mentionBase     = 12.0          // mentions per 5 minutes at the daily peak
	burstReports    = 10.0          // extra reports per minute in a burst
)

var (
	networkFamilies = []Family{FamilyDNS, FamilyTCP, FamilyTLS, FamilyHTTP, FamilyWebSocket}
	vantages        = []string{"local", "fra", "ams"}
	noisyFamilies   = []Family{FamilyDNS, FamilyTCP, FamilyTLS, FamilyHTTP, FamilyWebSocket, FamilyCloudAPI, FamilyCanary, FamilyTraffic}
)

// feed is one source of signals in the simulated world.
type feed struct {
	family  Family
	source  string
	remote  bool // its results reach us over the network
	control bool
	every   int64 // seconds
	lag     int64 // the result describes the world lag seconds earlier
	next    int64
	fails   []string // Cloud API, canary: codes of the recent calls, "" = success
	// lastBad and lastCode describe the canary's latest failure.
	lastBad  State
	lastCode string
}

// world is one run's simulated truth: outage, noise and our own link.
type world struct {
	rng      *rand.Rand
	sc       *Scenario
	t0       time.Time
	onset    time.Time
	end      time.Time
	noise    []familyNoise
	vantage  []vantageNoise
	bursts   []interval
	linkDown []interval
}

type familyNoise struct {
	interval
	family Family
}

type vantageNoise struct {
	interval
	source string
}

// newWorld schedules the noise of a run spanning [t0, t1).
func newWorld(rng *rand.Rand, sc *Scenario, t0, t1 time.Time) *world {
	w := &world{rng: rng, sc: sc, t0: t0, linkDown: sc.linkDown}
	if sc.outage != nil {
		w.onset, w.end = sc.Onset, sc.Onset.Add(sc.Length)
	}
	span := func(mtbf float64, minLen, maxLen int) []interval {
		var out []interval
		t := t0
		for {
			t = t.Add(time.Duration(rng.ExpFloat64()*mtbf) * time.Second)
			if !t.Before(t1) {
				return out
			}
			d := time.Duration(minLen+rng.IntN(maxLen-minLen+1)) * time.Minute
			out = append(out, interval{t, t.Add(d)})
			t = t.Add(d)
		}
	}
	for _, iv := range span(familyMTBF, 3, 20) {
		w.noise = append(w.noise, familyNoise{iv, noisyFamilies[rng.IntN(len(noisyFamilies))]})
	}
	for _, iv := range span(vantageMTBF, 5, 30) {
		w.vantage = append(w.vantage, vantageNoise{iv, vantages[1+rng.IntN(len(vantages)-1)]})
	}
	w.bursts = span(reportBurstMTBF, 10, 20)
	return w
}

func (w *world) linkIsDown(t time.Time) bool {
	for _, iv := range w.linkDown {
		if iv.has(t) {
			return true
		}
	}
	return false
}

// outageEffect returns the effect of the outage on a family at t, if any.
func (w *world) outageEffect(f Family, t time.Time) (effect, bool) {
	if w.sc.outage == nil || t.Before(w.onset) || !t.Before(w.end) {
		return effect{}, false
	}
	e, ok := w.sc.outage.effects[f]
	if !ok || t.Before(w.onset.Add(e.after)) {
		return effect{}, false
	}
	return e, true
}

// observe returns what one probe of feed f delivered at t sees; ok is
// false when nothing reaches us.
func (w *world) observe(f *feed, t time.Time) (Signal, bool) {
	s := Signal{Dependency: "whatsapp", Family: f.family, Source: f.source, Control: f.control, At: t, Status: StatusGood}
	if w.linkIsDown(t) {
		if f.remote || f.family == FamilyStatusFeed {
			return s, false
		}
		s.Status, s.Detail = StatusBad, "timeout"
		return s, true
	}
	u := t.Add(-time.Duration(f.lag) * time.Second)
	failed, sev, code := w.fails(f, u)
	switch f.family {
	case FamilyCloudAPI:
		return w.cloudAPI(f, s, failed, sev, code), true
	case FamilyCanary:
		return w.canary(f, s, failed, sev, code), true
	}
	if failed {
		s.Status, s.Severity, s.Detail = StatusBad, sev, code
	}
	return s, true
}

// fails decides whether one probe or call made at u fails, and how.
func (w *world) fails(f *feed, u time.Time) (bool, State, string) {
	if f.control {
		return w.rng.Float64() < blipRate, StateMajorOutage, "timeout"
	}
	if e, ok := w.outageEffect(f.family, u); ok && w.rng.Float64() < e.pBad {
		return true, e.sev, e.detail
	}
	for _, n := range w.noise {
		if n.family == f.family && n.has(u) {
			return true, StateMajorOutage, "timeout"
		}
	}
	for _, n := range w.vantage {
		if n.source == f.source && n.has(u) {
			return true, StateMajorOutage, "timeout"
		}
	}
	if f.family != FamilyStatusFeed && w.rng.Float64() < blipRate {
		return true, StateMajorOutage, "timeout"
	}
	return false, 0, ""
}

// cloudAPI judges the last calls of one vantage: bad from 2 failures out
// of 5, a major outage from 4.
func (w *world) cloudAPI(f *feed, s Signal, failed bool, sev State, code string) Signal {
	if !failed {
		code = ""
	}
	f.fails = append(f.fails, code)
	if len(f.fails) > cloudAPIWindow {
		f.fails = f.fails[1:]
	}
	n, last := 0, ""
	for _, c := range f.fails {
		if c != "" {
			n, last = n+1, c
		}
	}
	if n < 2 {
		return s
	}
	s.Status, s.Severity = StatusBad, StatePartialOutage
	if n >= 4 {
		s.Severity = StateMajorOutage
	}
	if sev == StatePartialOutage && s.Severity > sev {
		s.Severity = sev
	}
	s.Detail = fmt.Sprintf("%s on %d/%d calls", last, n, len(f.fails))
	return s
}

// canary judges one canary's last messages: bad when the latest was not
// delivered, or two of the last three were not, so that a partial outage
// does not flip the verdict with every message.
func (w *world) canary(f *feed, s Signal, failed bool, sev State, code string) Signal {
	if failed {
		f.lastBad = sev
		f.lastCode = code
	}
	if !failed {
		code = ""
	}
	f.fails = append(f.fails, code)
	if len(f.fails) > 3 {
		f.fails = f.fails[1:]
	}
	n := 0
	for _, c := range f.fails {
		if c != "" {
			n++
		}
	}
	if failed || n >= 2 {
		s.Status, s.Severity, s.Detail = StatusBad, f.lastBad, f.lastCode
	}
	return s
}

// seasonal is the daily and weekly shape of human activity, 0.25 to 1.
func seasonal(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	v := 0.25
	if h >= 6 && h < 23 {
		v += 0.75 * math.Sin(math.Pi*(h-6)/17)
	}
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		v *= 0.7
	}
	return v
}

// reportRate is the expected reports per minute at t.
func (w *world) reportRate(t time.Time) float64 {
	r := reportBase * seasonal(t)
	for _, b := range w.bursts {
		if b.has(t) {
			r += burstReports
		}
	}
	return r + w.outageExtra(t, func(o *outage) float64 { return o.reports })
}

// mentionRate is the expected mentions per 5 minutes at t.
func (w *world) mentionRate(t time.Time) float64 {
	return mentionBase*seasonal(t) + w.outageExtra(t, func(o *outage) float64 { return o.mentions })
}

func (w *world) outageExtra(t time.Time, pick func(*outage) float64) float64 {
	o := w.sc.outage
	if o == nil || t.Before(w.onset) || !t.Before(w.end) {
		return 0
	}
	ramp := math.Min(1, float64(t.Sub(w.onset))/float64(o.ramp))
	return pick(o) * ramp
}

// poisson draws a Poisson count (normal approximation for large means).
func poisson(rng *rand.Rand, mean float64) float64 {
	if mean <= 0 {
		return 0
	}
	if mean > 50 {
		return math.Max(0, math.Round(mean+math.Sqrt(mean)*rng.NormFloat64()))
	}
	l, k, p := math.Exp(-mean), 0.0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
