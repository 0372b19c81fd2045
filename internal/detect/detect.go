// Package detect turns probe results, real-traffic health, user reports and
// social mentions into one state per dependency ("whatsapp is down"), with a
// confidence and a sentence a person can check, and decides when a plan's
// scenario trigger (whatsapp.down, whatsapp.degraded) should fire.
//
// The core is plain data and explicit time: callers feed Signals with
// Observe and call Evaluate(now) at a steady cadence. Nothing here starts a
// goroutine or reads the wall clock, so replays and tests run on a virtual
// clock.
package detect

import (
	"fmt"
	"time"
)

// State is the health of a dependency as detection sees it.
type State int

// States, ordered from best to worst; Unknown sits outside that order (no
// data, or our own network is at fault).
const (
	StateUnknown State = iota
	StateOperational
	StateDegraded
	StatePartialOutage
	StateMajorOutage
)

var stateNames = [...]string{"unknown", "operational", "degraded", "partial_outage", "major_outage"}

// String returns the snake_case name used in events, logs and the API.
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("state(%d)", int(s))
	}
	return stateNames[s]
}

// ParseState is the inverse of State.String.
func ParseState(s string) (State, error) {
	for i, n := range stateNames {
		if n == s {
			return State(i), nil
		}
	}
	return StateUnknown, fmt.Errorf("detect: unknown state %q", s)
}

// rank orders known states by badness; Unknown has no rank (-1).
func (s State) rank() int {
	if s == StateUnknown {
		return -1
	}
	return int(s - StateOperational)
}

// Bad reports whether the state is worse than operational.
func (s State) Bad() bool { return s.rank() > 0 }

// TriggerState maps a state to the vocabulary of plan triggers
// (<dependency>.<state>): down, degraded, up or unknown.
func (s State) TriggerState() string {
	switch s {
	case StateMajorOutage:
		return "down"
	case StatePartialOutage, StateDegraded:
		return "degraded"
	case StateOperational:
		return "up"
	default:
		return "unknown"
	}
}

// Status is the verdict of one observation.
type Status int

// Statuses of a Signal.
const (
	StatusUnknown Status = iota
	StatusGood
	StatusBad
)

// String returns good, bad or unknown.
func (s Status) String() string {
	switch s {
	case StatusGood:
		return "good"
	case StatusBad:
		return "bad"
	default:
		return "unknown"
	}
}

// Family groups signals that fail together for one reason: several vantage
// points of the DNS probe are one piece of evidence, not three.
type Family string

// Families known to the default configuration. Others may be used; they get
// DefaultFamilyWeight.
const (
	FamilyDNS        Family = "dns"
	FamilyTCP        Family = "tcp"
	FamilyTLS        Family = "tls"
	FamilyHTTP       Family = "http"
	FamilyWebSocket  Family = "websocket"
	FamilyCloudAPI   Family = "cloudapi"
	FamilyCanary     Family = "canary"
	FamilyTraffic    Family = "traffic"
	FamilyReports    Family = "reports"
	FamilySocial     Family = "social"
	FamilyStatusFeed Family = "statusfeed"
)

// label is how a family is named in explanations.
func (f Family) label() string {
	switch f {
	case FamilyDNS:
		return "DNS"
	case FamilyTCP:
		return "TCP"
	case FamilyTLS:
		return "TLS"
	case FamilyHTTP:
		return "HTTP"
	case FamilyWebSocket:
		return "WebSocket"
	case FamilyCloudAPI:
		return "Cloud API"
	case FamilyStatusFeed:
		return "status feed"
	case FamilyTraffic:
		return "real traffic"
	default:
		return string(f)
	}
}

// Signal is one observation, plain data so that probe results, traffic
// statistics and spike alarms from other packages convert with a few lines.
type Signal struct {
	// Dependency is the plan's dependency id ("whatsapp"); ignored for
	// control signals, which are about our own network.
	Dependency string
	Family     Family
	// Source names the vantage point or feed ("paris-1", "canary-eu"); the
	// latest signal per source counts.
	Source string
	// Control marks a probe of an independent well-known host: when those
	// fail too, the fault is ours.
	Control bool
	At      time.Time
	Status  Status
	// Severity is how bad a bad signal says things are: StateDegraded,
	// StatePartialOutage or StateMajorOutage; the zero value means major.
	Severity State
	// Detail is the short evidence shown in explanations: "SERVFAIL",
	// "131016 on 4/5 calls", "37 reports vs 2 usual".
	Detail string
}

// severity returns the signal's effective severity hint.
func (s Signal) severity() State {
	if s.Severity.rank() <= 0 {
		return StateMajorOutage
	}
	return s.Severity
}
