package maintenance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store"
)

// MaxDuration bounds one window: longer work is several announcements.
const MaxDuration = 14 * 24 * time.Hour

// Service schedules and updates maintenance windows.
type Service struct {
	db   *store.DB
	plan func() *plan.Plan
	now  func() time.Time
	// changed is called after every committed change (the status page
	// rebuilds on it).
	changed func()
}

// NewService returns a Service. now and changed may be nil.
func NewService(db *store.DB, p func() *plan.Plan, now func() time.Time, changed func()) *Service {
	if now == nil {
		now = time.Now
	}
	if changed == nil {
		changed = func() {}
	}
	return &Service{db: db, plan: p, now: now, changed: changed}
}

// Input describes a window to schedule.
type Input struct {
	Title      plan.Text `json:"title"`
	Body       plan.Text `json:"body"`
	Components []string  `json:"components"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
}

func invalid(format string, args ...any) error {
	return &incident.Error{Code: incident.CodeInvalid, Message: "maintenance: " + fmt.Sprintf(format, args...)}
}

func (s *Service) validate(in Input, now time.Time) error {
	p := s.plan()
	def := p.Organisation.DefaultLanguage
	if strings.TrimSpace(in.Title[def]) == "" {
		return invalid("title.%s is required (the plan's default language)", def)
	}
	for lang := range in.Title {
		if !slices.Contains(p.Organisation.Languages, lang) {
			return invalid("title.%s: the plan has no language %q", lang, lang)
		}
	}
	for lang := range in.Body {
		if !slices.Contains(p.Organisation.Languages, lang) {
			return invalid("body.%s: the plan has no language %q", lang, lang)
		}
	}
	if len(in.Components) == 0 {
		return invalid("components: name at least one component of the plan")
	}
	for i, c := range in.Components {
		if p.Component(c) == nil {
			return invalid("components[%d]: unknown component %q", i, c)
		}
	}
	switch {
	case in.StartsAt.IsZero() || in.EndsAt.IsZero():
		return invalid("starts_at and ends_at are required (RFC 3339 times)")
	case !in.EndsAt.After(in.StartsAt):
		return invalid("ends_at %s is not after starts_at %s", in.EndsAt.Format(time.RFC3339), in.StartsAt.Format(time.RFC3339))
	case in.EndsAt.Sub(in.StartsAt) > MaxDuration:
		return invalid("the window lasts %s, more than the %s allowed", in.EndsAt.Sub(in.StartsAt), MaxDuration)
	case !in.EndsAt.After(now):
		return invalid("ends_at %s is already past", in.EndsAt.Format(time.RFC3339))
	}
	return nil
}

// Schedule announces a new window.
func (s *Service) Schedule(ctx context.Context, actor incident.Actor, in Input) (Window, error) {
	if !incident.Can(actor.Role, incident.ActUpdate) {
		return Window{}, &incident.Error{Code: incident.CodeForbidden, Message: fmt.Sprintf("%s (%s) may not schedule maintenance", actor.Username, actor.Role)}
	}
	now := store.Timestamp(s.now())
	if err := s.validate(in, now); err != nil {
		return Window{}, err
	}
	if in.Body == nil {
		in.Body = plan.Text{}
	}
	title, _ := json.Marshal(in.Title)
	body, _ := json.Marshal(in.Body)
	comps, _ := json.Marshal(in.Components)
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.db.Rebind(`INSERT INTO maintenances (title, body, components, starts_at, ends_at, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			string(title), string(body), string(comps), s.db.TimeArg(store.Timestamp(in.StartsAt)), s.db.TimeArg(store.Timestamp(in.EndsAt)),
			actor.Username, s.db.TimeArg(now), s.db.TimeArg(now)).Scan(&id)
		if err != nil {
			return fmt.Errorf("maintenance: schedule: %w", err)
		}
		return s.db.Audit(ctx, tx, actor.Username, "maintenance.schedule", fmt.Sprintf("maintenance:%d", id),
			map[string]any{"components": in.Components, "starts_at": in.StartsAt.UTC(), "ends_at": in.EndsAt.UTC()})
	})
	if err != nil {
		return Window{}, err
	}
	s.changed()
	return s.Get(ctx, id)
}

