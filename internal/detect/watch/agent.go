package watch

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/detect"
	"github.com/vigie-hq/vigie/internal/detect/probe"
)

// Remote vantage points: a probe agent (vigie probe-agent) fetches the
// network probes of the plan's detection section from the server, runs
// them from its own network and pushes the results back. Each agent's
// result counts as a separate vantage of its family ("paris-1/whatsapp/dns/
// g.whatsapp.net"), so the evaluator's majority across vantages tells "the
// dependency is down" from "one vantage has a bad link".

// Ingestion limits.
const (
	MaxBatch       = 500              // results per push
	MaxResultAge   = 10 * time.Minute // older results are refused
	MaxClockAhead  = time.Minute      // results further in the future are refused
	MaxAgents      = 32               // distinct agents the server keeps
	maxDetail      = 300
	maxProbeName   = 300
	maxAgentLatent = 5 * time.Minute
)

// AgentConfig is what an agent needs to probe: the network probes of the
// plan's detection section. It never holds the Cloud API's token, app
// secret or canary settings.
type AgentConfig struct {
	IntervalSeconds int      `json:"interval_seconds"`
	Resolvers       []string `json:"resolvers"`
	// CAPEM holds the plan's extra trusted roots (detection.ca_file), so
	// private targets verify on agents too.
	CAPEM  string       `json:"ca_pem,omitempty"`
	Probes []AgentProbe `json:"probes"`
}

// AgentProbe is one network probe an agent runs, named as the server's own.
type AgentProbe struct {
	Name       string       `json:"name"`
	Family     probe.Family `json:"family"`
	Dependency string       `json:"dependency"`
	Control    bool         `json:"control,omitempty"`
	// Target is a host (dns), host:port (tcp, tls) or URL (http, websocket).
	Target     string `json:"target"`
	ServerName string `json:"server_name,omitempty"`
}

