package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store"
)

// Notifier pages team members on their internal channels. The delivery
// engine provides the real one; until then the app logs and e-mails.
type Notifier interface {
	NotifyTeam(ctx context.Context, n Notification) error
}

// Notification is a message to one team member.
type Notification struct {
	IncidentID int64
	Drill      bool
	Person     plan.Person
	Role       string
	Subject    string
	Body       string
}

// Options are the Service's optional collaborators.
type Options struct {
	Now      func() time.Time
	Notifier Notifier
	Logger   *slog.Logger
	// CheckText, when set, says why a text cannot go out on a channel as
	// it is (over a platform's length): such a message can be neither
	// approved nor published until it is edited.
	CheckText func(channel, lang, text string) error
}

// Service runs the crisis room on a database and the active plan.
type Service struct {
	db       *store.DB
	plan     func() *plan.Plan
	now      func() time.Time
	notifier Notifier
	logger   *slog.Logger
	hub      *Hub
	check    func(channel, lang, text string) error
}

// NewService returns a Service. plan returns the active plan at each call,
// so a reloaded plan applies to the next action.
func NewService(db *store.DB, activePlan func() *plan.Plan, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, plan: activePlan, now: func() time.Time { return store.Timestamp(o.Now()) }, notifier: o.Notifier, logger: o.Logger, hub: NewHub(), check: o.CheckText}
}

// Hub returns the live event hub (for Server-Sent Events).
func (s *Service) Hub() *Hub { return s.hub }

func (s *Service) q(query string) string { return s.db.Rebind(query) }

func (s *Service) t(t time.Time) any { return s.db.TimeArg(t) }

func (s *Service) tp(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return s.db.TimeArg(*t)
}

// nullTime scans a nullable timestamp.
type nullTime struct{ t time.Time }

func (n *nullTime) scanner() sql.Scanner { return store.ScanTime(&n.t) }

func (n *nullTime) ptr() *time.Time {
	if n.t.IsZero() {
		return nil
	}
	t := n.t
	return &t
}

// appendEvent adds an event to the timeline inside tx and returns it.
func (s *Service) appendEvent(ctx context.Context, tx *sql.Tx, incidentID int64, at time.Time, actor, kind string, payload map[string]any) (Event, error) {
	if payload == nil {
		payload = map[string]any{}
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return Event{}, fmt.Errorf("incident: encode %s event: %w", kind, err)
	}
	var id int64
	err = tx.QueryRowContext(ctx, s.q(`INSERT INTO timeline (incident_id, at, actor, kind, payload) VALUES (?, ?, ?, ?, ?) RETURNING id`),
		incidentID, s.t(at), actor, kind, string(raw)).Scan(&id)
	if err != nil {
		return Event{}, fmt.Errorf("incident: append %s event: %w", kind, err)
	}
	return Event{ID: id, IncidentID: incidentID, At: at, Actor: actor, Kind: kind, Payload: payload}, nil
}

// tx runs fn in a transaction and publishes the events it collected once
// the transaction committed.
func (s *Service) tx(ctx context.Context, fn func(tx *sql.Tx, emit func(Event)) error) error {
	var events []Event
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		events = events[:0]
		return fn(tx, func(e Event) { events = append(events, e) })
	})
	if err != nil {
		return err
	}
	for _, e := range events {
		s.hub.Publish(e)
	}
	return nil
}

