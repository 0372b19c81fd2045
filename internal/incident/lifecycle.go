package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// transitions lists the allowed state changes. Forward jumps are allowed
// (an incident may be resolved straight from investigating); going back is
// allowed while the incident is open; a resolved incident may be reopened
// or closed; closed is final.
var transitions = map[State][]State{
	Investigating: {Identified, Monitoring, Resolved},
	Identified:    {Investigating, Monitoring, Resolved},
	Monitoring:    {Investigating, Identified, Resolved},
	Resolved:      {Investigating, Closed},
	Closed:        {},
}

// CanTransition reports whether from → to is allowed.
func CanTransition(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

func validState(s State) bool {
	for _, x := range States {
		if x == s {
			return true
		}
	}
	return false
}

// Transition moves an incident to another state. Resolving turns every
// component back to operational and stops the update cadence; closing
// requires a published postmortem.
func (s *Service) Transition(ctx context.Context, actor Actor, id int64, to State, note string) (Incident, error) {
	if !validState(to) {
		return Incident{}, errorf(CodeInvalid, "unknown state %q (want one of investigating, identified, monitoring, resolved, closed)", to)
	}
	act := ActUpdate
	if to == Resolved || to == Closed {
		act = ActResolve
	}
	if err := s.authorize(actor, act); err != nil {
		return Incident{}, err
	}
	var out Incident
	err := s.tx(ctx, func(tx *sql.Tx, emit func(Event)) error {
		inc, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if inc.State == to {
			return errorf(CodeTransition, "incident %d is already %s", id, to)
		}
		if !CanTransition(inc.State, to) {
			allowed := make([]string, 0, len(transitions[inc.State]))
			for _, s := range transitions[inc.State] {
				allowed = append(allowed, string(s))
			}
			return errorf(CodeTransition, "incident %d cannot go from %s to %s (allowed: %s)", id, inc.State, to, strings.Join(allowed, ", "))
		}
		now := s.now()
		if to == Closed {
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM messages WHERE incident_id = ? AND phase = 'postmortem' AND state = 'published'`), id).Scan(&n); err != nil {
				return fmt.Errorf("incident: check postmortem: %w", err)
			}
			if n == 0 {
				return errorf(CodeTransition, "incident %d cannot be closed before its postmortem is published", id)
			}
		}
		set := `state = ?, updated_at = ?`
		args := []any{to, s.t(now)}
		switch to {
		case Resolved:
			set += `, resolved_at = ?, next_update_due = NULL, next_report_due = NULL`
			args = append(args, s.t(now))
		case Closed:
			set += `, closed_at = ?`
			args = append(args, s.t(now))
		case Investigating, Identified, Monitoring:
			if inc.State == Resolved {
				sc := s.plan().Scenario(inc.Scenario)
				cadence := 30
				if sc != nil {
					cadence = sc.CadenceMinutes
				}
				set += `, resolved_at = NULL, next_update_due = ?`
				args = append(args, s.t(now.Add(time.Duration(cadence)*time.Minute)))
			}
		}
		args = append(args, id, inc.State)
		res, err := tx.ExecContext(ctx, s.q(`UPDATE incidents SET `+set+` WHERE id = ? AND state = ?`), args...)
		if err != nil {
			return fmt.Errorf("incident: transition: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errorf(CodeConflict, "incident %d changed meanwhile; reload and try again", id)
		}
		ev, err := s.appendEvent(ctx, tx, id, now, actor.Username, EventStateChanged, map[string]any{"from": inc.State, "to": to, "note": note})
		if err != nil {
			return err
		}
		emit(ev)
		if to == Resolved {
			for _, c := range inc.Components {
				if c.Status == Operational {
					continue
				}
				if err := s.setComponent(ctx, tx, emit, id, c.Component, c.Status, Operational, actor, now); err != nil {
					return err
				}
			}
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	return out, err
}

func (s *Service) setComponent(ctx context.Context, tx *sql.Tx, emit func(Event), id int64, comp string, from, to ComponentStatus, actor Actor, now time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO incident_components (incident_id, component, status, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (incident_id, component) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`), id, comp, to, s.t(now))
	if err != nil {
		return fmt.Errorf("incident: set component %s: %w", comp, err)
	}
	ev, err := s.appendEvent(ctx, tx, id, now, actor.Username, EventComponentChanged, map[string]any{"component": comp, "from": from, "to": to})
	if err != nil {
		return err
	}
	emit(ev)
	return nil
}

// SetComponent changes the status of one of the plan's components.
func (s *Service) SetComponent(ctx context.Context, actor Actor, id int64, component string, status ComponentStatus) (Incident, error) {
	if err := s.authorize(actor, ActUpdate); err != nil {
		return Incident{}, err
	}
	if s.plan().Component(component) == nil {
		return Incident{}, errorf(CodeInvalid, "unknown component %q", component)
	}
	if _, ok := statusRank[status]; !ok {
		return Incident{}, errorf(CodeInvalid, "unknown status %q (want operational, degraded, partial_outage, major_outage or under_maintenance)", status)
	}
	var out Incident
	err := s.tx(ctx, func(tx *sql.Tx, emit func(Event)) error {
		inc, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if inc.State == Closed {
			return errorf(CodeTransition, "incident %d is closed", id)
		}
		from := Operational
		for _, c := range inc.Components {
			if c.Component == component {
				from = c.Status
			}
		}
		if from == status {
			out = inc
			return nil
		}
		now := s.now()
		if err := s.setComponent(ctx, tx, emit, id, component, from, status, actor, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE incidents SET updated_at = ? WHERE id = ?`), s.t(now), id); err != nil {
			return err
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	return out, err
}

// SetSeverity changes an incident's severity.
func (s *Service) SetSeverity(ctx context.Context, actor Actor, id int64, severity string) (Incident, error) {
	if err := s.authorize(actor, ActUpdate); err != nil {
		return Incident{}, err
	}
	if severity != "minor" && severity != "major" && severity != "critical" {
		return Incident{}, errorf(CodeInvalid, "unknown severity %q (want minor, major or critical)", severity)
	}
	return s.update(ctx, actor, id, EventSeverityChanged, func(tx *sql.Tx, inc Incident, now time.Time) (map[string]any, error) {
		if inc.Severity == severity {
			return nil, nil
		}
		_, err := tx.ExecContext(ctx, s.q(`UPDATE incidents SET severity = ?, updated_at = ? WHERE id = ?`), severity, s.t(now), id)
		return map[string]any{"from": inc.Severity, "to": severity}, err
	})
}

// AssignRole gives a plan role to a person for this incident.
func (s *Service) AssignRole(ctx context.Context, actor Actor, id int64, role, person string) (Incident, error) {
	if err := s.authorize(actor, ActUpdate); err != nil {
		return Incident{}, err
	}
	p := s.plan()
	if p.Team.Roles[role] == nil {
		return Incident{}, errorf(CodeInvalid, "unknown role %q", role)
	}
	if p.Person(person) == nil {
		return Incident{}, errorf(CodeInvalid, "unknown person %q", person)
	}
	return s.update(ctx, actor, id, EventRoleAssigned, func(tx *sql.Tx, inc Incident, now time.Time) (map[string]any, error) {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO incident_roles (incident_id, role, person, assigned_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (incident_id, role) DO UPDATE SET person = excluded.person, assigned_at = excluded.assigned_at`), id, role, person, s.t(now))
		if err != nil {
			return nil, err
		}
		// Open tasks of the role follow its holder.
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE tasks SET owner = ? WHERE incident_id = ? AND role = ? AND done_at IS NULL`), person, id, role); err != nil {
			return nil, err
		}
		return map[string]any{"role": role, "person": person, "reason": "assigned"}, nil
	})
}

// AddNote records free text on the timeline.
func (s *Service) AddNote(ctx context.Context, actor Actor, id int64, text string) (Event, error) {
	if err := s.authorize(actor, ActTask); err != nil {
		return Event{}, err
	}
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 10000 {
		return Event{}, errorf(CodeInvalid, "a note needs 1 to 10000 characters")
	}
	return s.event(ctx, actor, id, EventNote, map[string]any{"text": text})
}

// TacticalReport records an internal situation report (conditions,
// actions, needs) and sets when the next one is due.
func (s *Service) TacticalReport(ctx context.Context, actor Actor, id int64, conditions, actions, needs string) (Event, error) {
	if err := s.authorize(actor, ActTask); err != nil {
		return Event{}, err
	}
	if strings.TrimSpace(conditions+actions+needs) == "" {
		return Event{}, errorf(CodeInvalid, "a tactical report needs conditions, actions or needs")
	}
	var out Event
	inc, err := s.update(ctx, actor, id, EventTacticalReport, func(tx *sql.Tx, inc Incident, now time.Time) (map[string]any, error) {
		minutes := 60
		if sc := s.plan().Scenario(inc.Scenario); sc != nil {
			minutes = sc.ReportCadenceMinutes
		}
		next := now.Add(time.Duration(minutes) * time.Minute)
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE incidents SET next_report_due = ?, report_reminded_for = NULL WHERE id = ?`), s.t(next), id); err != nil {
			return nil, err
		}
		return map[string]any{"conditions": conditions, "actions": actions, "needs": needs, "next_report_due": next}, nil
	})
	if err != nil {
		return Event{}, err
	}
	evs, err := s.Timeline(ctx, inc.ID, 0, 0)
	if err == nil && len(evs) > 0 {
		out = evs[len(evs)-1]
	}
	return out, err
}