// RemoteResult is a probe result on the wire.
type RemoteResult struct {
	Probe      string    `json:"probe"`
	Family     string    `json:"family"`
	Dependency string    `json:"dependency"`
	Control    bool      `json:"control,omitempty"`
	Target     string    `json:"target,omitempty"`
	Start      time.Time `json:"start"`
	LatencyMS  float64   `json:"latency_ms"`
	OK         bool      `json:"ok"`
	Class      string    `json:"class,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

// Batch is what an agent pushes: POST /api/v1/detect/results.
type Batch struct {
	Agent   string         `json:"agent"`
	Results []RemoteResult `json:"results"`
}

// BatchError lists what is wrong in a batch, each problem with its place
// ("results[3].family: unknown family \"smtp\"").
type BatchError struct{ Problems []string }

func (e *BatchError) Error() string {
	const show = 5
	if len(e.Problems) > show {
		return strings.Join(e.Problems[:show], "; ") + fmt.Sprintf("; and %d more", len(e.Problems)-show)
	}
	return strings.Join(e.Problems, "; ")
}

var agentName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// agentFamilies are what agents may report: network probes only, since
// the Cloud API, canary and traffic need secrets that never leave the server.
var agentFamilies = []probe.Family{probe.FamilyDNS, probe.FamilyTCP, probe.FamilyTLS, probe.FamilyHTTP, probe.FamilyWebSocket}

var knownClasses = []probe.Class{probe.ClassTimeout, probe.ClassNXDomain, probe.ClassServFail, probe.ClassEmptyAnswer, probe.ClassRefused,
	probe.ClassReset, probe.ClassUnreachable, probe.ClassTLS, probe.ClassHTTP5xx, probe.ClassHTTP4xx, probe.ClassMetaOutage, probe.ClassConfig,
	probe.ClassRateLimited, probe.ClassLimited, probe.ClassBadResponse, probe.ClassUndelivered, probe.ClassSlow, probe.ClassNoData,
	probe.ClassCanceled, probe.ClassUnclassified}

// AgentConfig returns the network probes agents should run.
func (w *Watcher) AgentConfig() (AgentConfig, error) {
	cfg := AgentConfig{IntervalSeconds: int(detect.RoundInterval / time.Second), Probes: []AgentProbe{}}
	if d := w.o.Plan().Detection; d != nil {
		if d.IntervalSeconds > 0 {
			cfg.IntervalSeconds = d.IntervalSeconds
		}
		cfg.Resolvers = d.Resolvers
		if d.CAFile != "" {
			pem, err := os.ReadFile(d.CAFile)
			if err != nil {
				return AgentConfig{}, fmt.Errorf("watch: agent config: %w", err)
			}
			cfg.CAPEM = string(pem)
		}
	}
	for _, j := range w.built.jobs {
		if ap, ok := agentProbe(j.Probe); ok {
			cfg.Probes = append(cfg.Probes, ap)
		}
	}
	return cfg, nil
}

func agentProbe(p probe.Probe) (AgentProbe, bool) {
	switch p := p.(type) {
	case *probe.DNS:
		return AgentProbe{Name: p.Spec.Name, Family: probe.FamilyDNS, Dependency: p.Dependency, Control: p.Control, Target: p.Host}, true
	case *probe.TCP:
		return AgentProbe{Name: p.Spec.Name, Family: probe.FamilyTCP, Dependency: p.Dependency, Control: p.Control, Target: p.Addr}, true
	case *probe.TLS:
		return AgentProbe{Name: p.Spec.Name, Family: probe.FamilyTLS, Dependency: p.Dependency, Control: p.Control, Target: p.Addr, ServerName: p.ServerName}, true
	case *probe.HTTP:
		return AgentProbe{Name: p.Spec.Name, Family: probe.FamilyHTTP, Dependency: p.Dependency, Control: p.Control, Target: p.URL}, true
	case *probe.WebSocket:
		return AgentProbe{Name: p.Spec.Name, Family: probe.FamilyWebSocket, Dependency: p.Dependency, Control: p.Control, Target: p.URL}, true
	}
	return AgentProbe{}, false
}

// VantageOf names where a result was measured: "local" for the server's
// own probes, else the agent's name (the first segment of the probe name,
// since agent names never equal a dependency or "controls").
func VantageOf(r probe.Result) string {
	dep := r.Dependency
	if r.Control {
		dep = controlDependency
	}
	if strings.HasPrefix(r.Probe, dep+"/") {
		return "local"
	}
	if agent, _, ok := strings.Cut(r.Probe, "/"); ok {
		return agent
	}
	return "local"
}

// Ingest validates an agent's batch and feeds every result to detection
// as the vantage "agent/probe-name". A batch is taken whole or refused
// whole. Failures measured while most of the agent's own controls fail
// count as unknown: that agent's link, not the dependency, is in doubt.
func (w *Watcher) Ingest(b Batch) (int, error) {
	now := w.o.Clock.Now()
	local := map[string]AgentProbe{}
	for _, j := range w.built.jobs {
		if ap, ok := agentProbe(j.Probe); ok {
			local[ap.Name] = ap
		}
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	switch {
	case !agentName.MatchString(b.Agent):
		bad("agent: %q must be 1 to 40 letters, digits, '.', '_' or '-'", b.Agent)
	case b.Agent == "local" || b.Agent == controlDependency || w.isDependency(b.Agent):
		bad("agent: %q is reserved (a dependency or a vantage of the server)", b.Agent)
	}
	if len(b.Results) > MaxBatch {
		bad("results: %d results, at most %d per batch", len(b.Results), MaxBatch)
	}
	if len(problems) > 0 {
		return 0, &BatchError{problems}
	}
	out := make([]probe.Result, 0, len(b.Results))
	for i, rr := range b.Results {
		at := fmt.Sprintf("results[%d]", i)
		fam := probe.Family(rr.Family)
		switch {
		case slices.Contains(agentFamilies, fam):
		case slices.Contains([]probe.Family{probe.FamilyCloudAPI, probe.FamilyCanary, probe.FamilyTraffic, probe.FamilyStatusFeed}, fam):
			bad("%s.family: %q is measured by the server only", at, rr.Family)
		default:
			bad("%s.family: unknown family %q", at, rr.Family)
		}
		dep := rr.Dependency
		if rr.Control {
			if dep != controlDependency {
				bad("%s.dependency: a control result belongs to %q, not %q", at, controlDependency, dep)
			}
		} else if !w.isDependency(dep) {
			bad("%s.dependency: unknown dependency %q", at, dep)
		}
		if ap, ok := local[rr.Probe]; !ok {
			bad("%s.probe: %q is not a probe of the server's configuration (fetch GET /api/v1/detect/config again)", at, truncate(rr.Probe, 80))
		} else if ap.Family != fam || ap.Dependency != dep || ap.Control != rr.Control {
			bad("%s.probe: %q is a %s probe of %s", at, rr.Probe, ap.Family, ap.Dependency)
		}
		switch {
		case rr.Start.IsZero():
			bad("%s.start: missing", at)
		case rr.Start.After(now.Add(MaxClockAhead)):
			bad("%s.start: %s is more than %s ahead of the server's clock", at, rr.Start.UTC().Format(time.RFC3339), MaxClockAhead)
		case rr.Start.Before(now.Add(-MaxResultAge)):
			bad("%s.start: %s is older than %s", at, rr.Start.UTC().Format(time.RFC3339), MaxResultAge)
		}
		lat := time.Duration(rr.LatencyMS * float64(time.Millisecond))
		if lat < 0 || lat > maxAgentLatent {
			bad("%s.latency_ms: %g is not between 0 and %d", at, rr.LatencyMS, maxAgentLatent.Milliseconds())
		}
		class := probe.Class(rr.Class)
		switch {
		case rr.OK && class != probe.ClassNone:
			bad("%s.class: an OK result has no class (got %q)", at, rr.Class)
		case !rr.OK && !slices.Contains(knownClasses, class):
			bad("%s.class: unknown class %q", at, rr.Class)
		}
		r := probe.Result{Probe: b.Agent + "/" + rr.Probe, Family: fam, Dependency: dep, Control: rr.Control, Target: truncate(rr.Target, 300),
			Start: rr.Start, Latency: lat, OK: rr.OK, Class: class, Detail: truncate(rr.Detail, maxDetail)}
		// A clock slightly ahead would make the result look "not yet
		// fresh" to the evaluator: bring it back to the server's now.
		if end := r.Start.Add(r.Latency); end.After(now) {
			r.Start = now.Add(-r.Latency)
		}
		out = append(out, r)
	}
	if len(problems) > 0 {
		return 0, &BatchError{problems}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.knownAgentLocked(b.Agent) && len(w.agentsLocked()) >= MaxAgents {
		return 0, &BatchError{[]string{fmt.Sprintf("agent: the server already follows %d agents, its maximum", MaxAgents)}}
	}
	for _, r := range out {
		if r.Control {
			w.recordLocked(r, signal(r))
		}
	}
	gated := w.controlsFailingLocked(b.Agent, now)
	for _, r := range out {
		if r.Control {
			continue
		}
		s := signal(r)
		if gated && s.Status == detect.StatusBad {
			s.Status = detect.StatusUnknown
			s.Detail = "agent's controls failing; " + s.Detail
		}
		w.recordLocked(r, s)
	}
	return len(out), nil
}

// recordLocked is Observe with an already-built signal; w.mu is held.
func (w *Watcher) recordLocked(r probe.Result, s detect.Signal) {
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
	if err := w.eval.Observe(s); err != nil {
		w.o.Logger.Debug("detection: remote signal refused", "probe", r.Probe, "err", err)
	}
}

// controlsFailingLocked reports whether a strict majority of the agent's
// fresh control results failed.
func (w *Watcher) controlsFailingLocked(agent string, now time.Time) bool {
	bad, known := 0, 0
	for name, r := range w.latest {
		if !r.Control || !strings.HasPrefix(name, agent+"/") || now.Sub(r.Start.Add(r.Latency)) > 2*detect.RoundInterval {
			continue
		}
		known++
		if !r.OK {
			bad++
		}
	}
	return known > 0 && 2*bad > known
}

func (w *Watcher) agentsLocked() map[string]bool {
	agents := map[string]bool{}
	for _, r := range w.latest {
		if v := VantageOf(r); v != "local" {
			agents[v] = true
		}
	}
	return agents
}

func (w *Watcher) knownAgentLocked(agent string) bool { return w.agentsLocked()[agent] }

func (w *Watcher) isDependency(id string) bool {
	if d := w.o.Plan().Detection; d != nil {
		for _, dp := range d.Dependencies {
			if dp.ID == id {
				return true
			}
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
