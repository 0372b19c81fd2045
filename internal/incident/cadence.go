package incident

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vigie-hq/vigie/internal/plan"
)

// reminderLead is how long before a public update is due the communication
// role is reminded: a fifth of the cadence, at most five minutes.
func reminderLead(cadence time.Duration) time.Duration {
	return min(cadence/5, 5*time.Minute)
}

// Tick sends cadence reminders and escalations that are due: a reminder to
// the communication role before the next public update is due, an
// escalation to the commander once it is overdue, and a reminder to the
// commander when a tactical report is due. Each is sent once per due time
// and recorded on the timeline. The app calls it every few seconds; calling
// it from several processes is safe (the conditional updates elect one).
func (s *Service) Tick(ctx context.Context) error {
	incs, err := s.List(ctx, ListFilter{Open: true, Drills: true, Limit: 500})
	if err != nil {
		return err
	}
	p := s.plan()
	now := s.now()
	for _, inc := range incs {
		cadence := 30 * time.Minute
		if sc := p.Scenario(inc.Scenario); sc != nil {
			cadence = time.Duration(sc.CadenceMinutes) * time.Minute
		}
		if due := inc.NextUpdateDue; due != nil {
			if now.After(*due) && !sameTime(inc.escalatedFor, due) {
				s.remind(ctx, p, inc, "escalated_for", *due, "commander", EventUpdateOverdue,
					fmt.Sprintf("public update overdue since %s", clock(p, due)))
			} else if !now.Before(due.Add(-reminderLead(cadence))) && !now.After(*due) && !sameTime(inc.remindedFor, due) {
				s.remind(ctx, p, inc, "reminded_for", *due, "communication", EventReminderSent,
					fmt.Sprintf("next public update due by %s", clock(p, due)))
			}
		}
		if due := inc.NextReportDue; due != nil && !now.Before(*due) && !sameTime(inc.reportFor, due) {
			s.remind(ctx, p, inc, "report_reminded_for", *due, "commander", EventReportDue,
				fmt.Sprintf("tactical report due since %s", clock(p, due)))
		}
	}
	return nil
}

func sameTime(a, b *time.Time) bool { return a != nil && b != nil && a.Equal(*b) }

// remind marks the due time as handled (once, even with several
// processes), records the event and pages the holder of role.
func (s *Service) remind(ctx context.Context, p *plan.Plan, inc Incident, column string, due time.Time, role, kind, text string) {
	holder := ""
	for _, ra := range inc.Roles {
		if ra.Role == role {
			holder = ra.Person
		}
	}
	won := false
	err := s.tx(ctx, func(tx *sql.Tx, emit func(Event)) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE incidents SET `+column+` = ? WHERE id = ? AND (`+column+` IS NULL OR `+column+` <> ?)`), s.t(due), inc.ID, s.t(due))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		won = true
		ev, err := s.appendEvent(ctx, tx, inc.ID, s.now(), System.Username, kind, map[string]any{"due": due, "role": role, "person": holder, "text": text})
		if err != nil {
			return err
		}
		emit(ev)
		return nil
	})
	if err != nil {
		s.logger.Error("cadence reminder", "incident", inc.ID, "kind", kind, "err", err)
		return
	}
	if !won || s.notifier == nil {
		return
	}
	if person := p.Person(holder); person != nil {
		def := p.Organisation.DefaultLanguage
		n := Notification{IncidentID: inc.ID, Drill: inc.Drill, Person: *person, Role: role,
			Subject: fmt.Sprintf("%s: %s", inc.Title.Get(def, def), text), Body: text}
		if err := s.notifier.NotifyTeam(ctx, n); err != nil {
			s.logger.Warn("cadence notification failed", "person", holder, "err", err)
		}
	}
}