// RecordSignal adds a detection signal to the timeline (used by detection).
func (s *Service) RecordSignal(ctx context.Context, id int64, source string, payload map[string]any) (Event, error) {
	if payload == nil {
		payload = map[string]any{}
	}
	payload["source"] = source
	return s.event(ctx, System, id, EventSignal, payload)
}

func (s *Service) event(ctx context.Context, actor Actor, id int64, kind string, payload map[string]any) (Event, error) {
	var out Event
	err := s.tx(ctx, func(tx *sql.Tx, emit func(Event)) error {
		if _, err := s.get(ctx, tx, id); err != nil {
			return err
		}
		ev, err := s.appendEvent(ctx, tx, id, s.now(), actor.Username, kind, payload)
		if err != nil {
			return err
		}
		emit(ev)
		out = ev
		return nil
	})
	return out, err
}

// update runs fn on an open incident and records its payload as an event
// of kind; fn returning a nil payload means nothing changed.
func (s *Service) update(ctx context.Context, actor Actor, id int64, kind string, fn func(tx *sql.Tx, inc Incident, now time.Time) (map[string]any, error)) (Incident, error) {
	var out Incident
	err := s.tx(ctx, func(tx *sql.Tx, emit func(Event)) error {
		inc, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if inc.State == Closed {
			return errorf(CodeTransition, "incident %d is closed", id)
		}
		now := s.now()
		payload, err := fn(tx, inc, now)
		if err != nil {
			var de *Error
			if errors.As(err, &de) {
				return err
			}
			return fmt.Errorf("incident: %s: %w", kind, err)
		}
		if payload != nil {
			ev, err := s.appendEvent(ctx, tx, id, now, actor.Username, kind, payload)
			if err != nil {
				return err
			}
			emit(ev)
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	return out, err
}

// CompleteTask marks a task done (or not done again).
func (s *Service) CompleteTask(ctx context.Context, actor Actor, taskID int64, done bool) (Task, error) {
	if err := s.authorize(actor, ActTask); err != nil {
		return Task{}, err
	}
	var incidentID int64
	if err := s.db.SQL().QueryRowContext(ctx, s.q(`SELECT incident_id FROM tasks WHERE id = ?`), taskID).Scan(&incidentID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Task{}, errorf(CodeNotFound, "task %d not found", taskID)
		}
		return Task{}, fmt.Errorf("incident: task %d: %w", taskID, err)
	}
	kind := EventTaskDone
	if !done {
		kind = EventTaskReopened
	}
	_, err := s.update(ctx, actor, incidentID, kind, func(tx *sql.Tx, inc Incident, now time.Time) (map[string]any, error) {
		var (
			res sql.Result
			err error
		)
		if done {
			res, err = tx.ExecContext(ctx, s.q(`UPDATE tasks SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL`), s.t(now), actor.Username, taskID)
		} else {
			res, err = tx.ExecContext(ctx, s.q(`UPDATE tasks SET done_at = NULL, done_by = '' WHERE id = ? AND done_at IS NOT NULL`), taskID)
		}
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, nil
		}
		var role, key string
		if err := tx.QueryRowContext(ctx, s.q(`SELECT role, task_key FROM tasks WHERE id = ?`), taskID).Scan(&role, &key); err != nil {
			return nil, err
		}
		return map[string]any{"task_id": taskID, "role": role, "task": key}, nil
	})
	if err != nil {
		return Task{}, err
	}
	tasks, err := s.Tasks(ctx, incidentID)
	if err != nil {
		return Task{}, err
	}
	for _, t := range tasks {
		if t.ID == taskID {
			return t, nil
		}
	}
	return Task{}, errorf(CodeNotFound, "task %d not found", taskID)
}

// SetAvailability marks a team member available or not; role assignment
// at the next declaration skips unavailable primaries.
func (s *Service) SetAvailability(ctx context.Context, actor Actor, person string, available bool, note string) error {
	if err := s.authorize(actor, ActAvailable); err != nil {
		return err
	}
	if s.plan().Person(person) == nil {
		return errorf(CodeInvalid, "unknown person %q", person)
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO availability (person, available, note, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (person) DO UPDATE SET available = excluded.available, note = excluded.note, updated_by = excluded.updated_by, updated_at = excluded.updated_at`),
			person, available, note, actor.Username, s.t(now))
		if err != nil {
			return fmt.Errorf("incident: availability of %s: %w", person, err)
		}
		return s.db.Audit(ctx, tx, actor.Username, "team.availability", "person:"+person, map[string]any{"available": available, "note": note})
	})
}
