package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/incident"
)

func (s *Server) read(p auth.Principal) error {
	if !incident.Can(p.Actor().Role, incident.ActRead) {
		return &incident.Error{Code: incident.CodeForbidden, Message: "this account may not read incidents"}
	}
	return nil
}

func (s *Server) me(_ context.Context, p auth.Principal, w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{"username": p.User.Username, "role": p.User.Role, "person": p.User.Person, "via": p.Via, "scope": p.Scope})
	return nil
}

func (s *Server) listIncidents(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	if err := s.read(p); err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := s.Incidents.List(ctx, incident.ListFilter{Open: q.Get("open") == "1" || q.Get("open") == "true", Drills: q.Get("drills") == "1" || q.Get("drills") == "true"})
	if err != nil {
		return err
	}
	if list == nil {
		list = []incident.Incident{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": list})
	return nil
}

type declareRequest struct {
	Scenario    string `json:"scenario"`
	Drill       bool   `json:"drill"`
	AutoPublish bool   `json:"auto_publish"`
	Note        string `json:"note"`
}

func (s *Server) declare(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	var req declareRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Scenario == "" {
		return &badRequest{"scenario is required"}
	}
	res, err := s.Incidents.Declare(ctx, p.Actor(), incident.DeclareInput{Scenario: req.Scenario, Drill: req.Drill, AutoPublish: req.AutoPublish, Note: req.Note})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !res.Created {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/incidents/"+strconv.FormatInt(res.Incident.ID, 10))
	writeJSON(w, status, map[string]any{"incident": res.Incident, "created": res.Created, "drafts": nonNil(res.Drafts), "published": nonNil(res.Published)})
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// messageView adds what the approval screen needs to a message.
type messageView struct {
	incident.Message
	Publishable  bool                   `json:"publishable"`
	Waiting      string                 `json:"waiting,omitempty"`
	Requirements []incident.Requirement `json:"requirements"`
}

func (s *Server) views(inc incident.Incident, ms []incident.Message) []messageView {
	out := make([]messageView, 0, len(ms))
	for _, m := range ms {
		ok, why := s.Incidents.Publishable(m, inc.Scenario)
		v := messageView{Message: m, Publishable: ok, Requirements: incident.Requirements(s.Plan(), inc.Scenario, m)}
		if !ok {
			v.Waiting = why
		}
		if v.Approvals == nil {
			v.Approvals = []incident.Approval{}
		}
		out = append(out, v)
	}
	return out
}

// readIncident checks read access and loads the incident named by the
// {id} path segment; the handlers that only look at one incident share it.
func (s *Server) readIncident(ctx context.Context, p auth.Principal, r *http.Request) (incident.Incident, error) {
	if err := s.read(p); err != nil {
		return incident.Incident{}, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return incident.Incident{}, err
	}
	return s.Incidents.Get(ctx, id)
}

func (s *Server) getIncident(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	inc, err := s.readIncident(ctx, p, r)
	if err != nil {
		return err
	}
	tasks, err := s.Incidents.Tasks(ctx, inc.ID)
	if err != nil {
		return err
	}
	msgs, err := s.Incidents.Messages(ctx, inc.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"incident": inc, "tasks": nonNil(tasks), "messages": s.views(inc, msgs)})
	return nil
}

func (s *Server) setState(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		State string `json:"state"`
		Note  string `json:"note"`
	}
	return s.incidentUpdate(ctx, r, &req, w, func(id int64) (incident.Incident, error) {
		return s.Incidents.Transition(ctx, p.Actor(), id, incident.State(req.State), req.Note)
	})
}

func (s *Server) setSeverity(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Severity string `json:"severity"`
	}
	return s.incidentUpdate(ctx, r, &req, w, func(id int64) (incident.Incident, error) {
		return s.Incidents.SetSeverity(ctx, p.Actor(), id, req.Severity)
	})
}

func (s *Server) setComponent(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Component string `json:"component"`
		Status    string `json:"status"`
	}
	return s.incidentUpdate(ctx, r, &req, w, func(id int64) (incident.Incident, error) {
		return s.Incidents.SetComponent(ctx, p.Actor(), id, req.Component, incident.ComponentStatus(req.Status))
	})
}

func (s *Server) assignRole(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Role   string `json:"role"`
		Person string `json:"person"`
	}
	return s.incidentUpdate(ctx, r, &req, w, func(id int64) (incident.Incident, error) {
		return s.Incidents.AssignRole(ctx, p.Actor(), id, req.Role, req.Person)
	})
}

func (s *Server) incidentUpdate(_ context.Context, r *http.Request, req any, w http.ResponseWriter, fn func(id int64) (incident.Incident, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := decode(r, req); err != nil {
		return err
	}
	inc, err := fn(id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"incident": inc})
	return nil
}

