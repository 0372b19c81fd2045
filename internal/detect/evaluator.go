package detect

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"time"
)

// Event is a change of a dependency's state, or the start or end of
// flapping (then From may equal To).
type Event struct {
	Dependency string
	At         time.Time
	From, To   State
	// Since is when the evidence for To started: the first evaluation of
	// the run that led to the change.
	Since       time.Time
	Confidence  float64
	Explanation string
	// Flapping is true while the state is frozen by flap suppression.
	Flapping bool
	// Note is "", "flapping" (frozen from now on) or "flapping_over".
	Note string
}

// Output is what one evaluation produced.
type Output struct {
	Events    []Event
	Decisions []Decision
}

// Verdict is the current view of one dependency.
type Verdict struct {
	Dependency string
	State      State
	Since      time.Time
	Flapping   bool
	Assessment Assessment
}

// Evaluator keeps the latest signals and the state of each dependency. It
// is not safe for concurrent use: one goroutine owns it and feeds it.
type Evaluator struct {
	cfg      Config
	log      *slog.Logger
	deps     map[string]*depState
	controls map[string]Signal
}

type depState struct {
	name    string
	signals map[Family]map[string]Signal
	// badSince remembers since when each family has been bad.
	badSince map[Family]time.Time

	// underlying is the state hysteresis settled on; state is what is
	// reported, which differs only while flapping freezes it.
	underlying, state State
	since             time.Time
	streak            streak

	changes     []time.Time
	flapping    bool
	lastChange  time.Time
	last        Assessment
	lastEval    time.Time
	decisionsSt decisionState
}

// streak counts consecutive evaluations pointing away from the state.
type streak struct {
	class  int
	count  int
	target State
	start  time.Time
}

// Streak classes relative to the current state.
const (
	same = iota
	worse
	better
	toUnknown
	fromUnknown
)

// NewEvaluator returns an evaluator; logger may be nil.
func NewEvaluator(cfg Config, logger *slog.Logger) (*Evaluator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Evaluator{cfg: cfg, log: logger, deps: map[string]*depState{}, controls: map[string]Signal{}}, nil
}

// Observe records a signal; it takes effect at the next Evaluate. Only the
// latest signal of each source counts.
func (e *Evaluator) Observe(s Signal) error {
	if s.Family == "" || s.Source == "" {
		return errors.New("detect: observe: signal needs a family and a source")
	}
	if s.Control {
		if old, ok := e.controls[s.Source]; !ok || !s.At.Before(old.At) {
			e.controls[s.Source] = s
		}
		return nil
	}
	if s.Dependency == "" {
		return fmt.Errorf("detect: observe %s/%s: signal needs a dependency", s.Family, s.Source)
	}
	d := e.dep(s.Dependency)
	bySource := d.signals[s.Family]
	if bySource == nil {
		bySource = map[string]Signal{}
		d.signals[s.Family] = bySource
	}
	if old, ok := bySource[s.Source]; !ok || !s.At.Before(old.At) {
		bySource[s.Source] = s
	}
	return nil
}

func (e *Evaluator) dep(name string) *depState {
	d := e.deps[name]
	if d == nil {
		d = &depState{name: name, signals: map[Family]map[string]Signal{}, badSince: map[Family]time.Time{}}
		e.deps[name] = d
	}
	return d
}

// Evaluate fuses the signals as of now, applies hysteresis and flap
// suppression, and returns the state changes and trigger decisions. Call
// it at a steady cadence (the network probe interval): hysteresis counts
// evaluations.
func (e *Evaluator) Evaluate(now time.Time) Output {
	var out Output
	names := make([]string, 0, len(e.deps))
	for n := range e.deps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d := e.deps[n]
		d.last = e.assess(d, now)
		d.lastEval = now
		out.Events = append(out.Events, e.step(d, now)...)
		out.Decisions = append(out.Decisions, e.decide(d, now)...)
	}
	return out
}