// Get returns an incident with its components and roles.
func (s *Service) Get(ctx context.Context, id int64) (Incident, error) {
	return s.get(ctx, s.db.SQL(), id)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const incidentColumns = `id, scenario, title, severity, state, drill, plan_hash, declared_by, declared_at, updated_at, resolved_at, closed_at, next_update_due, reminded_for, escalated_for, next_report_due, report_reminded_for`

func (s *Service) scanIncident(row interface{ Scan(...any) error }) (Incident, error) {
	var (
		inc                                                 Incident
		title                                               string
		resolved, closed, due, reminded, escalated, rep, rr nullTime
	)
	err := row.Scan(&inc.ID, &inc.Scenario, &title, &inc.Severity, &inc.State, &inc.Drill, &inc.PlanHash, &inc.DeclaredBy,
		store.ScanTime(&inc.DeclaredAt), store.ScanTime(&inc.UpdatedAt), resolved.scanner(), closed.scanner(), due.scanner(),
		reminded.scanner(), escalated.scanner(), rep.scanner(), rr.scanner())
	if err != nil {
		return Incident{}, err
	}
	if err := json.Unmarshal([]byte(title), &inc.Title); err != nil {
		return Incident{}, fmt.Errorf("incident %d: decode title: %w", inc.ID, err)
	}
	inc.ResolvedAt, inc.ClosedAt, inc.NextUpdateDue = resolved.ptr(), closed.ptr(), due.ptr()
	inc.remindedFor, inc.escalatedFor, inc.NextReportDue, inc.reportFor = reminded.ptr(), escalated.ptr(), rep.ptr(), rr.ptr()
	return inc, nil
}

func (s *Service) get(ctx context.Context, q queryer, id int64) (Incident, error) {
	inc, err := s.scanIncident(q.QueryRowContext(ctx, s.q(`SELECT `+incidentColumns+` FROM incidents WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, errorf(CodeNotFound, "incident %d not found", id)
	}
	if err != nil {
		return Incident{}, fmt.Errorf("incident: get %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, s.q(`SELECT component, status, updated_at FROM incident_components WHERE incident_id = ? ORDER BY component`), id)
	if err != nil {
		return Incident{}, fmt.Errorf("incident: components of %d: %w", id, err)
	}
	for rows.Next() {
		var c ComponentState
		if err := rows.Scan(&c.Component, &c.Status, store.ScanTime(&c.UpdatedAt)); err != nil {
			rows.Close()
			return Incident{}, fmt.Errorf("incident: scan component: %w", err)
		}
		inc.Components = append(inc.Components, c)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, s.q(`SELECT role, person, assigned_at FROM incident_roles WHERE incident_id = ? ORDER BY role`), id)
	if err != nil {
		return Incident{}, fmt.Errorf("incident: roles of %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r RoleAssignment
		if err := rows.Scan(&r.Role, &r.Person, store.ScanTime(&r.AssignedAt)); err != nil {
			return Incident{}, fmt.Errorf("incident: scan role: %w", err)
		}
		inc.Roles = append(inc.Roles, r)
	}
	return inc, rows.Err()
}

// ListFilter selects incidents.
type ListFilter struct {
	// Open restricts to incidents that are not resolved or closed.
	Open bool
	// Drills includes drill incidents.
	Drills bool
	Limit  int
}

// List returns incidents, newest first.
func (s *Service) List(ctx context.Context, f ListFilter) ([]Incident, error) {
	query := `SELECT ` + incidentColumns + ` FROM incidents WHERE 1 = 1`
	var args []any
	if f.Open {
		query += ` AND state NOT IN ('resolved', 'closed')`
	}
	if !f.Drills {
		query += ` AND drill = ?`
		args = append(args, false)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, f.Limit)
	rows, err := s.db.SQL().QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("incident: list: %w", err)
	}
	var ids []int64
	for rows.Next() {
		inc, err := s.scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("incident: list: %w", err)
		}
		ids = append(ids, inc.ID)
	}
	rows.Close()
	out := make([]Incident, 0, len(ids))
	for _, id := range ids {
		inc, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, inc)
	}
	return out, nil
}

// Timeline returns events of an incident with id > after, oldest first.
func (s *Service) Timeline(ctx context.Context, incidentID, after int64, limit int) ([]Event, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.db.SQL().QueryContext(ctx, s.q(fmt.Sprintf(`SELECT id, incident_id, at, actor, kind, payload FROM timeline WHERE incident_id = ? AND id > ? ORDER BY id LIMIT %d`, limit)), incidentID, after)
	if err != nil {
		return nil, fmt.Errorf("incident: timeline: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var (
			e   Event
			raw string
		)
		if err := rows.Scan(&e.ID, &e.IncidentID, store.ScanTime(&e.At), &e.Actor, &e.Kind, &raw); err != nil {
			return nil, fmt.Errorf("incident: scan event: %w", err)
		}
		if err := json.Unmarshal([]byte(raw), &e.Payload); err != nil {
			return nil, fmt.Errorf("incident: decode event %d: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Tasks returns the tasks of an incident by role, then due time.
func (s *Service) Tasks(ctx context.Context, incidentID int64) ([]Task, error) {
	rows, err := s.db.SQL().QueryContext(ctx, s.q(`SELECT id, incident_id, role, task_key, title, owner, due_at, done_at, done_by FROM tasks WHERE incident_id = ? ORDER BY role, due_at, id`), incidentID)
	if err != nil {
		return nil, fmt.Errorf("incident: tasks: %w", err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		var (
			t     Task
			title string
			done  nullTime
		)
		if err := rows.Scan(&t.ID, &t.IncidentID, &t.Role, &t.Key, &title, &t.Owner, store.ScanTime(&t.DueAt), done.scanner(), &t.DoneBy); err != nil {
			return nil, fmt.Errorf("incident: scan task: %w", err)
		}
		if err := json.Unmarshal([]byte(title), &t.Title); err != nil {
			return nil, fmt.Errorf("incident: decode task %d: %w", t.ID, err)
		}
		t.DoneAt = done.ptr()
		out = append(out, t)
	}
	return out, rows.Err()
}
