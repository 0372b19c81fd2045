package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/detect/watch"
	"github.com/vigie-hq/vigie/internal/incident"
)

// Detection is what the detection routes need from the running Watcher.
type Detection interface {
	Ingest(b watch.Batch) (int, error)
	AgentConfig() (watch.AgentConfig, error)
	Status() []watch.DependencyStatus
}

// AgentPrefix marks accounts made for one probe agent: a token of user
// "agent-paris-1" may only push as the agent "paris-1", so a leaked agent
// token cannot speak for the other vantage points.
const AgentPrefix = "agent-"

var errDetectionOff = &incident.Error{Code: incident.CodeNotFound,
	Message: "detection is off on this server: add a detection section to the plan and leave VIGIE_DETECT unset (see docs/detect.md)"}

// detection returns the Watcher, or an error saying detection is off.
func (s *Server) detection() (Detection, error) {
	if s.Detection == nil {
		return nil, errDetectionOff
	}
	return s.Detection, nil
}

// pushResults takes a batch of a remote agent's probe results. Results can
// make detection declare an incident, so a read-only token or a viewer may
// not push.
func (s *Server) pushResults(_ context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	d, err := s.detection()
	if err != nil {
		return err
	}
	if p.Scope != account.ScopeWrite || !incident.Can(p.Actor().Role, incident.ActTask) {
		return &incident.Error{Code: incident.CodeForbidden, Message: "pushing probe results needs a write token of an account that is not a viewer"}
	}
	var b watch.Batch
	if err := decode(r, &b); err != nil {
		return err
	}
	if name, ok := strings.CutPrefix(p.User.Username, AgentPrefix); ok && b.Agent != name {
		return &incident.Error{Code: incident.CodeForbidden, Message: "the account " + p.User.Username + " may only push as the agent \"" + name + "\""}
	}
	n, err := d.Ingest(b)
	var be *watch.BatchError
	if errors.As(err, &be) {
		return &incident.Error{Code: incident.CodeInvalid, Message: be.Error()}
	} else if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"accepted": n})
	return nil
}

// detectConfig gives an agent the network probes to run; the Cloud API's
// secrets are never part of it.
func (s *Server) detectConfig(_ context.Context, p auth.Principal, w http.ResponseWriter, _ *http.Request) error {
	if err := s.read(p); err != nil {
		return err
	}
	d, err := s.detection()
	if err != nil {
		return err
	}
	cfg, err := d.AgentConfig()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cfg)
	return nil
}

type probeJSON struct {
	Probe      string    `json:"probe"`
	Family     string    `json:"family"`
	Vantage    string    `json:"vantage"`
	Control    bool      `json:"control,omitempty"`
	Target     string    `json:"target"`
	Start      time.Time `json:"start"`
	LatencyMS  float64   `json:"latency_ms"`
	OK         bool      `json:"ok"`
	Class      string    `json:"class,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	Dependency string    `json:"dependency"`
}

type changeJSON struct {
	At          time.Time `json:"at"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Since       time.Time `json:"since"`
	Confidence  float64   `json:"confidence"`
	Explanation string    `json:"explanation"`
	Note        string    `json:"note,omitempty"`
}

type dependencyJSON struct {
	Dependency  string       `json:"dependency"`
	State       string       `json:"state"`
	Since       *time.Time   `json:"since,omitempty"`
	Confidence  float64      `json:"confidence"`
	Explanation string       `json:"explanation"`
	Flapping    bool         `json:"flapping"`
	Probes      []probeJSON  `json:"probes"`
	History     []changeJSON `json:"history"`
}

// detectStatus returns detection's view of every dependency.
func (s *Server) detectStatus(_ context.Context, p auth.Principal, w http.ResponseWriter, _ *http.Request) error {
	if err := s.read(p); err != nil {
		return err
	}
	d, err := s.detection()
	if err != nil {
		return err
	}
	out := []dependencyJSON{}
	for _, st := range d.Status() {
		dj := dependencyJSON{Dependency: st.Dependency, State: st.State, Confidence: st.Confidence, Explanation: st.Explanation,
			Flapping: st.Flapping, Probes: []probeJSON{}, History: []changeJSON{}}
		if !st.Since.IsZero() {
			since := st.Since
			dj.Since = &since
		}
		for _, r := range st.Probes {
			dj.Probes = append(dj.Probes, probeJSON{Probe: r.Probe, Family: string(r.Family), Vantage: watch.VantageOf(r), Control: r.Control,
				Target: r.Target, Start: r.Start, LatencyMS: float64(r.Latency) / float64(time.Millisecond), OK: r.OK, Class: string(r.Class),
				Detail: r.Detail, Dependency: r.Dependency})
		}
		for _, e := range st.History {
			dj.History = append(dj.History, changeJSON{At: e.At, From: e.From.String(), To: e.To.String(), Since: e.Since,
				Confidence: e.Confidence, Explanation: e.Explanation, Note: e.Note})
		}
		out = append(out, dj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"dependencies": out})
	return nil
}