func (s *Server) addNote(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Text string `json:"text"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	ev, err := s.Incidents.AddNote(ctx, p.Actor(), id, req.Text)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"event": ev})
	return nil
}

func (s *Server) addReport(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Conditions string `json:"conditions"`
		Actions    string `json:"actions"`
		Needs      string `json:"needs"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	ev, err := s.Incidents.TacticalReport(ctx, p.Actor(), id, req.Conditions, req.Actions, req.Needs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"event": ev})
	return nil
}

func (s *Server) timeline(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	if err := s.read(p); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var after int64
	if a := r.URL.Query().Get("after"); a != "" {
		if after, err = strconv.ParseInt(a, 10, 64); err != nil || after < 0 {
			return &badRequest{"after must be a non-negative event id"}
		}
	}
	if _, err := s.Incidents.Get(ctx, id); err != nil {
		return err
	}
	evs, err := s.Incidents.Timeline(ctx, id, after, 1000)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": nonNil(evs)})
	return nil
}

func (s *Server) tasks(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	inc, err := s.readIncident(ctx, p, r)
	if err != nil {
		return err
	}
	tasks, err := s.Incidents.Tasks(ctx, inc.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tasks": nonNil(tasks), "now": time.Now().UTC()})
	return nil
}

func (s *Server) completeTask(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	req := struct {
		Done *bool `json:"done"`
	}{}
	if err := decode(r, &req); err != nil {
		return err
	}
	done := req.Done == nil || *req.Done
	t, err := s.Incidents.CompleteTask(ctx, p.Actor(), id, done)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"task": t})
	return nil
}

func (s *Server) messages(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	inc, err := s.readIncident(ctx, p, r)
	if err != nil {
		return err
	}
	msgs, err := s.Incidents.Messages(ctx, inc.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": s.views(inc, msgs)})
	return nil
}

func (s *Server) draft(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Template string `json:"template"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	m, err := s.Incidents.Draft(ctx, p.Actor(), id, req.Template)
	if err != nil {
		return err
	}
	return s.writeMessage(ctx, w, http.StatusCreated, m)
}

func (s *Server) writeMessage(ctx context.Context, w http.ResponseWriter, status int, m incident.Message) error {
	inc, err := s.Incidents.Get(ctx, m.IncidentID)
	if err != nil {
		return err
	}
	writeJSON(w, status, map[string]any{"message": s.views(inc, []incident.Message{m})[0]})
	return nil
}

func (s *Server) getMessage(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	if err := s.read(p); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Incidents.Message(ctx, id)
	if err != nil {
		return err
	}
	return s.writeMessage(ctx, w, http.StatusOK, m)
}

func (s *Server) editMessage(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Revision int                         `json:"revision"`
		Content  map[string]incident.Content `json:"content"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Revision == 0 {
		return &badRequest{"revision is required (the revision you edited, to detect concurrent edits)"}
	}
	m, err := s.Incidents.Edit(ctx, p.Actor(), id, req.Revision, req.Content)
	if err != nil {
		return err
	}
	return s.writeMessage(ctx, w, http.StatusOK, m)
}

type decisionRequest struct {
	Revision int    `json:"revision"`
	Comment  string `json:"comment"`
}

func (s *Server) approve(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	return s.decide(ctx, p, w, r, s.Incidents.Approve)
}

func (s *Server) reject(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	return s.decide(ctx, p, w, r, s.Incidents.Reject)
}

func (s *Server) decide(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request,
	fn func(context.Context, incident.Actor, int64, int, string) (incident.Message, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req decisionRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Revision == 0 {
		return &badRequest{"revision is required (the revision you read, so you never approve a text you have not seen)"}
	}
	m, err := fn(ctx, p.Actor(), id, req.Revision, req.Comment)
	if err != nil {
		return err
	}
	return s.writeMessage(ctx, w, http.StatusOK, m)
}

func (s *Server) publish(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Incidents.Publish(ctx, p.Actor(), id)
	if err != nil {
		return err
	}
	return s.writeMessage(ctx, w, http.StatusOK, m)
}

func (s *Server) availability(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Available *bool  `json:"available"`
		Note      string `json:"note"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Available == nil {
		return &badRequest{"available (true or false) is required"}
	}
	person := r.PathValue("person")
	if err := s.Incidents.SetAvailability(ctx, p.Actor(), person, *req.Available, req.Note); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"person": person, "available": *req.Available})
	return nil
}

func (s *Server) reach(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	if err := s.read(p); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Incidents.Message(ctx, id); err != nil {
		return err
	}
	counts := map[string]map[string]int{}
	if s.Reach != nil {
		if counts, err = s.Reach(ctx, id); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"message_id": id, "channels": counts})
	return nil
}
