package detect

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Replay targets: the promise the replay checks.
const (
	TargetDeclare = 60 * time.Second
	TargetAck     = 120 * time.Second
)

const (
	warmBefore    = 30 * time.Minute    // simulated time before an onset
	runAfter      = 25 * time.Minute    // simulated time after an outage ends
	primeHistory  = 14 * 24 * time.Hour // report history before a run
	lateDeclare   = 10 * time.Minute    // a declaration this long after the end is false
	replaySeedMix = 0x5eed_d37ec7
)

// ScenarioResult summarises the runs of one scenario.
type ScenarioResult struct {
	Scenario Scenario
	Runs     int
	// Declared counts runs that declared during the outage; Missed those
	// that did not.
	Declared, Missed int
	// Trigger is the trigger of the first declaration of the first run.
	Trigger string
	// WrongTrigger counts runs whose first declaration is not the
	// expected trigger state.
	WrongTrigger              int
	DeclareMedian, DeclareMax time.Duration
	AckMax                    time.Duration
	MonitoringMax             time.Duration // end of outage to propose_monitoring
	FalseDeclarations         int
	StateChanges              int
}

// Replay runs each scenario on a virtual clock and measures detection.
func Replay(ctx context.Context, scenarios []Scenario, cfg Config, logger *slog.Logger) ([]ScenarioResult, error) {
	var out []ScenarioResult
	for i := range scenarios {
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("detect: replay: %w", err)
		}
		r, err := replayScenario(&scenarios[i], cfg, logger)
		if err != nil {
			return out, fmt.Errorf("detect: replay %s: %w", scenarios[i].Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func seedOf(name string, run int) (uint64, uint64) {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64(), uint64(run) ^ replaySeedMix
}

func replayScenario(sc *Scenario, cfg Config, logger *slog.Logger) (ScenarioResult, error) {
	res := ScenarioResult{Scenario: *sc, Runs: sc.Runs}
	start := sc.Onset
	if sc.outage != nil {
		start = sc.Onset.Add(-warmBefore)
	}
	reports, mentions, err := primeDetectors(sc, start)
	if err != nil {
		return res, err
	}
	var declares []time.Duration
	for run := 0; run < sc.Runs; run++ {
		rng := rand.New(rand.NewPCG(seedOf(sc.Name, run)))
		t0 := start.Add(-time.Duration(rng.IntN(60)) * time.Second)
		t1 := sc.Onset.Add(sc.Span)
		if sc.outage != nil {
			t1 = sc.Onset.Add(sc.Length + runAfter)
		}
		ev, err := NewEvaluator(cfg, logger)
		if err != nil {
			return res, err
		}
		r := &runner{w: newWorld(rng, sc, t0, t1), ev: ev, reports: reports.clone(), mentions: mentions.clone()}
		first, err := r.run(t0, t1)
		if err != nil {
			return res, err
		}
		res.StateChanges += r.changes
		res.FalseDeclarations += r.falseDecl
		if sc.outage == nil {
			continue
		}
		if first == nil {
			res.Missed++
			continue
		}
		res.Declared++
		if res.Trigger == "" {
			res.Trigger = first.Trigger
		}
		if !strings.HasSuffix(first.Trigger, "."+sc.Expect) {
			res.WrongTrigger++
		}
		d := first.At.Sub(sc.Onset)
		declares = append(declares, d)
		res.DeclareMax = max(res.DeclareMax, d)
		res.AckMax = max(res.AckMax, d+AckPublishDelay)
		res.MonitoringMax = max(res.MonitoringMax, r.monitoring)
	}
	if len(declares) > 0 {
		slices.Sort(declares)
		res.DeclareMedian = declares[len(declares)/2]
	}
	return res, nil
}

// primeDetectors gives the spike detectors two weeks of ordinary history
// before start, with their own random stream so that runs share it.
func primeDetectors(sc *Scenario, start time.Time) (*SpikeDetector, *SpikeDetector, error) {
	reports, err := NewSpikeDetector(DefaultReportSpikeConfig())
	if err != nil {
		return nil, nil, err
	}
	mentions, err := NewSpikeDetector(DefaultMentionSpikeConfig())
	if err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seedOf(sc.Name+"/prime", 0)))
	quiet := &world{sc: &Scenario{}}
	from := start.Truncate(5 * time.Minute).Add(-primeHistory)
	for t := from; t.Before(start.Truncate(5 * time.Minute)); t = t.Add(time.Minute) {
		reports.Observe(t, poisson(rng, quiet.reportRate(t.Add(30*time.Second))))
		if t.Minute()%5 == 0 {
			mentions.Observe(t, poisson(rng, quiet.mentionRate(t.Add(150*time.Second))))
		}
	}
	return reports, mentions, nil
}

// runner drives one run: feeds, spike detectors and the evaluator.
type runner struct {
	w                  *world
	ev                 *Evaluator
	reports, mentions  *SpikeDetector
	changes, falseDecl int
	monitoring         time.Duration
}

func (r *runner) feeds(t0 time.Time) []*feed {
	rng := r.w.rng
	round := int64(rng.IntN(int(RoundInterval / time.Second)))
	every := int64(RoundInterval / time.Second)
	var fs []*feed
	add := func(f *feed) { fs = append(fs, f) }
	for _, fam := range networkFamilies {
		for _, v := range vantages {
			f := &feed{family: fam, source: v, every: every, next: round}
			if v != "local" {
				f.remote, f.next = true, round+1+int64(rng.IntN(3))
			}
			add(f)
		}
	}
	for _, v := range []string{"1.1.1.1", "9.9.9.9", "8.8.8.8"} {
		add(&feed{family: FamilyTCP, source: v, control: true, every: every, next: round})
	}
	add(&feed{family: FamilyCloudAPI, source: "local", every: every, next: round})
	add(&feed{family: FamilyCloudAPI, source: "fra", remote: true, every: every, next: round + 2})
	canary, lag := int64(CanaryInterval/time.Second), int64(CanaryTimeout/time.Second)
	for _, v := range []string{"canary-a", "canary-b"} {
		add(&feed{family: FamilyCanary, source: v, every: canary, lag: lag, next: int64(rng.IntN(int(canary))) + lag})
	}
	traffic := int64(TrafficInterval / time.Second)
	add(&feed{family: FamilyTraffic, source: "outbound", every: traffic, lag: int64(TrafficLag / time.Second), next: int64(rng.IntN(int(traffic)))})
	status := int64(StatusFeedInterval / time.Second)
	add(&feed{family: FamilyStatusFeed, source: "metastatus", every: status, next: int64(rng.IntN(int(status)))})
	return fs
}

// run simulates [t0, t1) second by second and returns the first
// declaration made during the outage, if any.
func (r *runner) run(t0, t1 time.Time) (*Decision, error) {
	fs := r.feeds(t0)
	evalEvery := int64(EvalInterval / time.Second)
	evalAt := fs[0].next + 3
	var first *Decision
	total := int64(t1.Sub(t0) / time.Second)
	for s := int64(0); s < total; s++ {
		t := t0.Add(time.Duration(s) * time.Second)
		for _, f := range fs {
			if s < f.next {
				continue
			}
			f.next += f.every
			if sig, ok := r.w.observe(f, t); ok {
				if err := r.ev.Observe(sig); err != nil {
					return nil, err
				}
			}
		}
		if t.Unix()%60 == 0 {
			if err := r.counts(t); err != nil {
				return nil, err
			}
		}
		if s == evalAt {
			evalAt += evalEvery
			out := r.ev.Evaluate(t)
			r.changes += len(out.Events)
			for i := range out.Decisions {
				if d := r.judge(&out.Decisions[i]); d != nil && first == nil {
					first = d
				}
			}
		}
	}
	return first, nil
}

// counts closes the report minute (and mention 5 minutes) ending at t.
func (r *runner) counts(t time.Time) error {
	w := r.w
	n := 0.0
	if !w.linkIsDown(t.Add(-30 * time.Second)) {
		n = poisson(w.rng, w.reportRate(t.Add(-30*time.Second)))
	}
	sig := r.reports.Observe(t.Add(-time.Minute), n).Signal("whatsapp", FamilyReports, "statuspage", "reports")
	sig.At = t
	if err := r.ev.Observe(sig); err != nil {
		return err
	}
	if t.Minute()%5 != 0 || w.linkIsDown(t) {
		return nil
	}
	m := poisson(w.rng, w.mentionRate(t.Add(-150*time.Second)))
	sig = r.mentions.Observe(t.Add(-5*time.Minute), m).Signal("whatsapp", FamilySocial, "listen", "mentions")
	sig.At = t
	return r.ev.Observe(sig)
}

// judge classifies a decision; it returns it when it is a declaration made
// during the outage.
func (r *runner) judge(d *Decision) *Decision {
	w := r.w
	switch d.Kind {
	case DecisionDeclare:
		if w.sc.outage == nil || d.At.Before(w.onset) || d.At.After(w.end.Add(lateDeclare)) {
			r.falseDecl++
			return nil
		}
		return d
	case DecisionProposeMonitoring:
		if w.sc.outage != nil && !d.At.Before(w.end) && r.monitoring == 0 {
			r.monitoring = d.At.Sub(w.end)
		}
	}
	return nil
}

// Summary is the replay's one-line verdict.
type Summary struct {
	Scenarios         int
	MaxDeclare        time.Duration
	MaxAck            time.Duration
	Missed            int
	FalseDeclarations int
}

// Summarise folds the results.
func Summarise(results []ScenarioResult) Summary {
	s := Summary{Scenarios: len(results)}
	for _, r := range results {
		s.MaxDeclare = max(s.MaxDeclare, r.DeclareMax)
		s.MaxAck = max(s.MaxAck, r.AckMax)
		s.Missed += r.Missed
		s.FalseDeclarations += r.FalseDeclarations
	}
	return s
}

// String is the summary line; a scenario that never declared makes the
// maxima "inf".
func (s Summary) String() string {
	dec, ack := fmt.Sprint(int(s.MaxDeclare.Seconds())), fmt.Sprint(int(s.MaxAck.Seconds()))
	if s.Missed > 0 {
		dec, ack = "inf", "inf"
	}
	return fmt.Sprintf("scenarios=%d max_declare_s=%s max_ack_s=%s false_declarations=%d", s.Scenarios, dec, ack, s.FalseDeclarations)
}

// WriteReplay prints one row per scenario, then the summary line.
func WriteReplay(w io.Writer, results []ScenarioResult) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %4s %-9s %-20s %8s %6s %9s %6s %6s %7s\n",
		"scenario", "runs", "expect", "declared", "median_s", "max_s", "ack_max_s", "mon_s", "false", "changes")
	for _, r := range results {
		expect, declared, med, mx, ack, mon := "none", "-", "-", "-", "-", "-"
		if r.Scenario.Expect != "" {
			expect = r.Scenario.Expect
			declared = fmt.Sprintf("%d/%d %s", r.Declared, r.Runs, strings.TrimPrefix(r.Trigger, "whatsapp."))
			if r.WrongTrigger > 0 {
				declared += fmt.Sprintf(" (%d other)", r.WrongTrigger)
			}
		}
		if r.Declared > 0 {
			med, mx = secs(r.DeclareMedian), secs(r.DeclareMax)
			ack, mon = secs(r.AckMax), secs(r.MonitoringMax)
		}
		fmt.Fprintf(&b, "%-28s %4d %-9s %-20s %8s %6s %9s %6s %6d %7d\n",
			r.Scenario.Name, r.Runs, expect, declared, med, mx, ack, mon, r.FalseDeclarations, r.StateChanges)
	}
	b.WriteString(Summarise(results).String())
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

func secs(d time.Duration) string { return fmt.Sprint(int(d.Seconds())) }

// FindScenarios returns the built-in scenarios named, all when none is.
func FindScenarios(names []string) ([]Scenario, error) {
	all := BuiltinScenarios()
	if len(names) == 0 {
		return all, nil
	}
	var out []Scenario
	for _, n := range names {
		i := slices.IndexFunc(all, func(s Scenario) bool { return s.Name == n })
		if i < 0 {
			known := make([]string, len(all))
			for j, s := range all {
				known[j] = s.Name
			}
			return nil, fmt.Errorf("detect: unknown scenario %q (known: %s)", n, strings.Join(known, ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}
