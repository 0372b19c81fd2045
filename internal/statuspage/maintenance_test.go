package statuspage

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/maintenance"
	"github.com/vigie-hq/vigie/internal/plan"
)

type v2MaintDoc struct {
	Status struct {
		Indicator string `json:"indicator"`
	} `json:"status"`
	Components []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"components"`
	Scheduled []struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		Status         string `json:"status"`
		Impact         string `json:"impact"`
		ScheduledFor   string `json:"scheduled_for"`
		ScheduledUntil string `json:"scheduled_until"`
		Updates        []struct {
			Status string `json:"status"`
			Body   string `json:"body"`
		} `json:"incident_updates"`
		Components []struct {
			ID string `json:"id"`
		} `json:"components"`
	} `json:"scheduled_maintenances"`
}

func (f *fixture) v2(t *testing.T, name string) v2MaintDoc {
	t.Helper()
	_, body := f.get(t, "/api/v2/"+name)
	var d v2MaintDoc
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

func (f *fixture) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, body := get(t, f.url+path)
	return resp.StatusCode, body
}

func TestMaintenanceOnPageAndAPI(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := incident.Actor{Username: "admin", Role: "admin"}
	web := f.plan.Components[0].ID
	upcoming, err := f.maint.Schedule(ctx, admin, maintenance.Input{Title: plan.Text{"fr": "Changement d'hébergeur", "en": "Hosting move"},
		Body:       plan.Text{"fr": "Le site de commande sera coupé 30 minutes.", "en": "The order site will be off for 30 minutes."},
		Components: []string{web}, StartsAt: fixedNow.Add(24 * time.Hour), EndsAt: fixedNow.Add(25 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.page.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	d := f.v2(t, "scheduled-maintenances/upcoming.json")
	if len(d.Scheduled) != 1 || d.Scheduled[0].Status != "scheduled" || d.Scheduled[0].Impact != "maintenance" ||
		d.Scheduled[0].ScheduledFor != "2026-11-26T14:40:00.000Z" || len(d.Scheduled[0].Components) != 1 || d.Scheduled[0].Components[0].ID != web ||
		len(d.Scheduled[0].Updates) != 1 || !strings.Contains(d.Scheduled[0].Updates[0].Body, "30 minutes") {
		t.Fatalf("upcoming.json: %+v", d.Scheduled)
	}
	if a := f.v2(t, "scheduled-maintenances/active.json"); len(a.Scheduled) != 0 {
		t.Fatalf("active.json lists an upcoming window: %+v", a.Scheduled)
	}
	if s := f.v2(t, "summary.json"); s.Status.Indicator != "none" || len(s.Scheduled) != 1 || s.Components[0].Status != "operational" {
		t.Fatalf("summary with an upcoming window: %+v", s)
	}
	_, page := f.get(t, "/fr/")
	if !strings.Contains(string(page), "Maintenance : Changement d&#39;hébergeur") || !strings.Contains(string(page), "Maintenance planifiée") ||
		!strings.Contains(string(page), "Tous nos services fonctionnent normalement.") {
		t.Fatal("the French page does not announce the upcoming maintenance")
	}

	running, err := f.maint.Schedule(ctx, admin, maintenance.Input{Title: plan.Text{"fr": "Mise à jour du paiement", "en": "Payment upgrade"},
		Components: []string{web}, StartsAt: fixedNow.Add(-10 * time.Minute), EndsAt: fixedNow.Add(50 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.page.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	s := f.v2(t, "summary.json")
	if s.Status.Indicator != "maintenance" || s.Components[0].Status != "under_maintenance" || len(s.Scheduled) != 2 || s.Scheduled[0].Status != "in_progress" {
		t.Fatalf("summary during maintenance: %+v", s)
	}
	if len(s.Scheduled[0].Updates) != 1 || s.Scheduled[0].Updates[0].Status != "in_progress" { // created already running: no "scheduled" update
		t.Fatalf("updates of a running window: %+v", s.Scheduled[0].Updates)
	}
	_, page = f.get(t, "/en/")
	if !strings.Contains(string(page), "Maintenance in progress: Payment upgrade (planned to end at 16:30).") {
		t.Fatalf("English banner during maintenance missing")
	}
	// An incident's worse status wins over maintenance.
	f.outage(t)
	s = f.v2(t, "summary.json")
	if s.Status.Indicator == "maintenance" {
		t.Fatalf("indicator stayed at maintenance during an outage: %+v", s.Status)
	}

	if _, err := f.maint.SetStatus(ctx, admin, running.ID, maintenance.Completed); err != nil {
		t.Fatal(err)
	}
	if _, err := f.maint.SetStatus(ctx, admin, upcoming.ID, maintenance.Cancelled); err != nil {
		t.Fatal(err)
	}
	if err := f.page.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	all := f.v2(t, "scheduled-maintenances.json")
	if len(all.Scheduled) != 1 || all.Scheduled[0].Status != "completed" || all.Scheduled[0].Updates[0].Status != "completed" {
		t.Fatalf("after completing one and cancelling the other: %+v", all.Scheduled)
	}
	golden(t, "v2-maintenance-completed.json", mustGet(t, f, "/api/v2/scheduled-maintenances.json"))
	_, page = f.get(t, "/fr/")
	if !strings.Contains(string(page), "Maintenances passées") || strings.Contains(string(page), "Changement d&#39;hébergeur") {
		t.Fatal("the page does not list the completed window in the history, or still shows the cancelled one")
	}
}

func mustGet(t *testing.T, f *fixture, path string) []byte {
	t.Helper()
	_, b := f.get(t, path)
	return b
}
