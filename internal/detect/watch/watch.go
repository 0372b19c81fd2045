// Package watch runs detection inside the server: it builds the probes the
// plan's detection section asks for, feeds their results, the status
// page's problem reports and remote agents' results to the evaluator, and
// acts on its decisions — declaring the plan's scenario (and publishing its
// pre-approved acknowledgement) when the scenario allows it, paging the
// communication role otherwise, and proposing, never forcing, the way back.
package watch

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vigie-hq/vigie/internal/detect"
	"github.com/vigie-hq/vigie/internal/detect/probe"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
)

// Incidents is what detection needs from the crisis room.
type Incidents interface {
	Declare(ctx context.Context, actor incident.Actor, in incident.DeclareInput) (incident.DeclareResult, error)
	RecordSignal(ctx context.Context, id int64, source string, payload map[string]any) (incident.Event, error)
}

// Reports counts the status page's problem reports per minute.
type Reports interface {
	PerMinute(ctx context.Context, dependency string, since time.Time) ([]int, error)
}

// Pager tells the team something that needs a person.
type Pager func(ctx context.Context, subject, body string)

// Options configure a Watcher.
type Options struct {
	Plan      func() *plan.Plan
	Secret    func(plan.SecretRef) (string, error)
	Incidents Incidents
	Reports   Reports
	Page      Pager
	Clock     probe.Clock
	Logger    *slog.Logger
	// RootCAs replaces the system roots for TLS probes (tests).
	RootCAs    *x509.CertPool
	HTTPClient *http.Client
	// Config overrides detect.DefaultConfig().
	Config *detect.Config
	// ProbeTimeout overrides each network probe's timeout (tests).
	ProbeTimeout time.Duration
	// Receipt records a delivery status Meta posted for a message the
	// WhatsApp channel sent (the delivery ledger's Receipt).
	Receipt func(ctx context.Context, provider, providerID, state, reason string) (bool, error)
}

// actor is who detection acts as on the timeline.
var actor = incident.Actor{Username: "detection", Role: "system"}

// Watcher is detection at run time.
type Watcher struct {
	o Options

	mu       sync.Mutex
	eval     *detect.Evaluator
	latest   map[string]probe.Result // probe name → last result
	history  map[string][]detect.Event
	verdicts map[string]detect.Verdict
	declared map[string]time.Time // scenario → when detection declared it
	spikes   map[string]*detect.SpikeDetector
	built    built
	counts   map[string]*counter // probe name → runs and failures
}

type counter struct {
	runs, failures int
	latency        time.Duration
}

// New returns a Watcher; Run starts it.
func New(o Options) (*Watcher, error) {
	if o.Clock == nil {
		o.Clock = probe.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Secret == nil {
		o.Secret = func(plan.SecretRef) (string, error) { return "", errors.New("no secrets configured") }
	}
	cfg := detect.DefaultConfig()
	if o.Config != nil {
		cfg = *o.Config
	}
	ev, err := detect.NewEvaluator(cfg, o.Logger)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &Watcher{o: o, eval: ev, latest: map[string]probe.Result{}, history: map[string][]detect.Event{}, verdicts: map[string]detect.Verdict{},
		declared: map[string]time.Time{}, spikes: map[string]*detect.SpikeDetector{}, counts: map[string]*counter{}}
	b, err := w.build(o.Plan())
	if err != nil {
		return nil, err
	}
	w.built = b
	for _, warn := range b.warnings {
		o.Logger.Warn("detection: " + warn)
	}
	return w, nil
}

// Webhook is the handler for Meta's status callbacks (nil when no Cloud
// API probe has an app secret).
func (w *Watcher) Webhook() http.Handler {
	if w.built.webhook == nil {
		return nil
	}
	return w.built.webhook
}

// Probes reports how many probes run.
func (w *Watcher) Probes() int { return len(w.built.jobs) }

// Run probes and evaluates until ctx is done.
func (w *Watcher) Run(ctx context.Context) error {
	if len(w.built.jobs) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runner := &probe.Runner{OnResult: w.Observe, Clock: w.o.Clock, Logger: w.o.Logger}
	errc := make(chan error, 1)
	go func() { errc <- runner.Run(ctx, w.built.jobs) }()
	nextReports := w.o.Clock.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("watch: %w", err)
			}
			return nil
		case <-w.o.Clock.After(detect.EvalInterval):
		}
		now := w.o.Clock.Now()
		if !now.Before(nextReports) {
			w.feedReports(ctx, now)
			nextReports = now.Add(time.Minute)
		}
		w.Evaluate(ctx, now)
	}
}

