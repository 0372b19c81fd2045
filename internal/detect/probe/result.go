package probe

import (
	"context"
	"time"
)

// Family groups probes that observe the same layer.
type Family string

// Probe families.
const (
	FamilyDNS        Family = "dns"
	FamilyTCP        Family = "tcp"
	FamilyTLS        Family = "tls"
	FamilyHTTP       Family = "http"
	FamilyWebSocket  Family = "websocket"
	FamilyCloudAPI   Family = "cloudapi"
	FamilyCanary     Family = "canary"
	FamilyTraffic    Family = "traffic"
	FamilyStatusFeed Family = "statusfeed"
)

// Class is the classified cause of a failed probe; empty when OK.
type Class string

// Failure classes. The evaluator must treat ClassConfig, ClassRateLimited,
// ClassLimited and ClassNoData as "not an outage".
const (
	ClassNone         Class = ""
	ClassTimeout      Class = "timeout"
	ClassNXDomain     Class = "nxdomain"
	ClassServFail     Class = "servfail"
	ClassEmptyAnswer  Class = "empty_answer"
	ClassRefused      Class = "refused"
	ClassReset        Class = "reset"
	ClassUnreachable  Class = "unreachable"
	ClassTLS          Class = "tls"
	ClassHTTP5xx      Class = "http_5xx"
	ClassHTTP4xx      Class = "http_4xx"
	ClassMetaOutage   Class = "meta_outage"
	ClassConfig       Class = "config"
	ClassRateLimited  Class = "rate_limited"
	ClassLimited      Class = "limited"
	ClassBadResponse  Class = "bad_response"
	ClassUndelivered  Class = "undelivered"
	ClassSlow         Class = "slow"
	ClassNoData       Class = "no_data"
	ClassCanceled     Class = "canceled"
	ClassUnclassified Class = "error"
)

// Result is the outcome of one probe run.
type Result struct {
	Probe      string
	Family     Family
	Dependency string
	// Control marks probes of independent well-known hosts: when they fail
	// together with the dependency's probes, the fault is on our side.
	Control bool
	Target  string
	Start   time.Time
	Latency time.Duration
	OK      bool
	Class   Class
	Detail  string
}

// Probe is one check that can be run repeatedly.
type Probe interface {
	Name() string
	Run(ctx context.Context) Result
}

// Spec is the identity and timeout shared by every probe.
type Spec struct {
	Name       string
	Dependency string
	Control    bool
	// Timeout bounds one run's outbound calls; zero means DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout bounds a probe run whose Spec sets no timeout.
const DefaultTimeout = 5 * time.Second

func (s Spec) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

// result starts a Result carrying the spec's identity.
func (s Spec) result(f Family, target string, start time.Time) Result {
	return Result{
		Probe:      s.Name,
		Family:     f,
		Dependency: s.Dependency,
		Control:    s.Control,
		Target:     target,
		Start:      start,
	}
}

// finish stamps latency and outcome on r.
func finish(r Result, c Clock, class Class, detail string) Result {
	r.Latency = c.Now().Sub(r.Start)
	r.OK = class == ClassNone
	r.Class = class
	r.Detail = detail
	return r
}
