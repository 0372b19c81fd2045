package detect

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// FamilyVerdict is what the fresh signals of one family say together.
type FamilyVerdict struct {
	Family Family
	Status Status
	// Bad and Known count vantage points: a family is bad when a strict
	// majority of its known vantages are.
	Bad, Known int
	// Severity is the worst state a majority of vantages agree on.
	Severity State
	Detail   string
	// Since is when this family was first seen bad in the current run.
	Since time.Time
}

// Controls summarises the control probes.
type Controls int

// Control outcomes.
const (
	ControlsMissing Controls = iota
	ControlsOK
	ControlsFailing
)

// Assessment is the evidence of one evaluation before hysteresis: the state
// the signals point to right now.
type Assessment struct {
	Candidate   State
	Confidence  float64
	Explanation string
	// Bad lists the bad families, worst and strongest first.
	Bad []FamilyVerdict
	// Good counts families whose vantages agree all is well.
	Good     int
	Controls Controls
	// CrowdOnly is true when every bad family is a crowd family
	// (Config.Crowd): people complain, no probe confirms.
	CrowdOnly bool
}

// OurNetwork reports whether the controls say the fault is on our side.
func (a Assessment) OurNetwork() bool { return a.Controls == ControlsFailing }

// assessControls reads the fresh control probes: a strict majority of
// failing control sources means our own link is at fault.
func (e *Evaluator) assessControls(now time.Time) (Controls, int, int) {
	bad, known := 0, 0
	for _, s := range e.controls {
		if !e.fresh(s, now) || s.Status == StatusUnknown {
			continue
		}
		known++
		if s.Status == StatusBad {
			bad++
		}
	}
	switch {
	case known == 0:
		return ControlsMissing, 0, 0
	case 2*bad > known:
		return ControlsFailing, bad, known
	default:
		return ControlsOK, bad, known
	}
}

func (e *Evaluator) fresh(s Signal, now time.Time) bool {
	age := now.Sub(s.At)
	return age >= 0 && age <= e.cfg.staleness(s.Family)
}

// familyVerdict fuses the latest signal of each vantage of one family.
func (e *Evaluator) familyVerdict(f Family, bySource map[string]Signal, now time.Time) FamilyVerdict {
	v := FamilyVerdict{Family: f}
	var bad []Signal
	good := 0
	for _, s := range bySource {
		if !e.fresh(s, now) {
			continue
		}
		switch s.Status {
		case StatusBad:
			bad = append(bad, s)
		case StatusGood:
			good++
		}
	}
	v.Bad, v.Known = len(bad), len(bad)+good
	switch {
	case v.Known == 0:
		v.Status = StatusUnknown
	case 2*v.Bad > v.Known:
		v.Status = StatusBad
		sort.Slice(bad, func(i, j int) bool {
			if a, b := bad[i].severity(), bad[j].severity(); a != b {
				return a > b
			}
			return bad[i].Source < bad[j].Source
		})
		// The (Known/2+1)-th worst signal: a majority of vantages say
		// at least this bad.
		pick := bad[v.Known/2]
		v.Severity, v.Detail = pick.severity(), pick.Detail
		if v.Detail == "" {
			v.Detail = bad[0].Detail
		}
	case 2*good > v.Known:
		v.Status = StatusGood
	default:
		v.Status = StatusUnknown
	}
	return v
}

