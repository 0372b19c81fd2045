// Package maintenance holds scheduled maintenance windows: planned work on
// components, announced on the status page and its APIs before it starts,
// shown as "under maintenance" while it runs, and kept in the history.
package maintenance

import (
	"time"

	"github.com/vigie-hq/vigie/internal/plan"
)

// Status is where a maintenance window stands, in Atlassian Statuspage's
// vocabulary for scheduled maintenances.
type Status string

// Statuses of a maintenance window.
const (
	Scheduled  Status = "scheduled"
	InProgress Status = "in_progress"
	Verifying  Status = "verifying"
	Completed  Status = "completed"
	Cancelled  Status = "cancelled"
)

// Window is one scheduled maintenance.
type Window struct {
	ID         int64     `json:"id"`
	Title      plan.Text `json:"title"`
	Body       plan.Text `json:"body"`
	Components []string  `json:"components"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	// Manual is the status someone set by hand ("" when the clock decides).
	Manual    Status    `json:"manual_status,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// StatusAt is the status visitors see at now. A manual status wins, except
// that "in progress" and "verifying" set by hand end with the window: a
// forgotten window does not stay under maintenance forever.
func (w Window) StatusAt(now time.Time) Status {
	switch w.Manual {
	case Completed, Cancelled:
		return w.Manual
	case InProgress, Verifying:
		if now.Before(w.EndsAt) {
			return w.Manual
		}
		return Completed
	}
	switch {
	case now.Before(w.StartsAt):
		return Scheduled
	case now.Before(w.EndsAt):
		return InProgress
	}
	return Completed
}

// Active reports whether the window puts its components under maintenance
// at now.
func (w Window) Active(now time.Time) bool {
	st := w.StatusAt(now)
	return st == InProgress || st == Verifying
}

// Upcoming reports whether the window is announced but not started.
func (w Window) Upcoming(now time.Time) bool { return w.StatusAt(now) == Scheduled }

// UpdatedAtFor is when the window last changed as visitors see it: a
// transition made by the clock counts as an update at the boundary.
func (w Window) UpdatedAtFor(now time.Time) time.Time {
	t := w.UpdatedAt
	if w.Manual == "" {
		for _, b := range []time.Time{w.StartsAt, w.EndsAt} {
			if !now.Before(b) && b.After(t) {
				t = b
			}
		}
	}
	return t
}
