package detect

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC)

// testBundle drives an evaluator on a virtual clock: every probeEvery each
// family's three vantages report, the controls too, and the evaluator runs
// every EvalInterval.
type testBundle struct {
	t         *testing.T
	ev        *Evaluator
	now       time.Time
	families  []Family
	bad       map[Family]bool // family failing on every vantage
	controls  bool            // controls failing
	events    []Event
	decisions []Decision
}

func setup(t *testing.T, cfg Config) *testBundle {
	t.Helper()
	ev, err := NewEvaluator(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &testBundle{t: t, ev: ev, now: t0, bad: map[Family]bool{},
		families: []Family{FamilyDNS, FamilyTCP, FamilyHTTP, FamilyCanary, FamilyTraffic, FamilyCloudAPI}}
	b.advance(2 * time.Minute) // reach operational
	return b
}

// advance runs the virtual clock, probing every 15 s and evaluating every 5 s.
func (b *testBundle) advance(d time.Duration) {
	b.t.Helper()
	end := b.now.Add(d)
	for b.now.Before(end) {
		if b.now.Sub(t0)%RoundInterval == 0 {
			for _, f := range b.families {
				for _, v := range []string{"a", "b", "c"} {
					s := Signal{Dependency: "whatsapp", Family: f, Source: v, At: b.now, Status: StatusGood}
					if b.bad[f] {
						s.Status, s.Detail = StatusBad, "timeout"
					}
					b.observe(s)
				}
			}
			for _, v := range []string{"1.1.1.1", "9.9.9.9"} {
				s := Signal{Family: FamilyTCP, Source: v, Control: true, At: b.now, Status: StatusGood}
				if b.controls {
					s.Status = StatusBad
				}
				b.observe(s)
			}
		}
		out := b.ev.Evaluate(b.now)
		b.events = append(b.events, out.Events...)
		b.decisions = append(b.decisions, out.Decisions...)
		b.now = b.now.Add(EvalInterval)
	}
}

func (b *testBundle) observe(s Signal) {
	b.t.Helper()
	if err := b.ev.Observe(s); err != nil {
		b.t.Fatal(err)
	}
}

func (b *testBundle) state() State {
	v, _ := b.ev.Verdict("whatsapp")
	return v.State
}

func (b *testBundle) declarations() []Decision {
	var out []Decision
	for _, d := range b.decisions {
		if d.Kind == DecisionDeclare {
			out = append(out, d)
		}
	}
	return out
}

func TestDeclaresWithinBound(t *testing.T) {
	cfg := DefaultConfig()
	// One probe interval to see it, Down evaluations to change state, the
	// hold, and one evaluation of slack for alignment.
	bound := RoundInterval + time.Duration(cfg.Down)*EvalInterval + cfg.Hold + EvalInterval
	tests := []struct {
		name    string
		failing []Family
		trigger string
	}{
		{"dns and tcp and http", []Family{FamilyDNS, FamilyTCP, FamilyHTTP}, "whatsapp.down"},
		{"canary and traffic", []Family{FamilyCanary, FamilyTraffic}, "whatsapp.down"},
		{"everything", []Family{FamilyDNS, FamilyTCP, FamilyHTTP, FamilyCanary, FamilyTraffic, FamilyCloudAPI}, "whatsapp.down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t, cfg)
			if b.state() != StateOperational {
				t.Fatalf("state before onset %s", b.state())
			}
			onset := b.now
			for _, f := range tt.failing {
				b.bad[f] = true
			}
			b.advance(3 * time.Minute)
			decl := b.declarations()
			if len(decl) != 1 {
				t.Fatalf("%d declarations, want 1: %+v", len(decl), decl)
			}
			if got := decl[0].At.Sub(onset); got > bound {
				t.Errorf("declared after %s, want within %s", got, bound)
			}
			if decl[0].Trigger != tt.trigger || decl[0].Confidence < cfg.MinConfidence {
				t.Errorf("declared %s at confidence %.2f", decl[0].Trigger, decl[0].Confidence)
			}
		})
	}
}

func TestNoDeclaration(t *testing.T) {
	tests := []struct {
		name      string
		failing   []Family
		controls  bool
		wantState State
	}{
		{"dns alone", []Family{FamilyDNS}, false, StateOperational},
		{"canary alone", []Family{FamilyCanary}, false, StateOperational},
		{"cloud api alone", []Family{FamilyCloudAPI}, false, StateOperational},
		{"everything with the controls: our network", []Family{FamilyDNS, FamilyTCP, FamilyHTTP, FamilyCanary, FamilyTraffic, FamilyCloudAPI}, true, StateUnknown},
		{"controls only", nil, true, StateUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t, DefaultConfig())
			for _, f := range tt.failing {
				b.bad[f] = true
			}
			b.controls = tt.controls
			b.advance(10 * time.Minute)
			if n := len(b.declarations()); n != 0 {
				t.Errorf("%d declarations, want none: %+v", n, b.declarations())
			}
			if b.state() != tt.wantState {
				t.Errorf("state %s, want %s", b.state(), tt.wantState)
			}
			if tt.controls {
				v, _ := b.ev.Verdict("whatsapp")
				if !v.Assessment.OurNetwork() || !strings.Contains(v.Assessment.Explanation, "our network") {
					t.Errorf("explanation %q does not blame our network", v.Assessment.Explanation)
				}
			}
		})
	}
}

