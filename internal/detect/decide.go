package detect

import "time"

// DecisionKind is what detection proposes to the incident workflow.
type DecisionKind int

// Decision kinds. Detection declares on its own (the plan's trigger says
// so), but only proposes the way back: a person resolves.
const (
	// DecisionDeclare fires the plan's scenario trigger ("whatsapp.down").
	DecisionDeclare DecisionKind = iota + 1
	// DecisionEscalate reports that a declared dependency got worse
	// (degraded then down).
	DecisionEscalate
	// DecisionProposeMonitoring suggests moving the incident to
	// monitoring: the dependency looks operational again.
	DecisionProposeMonitoring
	// DecisionProposeResolved suggests resolving: operational for
	// Config.ResolveAfter.
	DecisionProposeResolved
)

// String returns declare, escalate, propose_monitoring or propose_resolved.
func (k DecisionKind) String() string {
	switch k {
	case DecisionDeclare:
		return "declare"
	case DecisionEscalate:
		return "escalate"
	case DecisionProposeMonitoring:
		return "propose_monitoring"
	case DecisionProposeResolved:
		return "propose_resolved"
	default:
		return "none"
	}
}

// Decision is one proposal for the incident workflow.
type Decision struct {
	Kind       DecisionKind
	Dependency string
	// Trigger is the plan trigger concerned: "whatsapp.down",
	// "whatsapp.degraded", or "whatsapp.up" on recovery.
	Trigger     string
	State       State
	At          time.Time
	Confidence  float64
	Explanation string
}

// decisionState remembers what was already proposed for a dependency, so
// that each proposal is made once per episode.
type decisionState struct {
	declared   bool
	declaredAs State
	monitoring bool
}

// decide turns the reported state into proposals: declare when a bad state
// has held for Config.Hold with enough confidence, never while flapping or
// when the controls blame our network.
func (e *Evaluator) decide(d *depState, now time.Time) []Decision {
	st := &d.decisionsSt
	a := d.last
	mk := func(k DecisionKind) Decision {
		return Decision{Kind: k, Dependency: d.name, Trigger: d.name + "." + d.state.TriggerState(), State: d.state,
			At: now, Confidence: a.Confidence, Explanation: a.Explanation}
	}
	// A state held up by complaints alone is a recovery in progress:
	// people keep talking for a while after the platform is back.
	recovered := d.state == StateOperational || (d.state == StateDegraded && a.CrowdOnly)
	switch {
	case st.declared && recovered:
		if !st.monitoring {
			st.monitoring = true
			return []Decision{mk(DecisionProposeMonitoring)}
		}
		if d.state == StateOperational && now.Sub(d.since) >= e.cfg.ResolveAfter {
			*st = decisionState{}
			return []Decision{mk(DecisionProposeResolved)}
		}
	case d.state.Bad():
		st.monitoring = false
		if d.flapping || !a.Candidate.Bad() || now.Sub(d.since) < e.cfg.Hold || a.Confidence < e.cfg.MinConfidence {
			return nil
		}
		if !st.declared {
			st.declared, st.declaredAs = true, d.state
			e.log.Info("detection declares", "dependency", d.name, "state", d.state.String(),
				"confidence", a.Confidence, "explanation", a.Explanation)
			return []Decision{mk(DecisionDeclare)}
		}
		if d.state.TriggerState() != st.declaredAs.TriggerState() && d.state.rank() > st.declaredAs.rank() {
			st.declaredAs = d.state
			return []Decision{mk(DecisionEscalate)}
		}
	}
	return nil
}