// SetStatus sets a window's status by hand: start it early (in_progress),
// verifying, completed (early), or cancelled.
func (s *Service) SetStatus(ctx context.Context, actor incident.Actor, id int64, to Status) (Window, error) {
	if !incident.Can(actor.Role, incident.ActUpdate) {
		return Window{}, &incident.Error{Code: incident.CodeForbidden, Message: fmt.Sprintf("%s (%s) may not update maintenance", actor.Username, actor.Role)}
	}
	switch to {
	case InProgress, Verifying, Completed, Cancelled:
	default:
		return Window{}, invalid("status %q: use in_progress, verifying, completed or cancelled", to)
	}
	now := store.Timestamp(s.now())
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		from := w.StatusAt(now)
		switch {
		case from == Completed || from == Cancelled:
			return &incident.Error{Code: incident.CodeTransition, Message: fmt.Sprintf("maintenance %d is already %s", id, from)}
		case to == Cancelled && from != Scheduled:
			return &incident.Error{Code: incident.CodeTransition, Message: fmt.Sprintf("maintenance %d has started: complete it instead of cancelling", id)}
		case to == Verifying && from == Scheduled:
			return &incident.Error{Code: incident.CodeTransition, Message: fmt.Sprintf("maintenance %d has not started", id)}
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE maintenances SET manual_status = ?, updated_at = ? WHERE id = ?`),
			string(to), s.db.TimeArg(now), id); err != nil {
			return fmt.Errorf("maintenance: set status of %d: %w", id, err)
		}
		return s.db.Audit(ctx, tx, actor.Username, "maintenance.status", fmt.Sprintf("maintenance:%d", id), map[string]any{"from": from, "to": to})
	})
	if err != nil {
		return Window{}, err
	}
	s.changed()
	return s.Get(ctx, id)
}

// Get returns one window.
func (s *Service) Get(ctx context.Context, id int64) (Window, error) {
	return s.get(ctx, s.db.SQL(), id)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Service) get(ctx context.Context, q queryer, id int64) (Window, error) {
	list, err := s.query(ctx, q, `WHERE id = ?`, id)
	if err != nil {
		return Window{}, err
	}
	if len(list) == 0 {
		return Window{}, &incident.Error{Code: incident.CodeNotFound, Message: fmt.Sprintf("maintenance %d not found", id)}
	}
	return list[0], nil
}

// List returns the windows that end after since, soonest first.
func (s *Service) List(ctx context.Context, since time.Time) ([]Window, error) {
	return s.query(ctx, s.db.SQL(), `WHERE ends_at > ? ORDER BY starts_at, id`, s.db.TimeArg(store.Timestamp(since)))
}

func (s *Service) query(ctx context.Context, q queryer, where string, args ...any) ([]Window, error) {
	rows, err := q.QueryContext(ctx, s.db.Rebind(`SELECT id, title, body, components, starts_at, ends_at, manual_status, created_by, created_at, updated_at
		FROM maintenances `+where), args...)
	if err != nil {
		return nil, fmt.Errorf("maintenance: list: %w", err)
	}
	defer rows.Close()
	var out []Window
	for rows.Next() {
		var w Window
		var title, body, comps, manual string
		if err := rows.Scan(&w.ID, &title, &body, &comps, store.ScanTime(&w.StartsAt), store.ScanTime(&w.EndsAt), &manual, &w.CreatedBy,
			store.ScanTime(&w.CreatedAt), store.ScanTime(&w.UpdatedAt)); err != nil {
			return nil, fmt.Errorf("maintenance: scan: %w", err)
		}
		w.Manual = Status(manual)
		if err := errors.Join(json.Unmarshal([]byte(title), &w.Title), json.Unmarshal([]byte(body), &w.Body), json.Unmarshal([]byte(comps), &w.Components)); err != nil {
			return nil, fmt.Errorf("maintenance %d: decode: %w", w.ID, err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