// Observe feeds one probe result (local or from a remote agent).
func (w *Watcher) Observe(r probe.Result) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.latest[r.Probe] = r
	c := w.counts[r.Probe]
	if c == nil {
		c = &counter{}
		w.counts[r.Probe] = c
	}
	c.runs++
	if !r.OK {
		c.failures++
	}
	c.latency = r.Latency
	if err := w.eval.Observe(signal(r)); err != nil {
		w.o.Logger.Debug("detection: signal refused", "probe", r.Probe, "err", err)
	}
}

// feedReports turns the last minute's problem reports into a signal per
// dependency, judged against the same hour of past weeks.
func (w *Watcher) feedReports(ctx context.Context, now time.Time) {
	p := w.o.Plan()
	if w.o.Reports == nil || p.Detection == nil {
		return
	}
	for _, dp := range p.Detection.Dependencies {
		w.mu.Lock()
		sd := w.spikes[dp.ID]
		if sd == nil {
			var err error
			if sd, err = detect.NewSpikeDetector(detect.DefaultReportSpikeConfig()); err != nil {
				w.mu.Unlock()
				w.o.Logger.Error("detection: spike detector", "err", err)
				return
			}
			w.spikes[dp.ID] = sd
		}
		w.mu.Unlock()
		counts, err := w.o.Reports.PerMinute(ctx, dp.ID, now.Add(-time.Minute))
		if err != nil || len(counts) == 0 {
			continue
		}
		minute := now.Truncate(time.Minute).Add(-time.Minute)
		w.mu.Lock()
		sp := sd.Observe(minute, float64(counts[0]))
		if err := w.eval.Observe(sp.Signal(dp.ID, detect.FamilyReports, "statuspage", "min")); err != nil {
			w.o.Logger.Debug("detection: report signal refused", "err", err)
		}
		w.mu.Unlock()
	}
}

// Evaluate runs one evaluation and acts on its decisions.
func (w *Watcher) Evaluate(ctx context.Context, now time.Time) {
	w.mu.Lock()
	out := w.eval.Evaluate(now)
	for _, e := range out.Events {
		h := append(w.history[e.Dependency], e)
		if len(h) > 50 {
			h = h[len(h)-50:]
		}
		w.history[e.Dependency] = h
		w.o.Logger.Info("detection: state changed", "dependency", e.Dependency, "from", e.From.String(), "to", e.To.String(),
			"confidence", e.Confidence, "explanation", e.Explanation)
	}
	p := w.o.Plan()
	if p.Detection != nil {
		for _, dp := range p.Detection.Dependencies {
			if v, ok := w.eval.Verdict(dp.ID); ok {
				w.verdicts[dp.ID] = v
			}
		}
	}
	w.mu.Unlock()
	for _, d := range out.Decisions {
		w.act(ctx, p, d)
	}
}