func TestFlappingSuppressesDeclaration(t *testing.T) {
	b := setup(t, DefaultConfig())
	// Bad for 20 s, good for 70 s: long enough to change state each
	// time, too short to hold.
	for range 12 {
		b.bad[FamilyDNS], b.bad[FamilyTCP] = true, true
		b.advance(20 * time.Second)
		b.bad[FamilyDNS], b.bad[FamilyTCP] = false, false
		b.advance(70 * time.Second)
	}
	if n := len(b.declarations()); n != 0 {
		t.Errorf("%d declarations while flapping, want none", n)
	}
	v, _ := b.ev.Verdict("whatsapp")
	if !v.Flapping || v.State != StateMajorOutage {
		t.Errorf("state %s flapping=%v, want frozen at major_outage", v.State, v.Flapping)
	}
	var sawFlap bool
	for _, e := range b.events {
		sawFlap = sawFlap || e.Note == "flapping"
	}
	if !sawFlap {
		t.Error("no flapping event")
	}
	// Quiet for half a flap window: flapping ends, the state comes back.
	b.advance(DefaultConfig().FlapWindow/2 + time.Minute)
	if v, _ := b.ev.Verdict("whatsapp"); v.Flapping || v.State != StateOperational {
		t.Errorf("after a quiet period: state %s flapping=%v", v.State, v.Flapping)
	}
}

func TestRecoveryHysteresis(t *testing.T) {
	cfg := DefaultConfig()
	b := setup(t, cfg)
	b.bad[FamilyCanary], b.bad[FamilyTraffic] = true, true
	b.advance(2 * time.Minute)
	if b.state() != StateMajorOutage || len(b.declarations()) != 1 {
		t.Fatalf("state %s, %d declarations", b.state(), len(b.declarations()))
	}
	b.bad[FamilyCanary], b.bad[FamilyTraffic] = false, false
	// The clock sits on a probe round: the next evaluation is good.
	b.advance(time.Duration(cfg.Up-1) * EvalInterval)
	if b.state() != StateMajorOutage {
		t.Fatalf("state %s before %d good evaluations", b.state(), cfg.Up)
	}
	b.advance(EvalInterval)
	if b.state() != StateOperational {
		t.Fatalf("state %s after %d good evaluations", b.state(), cfg.Up)
	}
	b.advance(cfg.ResolveAfter + time.Minute)
	var kinds []string
	for _, d := range b.decisions {
		kinds = append(kinds, d.Kind.String())
	}
	if got := strings.Join(kinds, ","); got != "declare,propose_monitoring,propose_resolved" {
		t.Errorf("decisions %s", got)
	}
}

func TestFamilyMajority(t *testing.T) {
	e, _ := NewEvaluator(DefaultConfig(), nil)
	tests := []struct {
		statuses []Status
		want     Status
	}{
		{[]Status{StatusBad, StatusGood, StatusGood}, StatusGood},
		{[]Status{StatusBad, StatusBad, StatusGood}, StatusBad},
		{[]Status{StatusBad, StatusGood}, StatusUnknown},
		{[]Status{StatusBad, StatusUnknown}, StatusBad},
		{nil, StatusUnknown},
	}
	for _, tt := range tests {
		m := map[string]Signal{}
		for i, s := range tt.statuses {
			m[string(rune('a'+i))] = Signal{Family: FamilyDNS, At: t0, Status: s}
		}
		if got := e.familyVerdict(FamilyDNS, m, t0).Status; got != tt.want {
			t.Errorf("%v: %s, want %s", tt.statuses, got, tt.want)
		}
	}
}

func TestExplanation(t *testing.T) {
	e, _ := NewEvaluator(DefaultConfig(), nil)
	sig := []Signal{
		{Family: FamilyCanary, Source: "a", Status: StatusBad, Detail: "undelivered"},
		{Family: FamilyCanary, Source: "b", Status: StatusBad, Detail: "undelivered"},
		{Family: FamilyCloudAPI, Source: "a", Status: StatusBad, Severity: StatePartialOutage, Detail: "131016 on 4/5 calls"},
		{Family: FamilyReports, Source: "page", Status: StatusBad, Severity: StateDegraded, Detail: "37 reports vs 2 usual"},
		{Family: FamilyDNS, Source: "a", Status: StatusGood},
		{Family: FamilyTCP, Source: "1.1.1.1", Control: true, Status: StatusGood},
	}
	at := t0
	for i := 0; i <= 36; i++ { // three minutes of identical signals
		for _, s := range sig {
			s.Dependency, s.At = "whatsapp", at
			if err := e.Observe(s); err != nil {
				t.Fatal(err)
			}
		}
		e.Evaluate(at)
		at = at.Add(EvalInterval)
	}
	v, _ := e.Verdict("whatsapp")
	want := "canary undelivered for 3 min, Cloud API 131016 on 4/5 calls for 3 min, 37 reports vs 2 usual for 3 min; 1 family OK; controls OK"
	if v.Assessment.Explanation != want {
		t.Errorf("explanation\n got %q\nwant %q", v.Assessment.Explanation, want)
	}
	// The quorum-th worst family sets the state: canary says major, the
	// Cloud API partial.
	if v.State != StatePartialOutage {
		t.Errorf("state %s, want partial_outage", v.State)
	}
	if c := v.Assessment.Confidence; c < 0.85 || c > 0.9 {
		t.Errorf("confidence %.3f, want 1-(0.4)(0.5)(0.6)=0.88", c)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		ok   bool
	}{
		{"default", func(*Config) {}, true},
		{"zero quorum", func(c *Config) { c.Quorum = 0 }, false},
		{"weight 1", func(c *Config) { c.Weights = map[Family]float64{FamilyDNS: 1} }, false},
		{"confidence above 1", func(c *Config) { c.MinConfidence = 1.5 }, false},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.mod(&c)
		if err := c.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
