package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/plan"
)

// DeclareInput describes a new incident.
type DeclareInput struct {
	Scenario string
	// Drill marks an exercise: it never reaches real customers and stays
	// out of metrics.
	Drill bool
	// AutoPublish publishes the scenario's pre-approved acknowledgements
	// right away, as Vigie (used by detection).
	AutoPublish bool
	// Note is free text recorded on the timeline (e.g. what was observed).
	Note string
}

// DeclareResult is what Declare did.
type DeclareResult struct {
	Incident Incident
	// Created is false when an open incident of the same scenario already
	// existed; it is returned instead of declaring a second one.
	Created   bool
	Drafts    []Message
	Published []Message
}

// initialStatus is the component status a scenario's severity implies.
func initialStatus(severity string) ComponentStatus {
	switch severity {
	case "critical":
		return MajorOutage
	case "major":
		return PartialOutage
	}
	return Degraded
}

// Declare opens an incident for a plan scenario and activates the plan:
// components turn red, each role goes to its primary (or the first
// available backup), checklists become tasks with owners and due times, the
// team is paged, and the scenario's acknowledgements are drafted in every
// language. It is idempotent per scenario: with an open incident for the
// same scenario (and drill flag), that incident is returned.
func (s *Service) Declare(ctx context.Context, actor Actor, in DeclareInput) (DeclareResult, error) {
	if err := s.authorize(actor, ActDeclare); err != nil {
		return DeclareResult{}, err
	}
	p := s.plan()
	sc := p.Scenario(in.Scenario)
	if sc == nil {
		var ids []string
		for _, x := range p.Scenarios {
			ids = append(ids, x.ID)
		}
		return DeclareResult{}, errorf(CodeInvalid, "unknown scenario %q (the plan has: %s)", in.Scenario, strings.Join(ids, ", "))
	}
	var res DeclareResult
	now := s.now()
	err := s.tx(ctx, func(tx *sql.Tx, emit func(Event)) error {
		var existing int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM incidents WHERE scenario = ? AND drill = ? AND state NOT IN ('resolved', 'closed') ORDER BY id LIMIT 1`), sc.ID, in.Drill).Scan(&existing)
		if err == nil {
			res.Incident, err = s.get(ctx, tx, existing)
			return err
		}
		if err != sql.ErrNoRows {
			return fmt.Errorf("incident: look for an open incident: %w", err)
		}
		res.Created = true
		title, _ := json.Marshal(sc.Title)
		due := now.Add(time.Duration(sc.CadenceMinutes) * time.Minute)
		report := now.Add(time.Duration(sc.ReportCadenceMinutes) * time.Minute)
		var id int64
		err = tx.QueryRowContext(ctx, s.q(`INSERT INTO incidents (scenario, title, severity, state, drill, plan_hash, declared_by, declared_at, updated_at, next_update_due, next_report_due)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			sc.ID, string(title), sc.Severity, Investigating, in.Drill, p.Hash(), actor.Username, s.t(now), s.t(now), s.t(due), s.t(report)).Scan(&id)
		if err != nil {
			return fmt.Errorf("incident: insert: %w", err)
		}
		ev, err := s.appendEvent(ctx, tx, id, now, actor.Username, EventDeclared, map[string]any{
			"scenario": sc.ID, "severity": sc.Severity, "drill": in.Drill, "plan_hash": p.Hash(), "note": in.Note,
			"next_update_due": due,
		})
		if err != nil {
			return err
		}
		emit(ev)
		status := initialStatus(sc.Severity)
		for _, c := range sc.Components {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO incident_components (incident_id, component, status, updated_at) VALUES (?, ?, ?, ?)`), id, c, status, s.t(now)); err != nil {
				return fmt.Errorf("incident: component %s: %w", c, err)
			}
			ev, err := s.appendEvent(ctx, tx, id, now, actor.Username, EventComponentChanged, map[string]any{"component": c, "from": Operational, "to": status})
			if err != nil {
				return err
			}
			emit(ev)
		}
		if err := s.activateRoles(ctx, tx, emit, p, sc, id, now, actor); err != nil {
			return err
		}
		res.Incident, err = s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, m := range p.MessagesFor(sc.ID, "acknowledge") {
			msg, ev, err := s.insertDraft(ctx, tx, p, res.Incident, m, System.Username, now)
			if err != nil {
				return err
			}
			emit(ev)
			res.Drafts = append(res.Drafts, msg)
		}
		return nil
	})
	if err != nil || !res.Created {
		return res, err
	}
	s.notifyActivation(ctx, p, res.Incident)
	if in.AutoPublish {
		for _, d := range res.Drafts {
			if !d.PreApproved {
				continue
			}
			m, err := s.Publish(ctx, System, d.ID)
			if err != nil {
				s.logger.Error("auto-publish of a pre-approved acknowledgement failed", "incident", res.Incident.ID, "message", d.ID, "err", err)
				continue
			}
			res.Published = append(res.Published, m)
		}
		res.Incident, _ = s.Get(ctx, res.Incident.ID)
	}
	return res, nil
}

// activateRoles assigns every plan role and creates its checklist tasks.
func (s *Service) activateRoles(ctx context.Context, tx *sql.Tx, emit func(Event), p *plan.Plan, sc *plan.Scenario, id int64, now time.Time, actor Actor) error {
	unavailable, err := s.unavailable(ctx, tx)
	if err != nil {
		return err
	}
	roles := make([]string, 0, len(p.Team.Roles))
	for r := range p.Team.Roles {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	for _, role := range roles {
		spec := p.Team.Roles[role]
		holder, why := spec.Primary, "primary"
		if unavailable[holder] {
			why = "no one available; primary kept"
			for _, b := range spec.Backups {
				if !unavailable[b] {
					holder, why = b, "backup: "+spec.Primary+" unavailable"
					break
				}
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO incident_roles (incident_id, role, person, assigned_at) VALUES (?, ?, ?, ?)`), id, role, holder, s.t(now)); err != nil {
			return fmt.Errorf("incident: assign %s: %w", role, err)
		}
		ev, err := s.appendEvent(ctx, tx, id, now, actor.Username, EventRoleAssigned, map[string]any{"role": role, "person": holder, "reason": why})
		if err != nil {
			return err
		}
		emit(ev)
		for _, task := range spec.Checklist {
			if len(task.Scenarios) > 0 && !containsString(task.Scenarios, sc.ID) {
				continue
			}
			off, err := plan.ParseDue(task.Due)
			if err != nil {
				return errorf(CodeInvalid, "task %s.%s: %v", role, task.ID, err)
			}
			title, _ := json.Marshal(task.Title)
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO tasks (incident_id, role, task_key, title, owner, due_at) VALUES (?, ?, ?, ?, ?, ?)`),
				id, role, task.ID, string(title), holder, s.t(now.Add(off))); err != nil {
				return fmt.Errorf("incident: task %s.%s: %w", role, task.ID, err)
			}
		}
	}
	return nil
}

func (s *Service) unavailable(ctx context.Context, q queryer) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, s.q(`SELECT person FROM availability WHERE available = ?`), false)
	if err != nil {
		return nil, fmt.Errorf("incident: availability: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out[p] = true
	}
	return out, rows.Err()
}

// notifyActivation pages each role holder with their tasks and records it.
func (s *Service) notifyActivation(ctx context.Context, p *plan.Plan, inc Incident) {
	if s.notifier == nil {
		return
	}
	tasks, err := s.Tasks(ctx, inc.ID)
	if err != nil {
		s.logger.Error("list tasks for notification", "err", err)
		return
	}
	def := p.Organisation.DefaultLanguage
	for _, ra := range inc.Roles {
		person := p.Person(ra.Person)
		if person == nil {
			continue
		}
		lang := def
		if len(person.Languages) > 0 {
			lang = person.Languages[0]
		}
		var b strings.Builder
		prefix := ""
		if inc.Drill {
			prefix = "[EXERCICE] "
			if lang != "fr" {
				prefix = "[DRILL] "
			}
		}
		fmt.Fprintf(&b, "%s%s — %s: %s\n", prefix, p.Organisation.Name, inc.Title.Get(lang, def), ra.Role)
		for _, t := range tasks {
			if t.Role == ra.Role {
				fmt.Fprintf(&b, "- %s (%s)\n", t.Title.Get(lang, def), clock(p, &t.DueAt))
			}
		}
		n := Notification{IncidentID: inc.ID, Drill: inc.Drill, Person: *person, Role: ra.Role,
			Subject: fmt.Sprintf("%s%s: %s", prefix, inc.Title.Get(lang, def), ra.Role), Body: b.String()}
		status := "sent"
		if err := s.notifier.NotifyTeam(ctx, n); err != nil {
			status = "failed: " + err.Error()
			s.logger.Warn("team notification failed", "person", person.ID, "err", err)
		}
		_ = s.tx(ctx, func(tx *sql.Tx, emit func(Event)) error {
			ev, err := s.appendEvent(ctx, tx, inc.ID, s.now(), System.Username, EventTeamNotified, map[string]any{"person": person.ID, "role": ra.Role, "status": status})
			if err == nil {
				emit(ev)
			}
			return err
		})
	}
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