// Verdict returns the current view of a dependency; ok is false when no
// signal of it was ever observed.
func (e *Evaluator) Verdict(dependency string) (Verdict, bool) {
	d, ok := e.deps[dependency]
	if !ok {
		return Verdict{}, false
	}
	return Verdict{Dependency: d.name, State: d.state, Since: d.since, Flapping: d.flapping, Assessment: d.last}, true
}

// classify places a candidate relative to the current state.
func classify(cur, cand State) int {
	switch {
	case cand == cur:
		return same
	case cand == StateUnknown:
		return toUnknown
	case cur == StateUnknown:
		return fromUnknown
	case cand.rank() > cur.rank():
		return worse
	default:
		return better
	}
}

// step runs hysteresis on the underlying state, then flap suppression on
// the reported one.
func (e *Evaluator) step(d *depState, now time.Time) []Event {
	cand := d.last.Candidate
	class := classify(d.underlying, cand)
	if class == same {
		d.streak = streak{}
		return e.flapEnd(d, now)
	}
	if class != d.streak.class {
		d.streak = streak{class: class, target: cand, start: now}
	}
	d.streak.count++
	switch class {
	case worse:
		// Go down only as far as every evaluation of the run agrees.
		if cand.rank() < d.streak.target.rank() {
			d.streak.target = cand
		}
	case better:
		// Come back only as far as every evaluation of the run agrees.
		if cand.rank() > d.streak.target.rank() {
			d.streak.target = cand
		}
	default:
		d.streak.target = cand
	}
	need := e.cfg.Down
	if class == better || (class == fromUnknown && !cand.Bad()) {
		need = e.cfg.Up
	}
	if d.streak.count < need {
		return e.flapEnd(d, now)
	}
	to, since := d.streak.target, d.streak.start
	d.streak = streak{}
	d.underlying = to
	d.lastChange = now
	d.changes = append(d.changes, now)
	d.changes = trimBefore(d.changes, now.Add(-e.cfg.FlapWindow))

	var evs []Event
	if !d.flapping && len(d.changes) > e.cfg.FlapLimit {
		d.flapping = true
		// Freeze at the worse of what we report and what we would report.
		if to.rank() > d.state.rank() {
			evs = append(evs, e.change(d, now, to, since, ""))
		}
		evs = append(evs, e.event(d, now, d.state, d.state, d.since, "flapping"))
		return evs
	}
	if d.flapping {
		if to.rank() > d.state.rank() {
			evs = append(evs, e.change(d, now, to, since, ""))
		}
		return evs
	}
	return append(evs, e.change(d, now, to, since, ""))
}

// flapEnd lifts flap suppression after half a flap window without a
// change, reporting the state hysteresis settled on meanwhile.
func (e *Evaluator) flapEnd(d *depState, now time.Time) []Event {
	if !d.flapping || now.Sub(d.lastChange) < e.cfg.FlapWindow/2 {
		return nil
	}
	d.flapping = false
	d.changes = nil
	if d.underlying == d.state {
		return []Event{e.event(d, now, d.state, d.state, d.since, "flapping_over")}
	}
	return []Event{e.change(d, now, d.underlying, d.lastChange, "flapping_over")}
}

func (e *Evaluator) change(d *depState, now time.Time, to State, since time.Time, note string) Event {
	from := d.state
	d.state, d.since = to, since
	ev := e.event(d, now, from, to, since, note)
	e.log.Info("dependency state changed", "dependency", d.name, "from", from.String(), "to", to.String(),
		"confidence", ev.Confidence, "explanation", ev.Explanation, "flapping", d.flapping)
	return ev
}

func (e *Evaluator) event(d *depState, now time.Time, from, to State, since time.Time, note string) Event {
	return Event{Dependency: d.name, At: now, From: from, To: to, Since: since,
		Confidence: d.last.Confidence, Explanation: d.last.Explanation, Flapping: d.flapping, Note: note}
}

// trimBefore drops times before cut from a sorted slice.
func trimBefore(ts []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(cut) {
		i++
	}
	return ts[i:]
}