// assess fuses a dependency's fresh signals into a candidate state; it
// also keeps track of since when each family has been bad.
func (e *Evaluator) assess(d *depState, now time.Time) Assessment {
	var a Assessment
	var cbad, cknown int
	a.Controls, cbad, cknown = e.assessControls(now)
	known := 0
	for f, bySource := range d.signals {
		v := e.familyVerdict(f, bySource, now)
		if v.Status != StatusBad {
			delete(d.badSince, f)
		}
		switch v.Status {
		case StatusBad:
			since, ok := d.badSince[f]
			if !ok {
				since = now
				d.badSince[f] = now
			}
			v.Since = since
			a.Bad = append(a.Bad, v)
			known++
		case StatusGood:
			a.Good++
			known++
		}
	}
	sort.Slice(a.Bad, func(i, j int) bool {
		x, y := a.Bad[i], a.Bad[j]
		if x.Severity != y.Severity {
			return x.Severity > y.Severity
		}
		if wx, wy := e.cfg.weight(x.Family), e.cfg.weight(y.Family); wx != wy {
			return wx > wy
		}
		return x.Family < y.Family
	})
	switch {
	case a.Controls == ControlsFailing:
		a.Candidate = StateUnknown
		a.Confidence = float64(cbad) / float64(cknown)
	case known == 0:
		a.Candidate = StateUnknown
	case len(a.Bad) >= e.cfg.Quorum:
		// Quorum families agree on at least this severity.
		a.Candidate = a.Bad[e.cfg.Quorum-1].Severity
		a.Confidence = e.confidence(a.Bad, a.Controls)
		a.CrowdOnly = !slices.ContainsFunc(a.Bad, func(v FamilyVerdict) bool { return !slices.Contains(e.cfg.Crowd, v.Family) })
		if a.CrowdOnly {
			a.Candidate = min(a.Candidate, StateDegraded)
		}
	default:
		a.Candidate = StateOperational
		a.Confidence = 1 - e.confidence(a.Bad, ControlsOK)
	}
	a.Explanation = e.explain(a, now, cbad, cknown)
	return a
}

// confidence combines bad families as independent pieces of evidence
// (noisy-OR): 1 - Π(1 - weight × share of the family's vantages that are
// bad), scaled down when no control probe can rule out our own network.
func (e *Evaluator) confidence(bad []FamilyVerdict, c Controls) float64 {
	miss := 1.0
	for _, v := range bad {
		miss *= 1 - e.cfg.weight(v.Family)*float64(v.Bad)/float64(v.Known)
	}
	conf := 1 - miss
	if c == ControlsMissing {
		conf *= e.cfg.NoControlFactor
	}
	return conf
}

func (e *Evaluator) explain(a Assessment, now time.Time, cbad, cknown int) string {
	var b strings.Builder
	switch {
	case a.Controls == ControlsFailing:
		fmt.Fprintf(&b, "controls failing (%d/%d): our network, not the dependency", cbad, cknown)
		if len(a.Bad) > 0 {
			fmt.Fprintf(&b, "; %s failing with them", families(len(a.Bad)))
		}
		return b.String()
	case a.Candidate == StateUnknown:
		return "no fresh signals"
	case len(a.Bad) == 0:
		fmt.Fprintf(&b, "all %s OK", families(a.Good))
	default:
		for i, v := range a.Bad {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(phrase(v, now))
		}
		if len(a.Bad) < e.cfg.Quorum {
			fmt.Fprintf(&b, " (below quorum of %d families)", e.cfg.Quorum)
		} else if a.CrowdOnly {
			b.WriteString(" (people only, no probe confirms)")
		}
		if a.Good > 0 {
			fmt.Fprintf(&b, "; %s OK", families(a.Good))
		}
	}
	switch a.Controls {
	case ControlsOK:
		b.WriteString("; controls OK")
	case ControlsMissing:
		b.WriteString("; no control probes")
	}
	return b.String()
}

func families(n int) string {
	if n == 1 {
		return "1 family"
	}
	return fmt.Sprintf("%d families", n)
}

// phrase renders one bad family: "canary undelivered for 3 min".
func phrase(v FamilyVerdict, now time.Time) string {
	s := v.Family.label()
	if d := v.Detail; d != "" {
		if strings.Contains(strings.ToLower(d), strings.TrimSuffix(string(v.Family), "s")) {
			s = d
		} else {
			s += " " + d
		}
	} else {
		s += " failing"
	}
	if v.Bad < v.Known {
		s += fmt.Sprintf(" (%d/%d vantages)", v.Bad, v.Known)
	}
	return s + " for " + humanDuration(now.Sub(v.Since))
}

// humanDuration rounds for people: "45 s", "3 min", "2.5 h".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute)/time.Minute))
	default:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
}