// act carries out a decision: for each scenario the trigger names, declare
// (and publish its pre-approved acknowledgement) when the scenario allows
// it, otherwise page the communication role.
func (w *Watcher) act(ctx context.Context, p *plan.Plan, d detect.Decision) {
	switch d.Kind {
	case detect.DecisionDeclare, detect.DecisionEscalate:
	default:
		if w.o.Page != nil {
			w.o.Page(ctx, fmt.Sprintf("Detection: %s looks %s again", d.Dependency, d.State),
				fmt.Sprintf("%s (confidence %.0f %%). Consider moving the incident to monitoring, then resolving it: detection never resolves by itself.", d.Explanation, 100*d.Confidence))
		}
		return
	}
	for _, sc := range p.Scenarios {
		if !triggers(sc, d.Trigger) {
			continue
		}
		min := sc.MinConfidence
		if min <= 0 {
			min = 0.6
		}
		if d.Confidence < min {
			w.o.Logger.Info("detection: below the scenario's confidence", "scenario", sc.ID, "confidence", d.Confidence, "min", min)
			continue
		}
		if !sc.AutoDeclare {
			if w.o.Page != nil {
				w.o.Page(ctx, fmt.Sprintf("Detection suggests declaring %q", sc.ID),
					fmt.Sprintf("%s is %s: %s (confidence %.0f %%). Declare the scenario in the console; its acknowledgement drafts are ready.", d.Dependency, d.State, d.Explanation, 100*d.Confidence))
			}
			continue
		}
		res, err := w.o.Incidents.Declare(ctx, actor, incident.DeclareInput{Scenario: sc.ID, AutoPublish: sc.AutoPublish,
			Note: fmt.Sprintf("Declared by detection: %s (confidence %.0f %%)", d.Explanation, 100*d.Confidence)})
		if err != nil {
			w.o.Logger.Error("detection: declare", "scenario", sc.ID, "err", err)
			continue
		}
		w.mu.Lock()
		w.declared[sc.ID] = d.At
		w.mu.Unlock()
		_, _ = w.o.Incidents.RecordSignal(ctx, res.Incident.ID, "detection", map[string]any{"dependency": d.Dependency, "state": d.State.String(),
			"trigger": d.Trigger, "confidence": d.Confidence, "explanation": d.Explanation})
		w.o.Logger.Info("detection: declared", "scenario", sc.ID, "incident", res.Incident.ID, "auto_publish", sc.AutoPublish)
	}
}

func triggers(sc plan.Scenario, trigger string) bool {
	for _, t := range sc.Triggers {
		if t == trigger {
			return true
		}
	}
	return false
}

// DependencyStatus is detection's view of one dependency, for the console.
type DependencyStatus struct {
	Dependency  string
	State       string
	Since       time.Time
	Confidence  float64
	Explanation string
	Flapping    bool
	Probes      []probe.Result
	History     []detect.Event
}

// Status returns detection's view of every watched dependency, and the
// controls as "controls".
func (w *Watcher) Status() []DependencyStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	byDep := map[string]*DependencyStatus{}
	get := func(dep string) *DependencyStatus {
		if s, ok := byDep[dep]; ok {
			return s
		}
		s := &DependencyStatus{Dependency: dep, State: detect.StateUnknown.String()}
		if v, ok := w.verdicts[dep]; ok {
			s.State, s.Since, s.Flapping = v.State.String(), v.Since, v.Flapping
			s.Confidence, s.Explanation = v.Assessment.Confidence, v.Assessment.Explanation
		}
		s.History = append([]detect.Event(nil), w.history[dep]...)
		byDep[dep] = s
		return s
	}
	for _, r := range w.latest {
		dep := r.Dependency
		if r.Control {
			dep = controlDependency
		}
		s := get(dep)
		s.Probes = append(s.Probes, r)
	}
	out := make([]DependencyStatus, 0, len(byDep))
	for _, s := range byDep {
		sort.Slice(s.Probes, func(i, j int) bool { return s.Probes[i].Probe < s.Probes[j].Probe })
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Dependency == controlDependency) != (out[j].Dependency == controlDependency) {
			return out[j].Dependency == controlDependency
		}
		return out[i].Dependency < out[j].Dependency
	})
	return out
}

// metricName makes a Prometheus label value safe.
func metricName(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// RunOnce runs every probe once, now, and feeds the results: a "check now"
// for the console and the way tests drive detection step by step.
func (w *Watcher) RunOnce(ctx context.Context) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	results := make([]probe.Result, len(w.built.jobs))
	for i, j := range w.built.jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = j.Probe.Run(ctx)
		})
	}
	wg.Wait()
	for _, r := range results {
		w.Observe(r)
	}
}
