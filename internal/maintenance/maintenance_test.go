package maintenance

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func TestStatusAt(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	w := Window{StartsAt: start, EndsAt: start.Add(2 * time.Hour)}
	for _, tc := range []struct {
		manual Status
		at     time.Duration
		want   Status
	}{
		{"", -time.Minute, Scheduled},
		{"", 0, InProgress},
		{"", 119 * time.Minute, InProgress},
		{"", 2 * time.Hour, Completed},
		{InProgress, -time.Hour, InProgress},
		{Verifying, time.Hour, Verifying},
		{Verifying, 3 * time.Hour, Completed},
		{Completed, time.Minute, Completed},
		{Cancelled, -time.Hour, Cancelled},
		{Cancelled, time.Hour, Cancelled},
	} {
		w.Manual = tc.manual
		if got := w.StatusAt(start.Add(tc.at)); got != tc.want {
			t.Errorf("manual %q at %v: %s, want %s", tc.manual, tc.at, got, tc.want)
		}
	}
}

func testPlan(t *testing.T) *plan.Plan {
	t.Helper()
	p, _, err := plan.Load("../../examples/cafe-express/plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScheduleValidateAndTransitions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		p := testPlan(t)
		now := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
		changes := 0
		s := NewService(db, func() *plan.Plan { return p }, func() time.Time { return now }, func() { changes++ })
		ctx := context.Background()
		admin := incident.Actor{Username: "admin", Role: "admin"}
		comp := p.Components[0].ID
		good := Input{Title: plan.Text{"fr": "Mise à jour du site", "en": "Website upgrade"}, Components: []string{comp},
			StartsAt: now.Add(24 * time.Hour), EndsAt: now.Add(26 * time.Hour)}

		for name, tc := range map[string]struct {
			mutate func(*Input)
			want   string
		}{
			"no title":      {func(in *Input) { in.Title = plan.Text{"en": "x"} }, "title.fr is required"},
			"bad language":  {func(in *Input) { in.Title = plan.Text{"fr": "x", "de": "y"} }, "no language \"de\""},
			"no components": {func(in *Input) { in.Components = nil }, "at least one component"},
			"unknown comp":  {func(in *Input) { in.Components = []string{comp, "nope"} }, "components[1]: unknown component \"nope\""},
			"end before":    {func(in *Input) { in.EndsAt = in.StartsAt.Add(-time.Minute) }, "is not after starts_at"},
			"too long":      {func(in *Input) { in.EndsAt = in.StartsAt.Add(15 * 24 * time.Hour) }, "more than"},
			"past":          {func(in *Input) { in.StartsAt, in.EndsAt = now.Add(-2*time.Hour), now.Add(-time.Hour) }, "already past"},
			"missing times": {func(in *Input) { in.StartsAt = time.Time{} }, "required"},
		} {
			in := good
			in.Title = plan.Text{"fr": good.Title["fr"], "en": good.Title["en"]}
			tc.mutate(&in)
			_, err := s.Schedule(ctx, admin, in)
			if incident.CodeOf(err) != incident.CodeInvalid || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: err %v, want invalid containing %q", name, err, tc.want)
			}
		}
		if _, err := s.Schedule(ctx, incident.Actor{Username: "v", Role: "viewer"}, good); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("viewer scheduled: %v", err)
		}
		if changes != 0 {
			t.Fatalf("%d change notifications for refused input", changes)
		}

		w, err := s.Schedule(ctx, admin, good)
		if err != nil {
			t.Fatal(err)
		}
		if w.ID == 0 || w.Title["en"] != "Website upgrade" || w.StatusAt(now) != Scheduled || !w.StartsAt.Equal(good.StartsAt) || changes != 1 {
			t.Fatalf("scheduled %+v (changes %d)", w, changes)
		}
		if _, err := s.SetStatus(ctx, admin, w.ID, Verifying); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("verifying before start: %v", err)
		}
		w2, err := s.Schedule(ctx, admin, good)
		if err != nil {
			t.Fatal(err)
		}
		if w2, err = s.SetStatus(ctx, admin, w2.ID, Cancelled); err != nil || w2.StatusAt(now) != Cancelled {
			t.Fatalf("cancel: %+v %v", w2, err)
		}
		if _, err := s.SetStatus(ctx, admin, w2.ID, InProgress); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("restart a cancelled window: %v", err)
		}
		now = now.Add(25 * time.Hour)
		if _, err := s.SetStatus(ctx, admin, w.ID, Cancelled); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("cancel a started window: %v", err)
		}
		if w, err = s.SetStatus(ctx, admin, w.ID, Verifying); err != nil || w.StatusAt(now) != Verifying || !w.Active(now) {
			t.Fatalf("verifying: %+v %v", w, err)
		}
		if _, err := s.SetStatus(ctx, admin, w.ID, "bogus"); incident.CodeOf(err) != incident.CodeInvalid {
			t.Fatalf("bogus status: %v", err)
		}
		if _, err := s.Get(ctx, 999); !errors.Is(err, incident.ErrNotFound) {
			t.Fatalf("missing window: %v", err)
		}
		list, err := s.List(ctx, now)
		if err != nil || len(list) != 2 {
			t.Fatalf("list %d %v", len(list), err)
		}
		if list, _ = s.List(ctx, now.Add(2*time.Hour)); len(list) != 0 {
			t.Fatalf("ended windows listed: %+v", list)
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'maintenance.%'`).Scan(&n); err != nil || n != 4 {
			t.Fatalf("audit rows %d %v", n, err)
		}
	})
}
