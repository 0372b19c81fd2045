package incident_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// recorder is a Notifier that keeps what it was asked to send.
type recorder struct {
	mu   sync.Mutex
	sent []incident.Notification
}

func (r *recorder) NotifyTeam(_ context.Context, n incident.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, n)
	return nil
}

func (r *recorder) to(person string) []incident.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []incident.Notification
	for _, n := range r.sent {
		if n.Person.ID == person {
			out = append(out, n)
		}
	}
	return out
}

func cafePlan(t *testing.T) *plan.Plan {
	t.Helper()
	p, diags, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	if err != nil || p == nil {
		t.Fatalf("load plan: %v %s", err, diags.Error())
	}
	return p
}

type fixture struct {
	svc   *incident.Service
	clock *clock
	notes *recorder
	plan  *plan.Plan
	db    *store.DB
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	p := cafePlan(t)
	c := &clock{t: time.Date(2026, 11, 25, 14, 39, 40, 0, time.UTC)}
	r := &recorder{}
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{Now: c.Now, Notifier: r})
	return &fixture{svc: svc, clock: c, notes: r, plan: p, db: db}
}

var (
	marie  = incident.Actor{Username: "marie", Person: "marie", Role: "commander"}
	karim  = incident.Actor{Username: "karim", Person: "karim", Role: "communication"}
	dubois = incident.Actor{Username: "dubois", Person: "dubois", Role: "approver"}
	hugo   = incident.Actor{Username: "hugo", Person: "hugo", Role: "responder"}
	viewer = incident.Actor{Username: "guest", Role: "viewer"}
)

func declare(t *testing.T, f *fixture, scenario string) incident.DeclareResult {
	t.Helper()
	res, err := f.svc.Declare(context.Background(), marie, incident.DeclareInput{Scenario: scenario})
	if err != nil {
		t.Fatalf("declare %s: %v", scenario, err)
	}
	return res
}

func TestDeclareActivatesPlan(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		res := declare(t, f, "whatsapp-outage")
		inc := res.Incident
		if !res.Created || inc.State != incident.Investigating || inc.Severity != "critical" {
			t.Fatalf("incident %+v", inc)
		}
		red := map[string]incident.ComponentStatus{}
		for _, c := range inc.Components {
			red[c.Component] = c.Status
		}
		if red["whatsapp-orders"] != incident.MajorOutage || red["courier-dispatch"] != incident.MajorOutage {
			t.Errorf("components %v, want WhatsApp orders and courier dispatch in major outage", red)
		}
		holders := map[string]string{}
		for _, r := range inc.Roles {
			holders[r.Role] = r.Person
		}
		want := map[string]string{"commander": "marie", "communication": "karim", "technical": "lea", "legal": "dubois", "customer_service": "sofia", "media_watch": "hugo"}
		for role, person := range want {
			if holders[role] != person {
				t.Errorf("role %s held by %q, want %q", role, holders[role], person)
			}
		}
		tasks, err := f.svc.Tasks(ctx, inc.ID)
		if err != nil || len(tasks) == 0 {
			t.Fatalf("tasks: %v %d", err, len(tasks))
		}
		for _, task := range tasks {
			if task.Owner != holders[task.Role] || !task.DueAt.After(inc.DeclaredAt) {
				t.Errorf("task %s/%s owner %s due %s", task.Role, task.Key, task.Owner, task.DueAt)
			}
		}
		if len(res.Drafts) == 0 {
			t.Fatal("no acknowledgement drafted")
		}
		for _, d := range res.Drafts {
			if d.Phase != "acknowledge" || d.Content["fr"].Text == "" || d.Content["en"].Text == "" {
				t.Errorf("draft %s: %+v", d.TemplateID, d.Content)
			}
			if strings.Contains(d.Content["fr"].Text, "{{") {
				t.Errorf("draft %s not rendered: %s", d.TemplateID, d.Content["fr"].Text)
			}
		}
		// Every role holder was paged with their checklist.
		if n := f.notes.to("lea"); len(n) != 1 || !strings.Contains(n[0].Body, "-") {
			t.Errorf("lea notifications: %+v", n)
		}
		events, err := f.svc.Timeline(ctx, inc.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range events {
			kinds[e.Kind]++
		}
		if kinds[incident.EventDeclared] != 1 || kinds[incident.EventRoleAssigned] != 6 || kinds[incident.EventMessageDrafted] != len(res.Drafts) || kinds[incident.EventTeamNotified] != 6 {
			t.Errorf("timeline kinds %v", kinds)
		}
		// Declaring again returns the open incident.
		again := declare(t, f, "whatsapp-outage")
		if again.Created || again.Incident.ID != inc.ID {
			t.Errorf("second declaration created %d (created=%v)", again.Incident.ID, again.Created)
		}
		// Unknown scenario and insufficient permission.
		if _, err := f.svc.Declare(ctx, marie, incident.DeclareInput{Scenario: "meteor"}); incident.CodeOf(err) != incident.CodeInvalid {
			t.Errorf("unknown scenario: %v", err)
		}
		if _, err := f.svc.Declare(ctx, viewer, incident.DeclareInput{Scenario: "ddos"}); incident.CodeOf(err) != incident.CodeForbidden {
			t.Errorf("viewer declared: %v", err)
		}
	})
}

func TestUnavailablePrimaryGoesToBackup(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if err := f.svc.SetAvailability(context.Background(), marie, "karim", false, "en congés"); err != nil {
			t.Fatal(err)
		}
		inc := declare(t, f, "whatsapp-outage").Incident
		for _, r := range inc.Roles {
			if r.Role == "communication" && r.Person != "nadia" {
				t.Fatalf("communication went to %s, want backup nadia", r.Person)
			}
		}
	})
}

func TestTransitions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		inc := declare(t, f, "whatsapp-outage").Incident
		if _, err := f.svc.Transition(ctx, marie, inc.ID, incident.Closed, ""); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("investigating → closed: %v", err)
		}
		if _, err := f.svc.Transition(ctx, karim, inc.ID, incident.Resolved, ""); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("communication resolved: %v", err)
		}
		if _, err := f.svc.Transition(ctx, marie, inc.ID, "fixed", ""); incident.CodeOf(err) != incident.CodeInvalid {
			t.Fatalf("unknown state: %v", err)
		}
		got, err := f.svc.Transition(ctx, karim, inc.ID, incident.Identified, "Meta confirme")
		if err != nil || got.State != incident.Identified {
			t.Fatalf("→ identified: %v", err)
		}
		got, err = f.svc.Transition(ctx, marie, inc.ID, incident.Resolved, "")
		if err != nil || got.State != incident.Resolved || got.ResolvedAt == nil || got.NextUpdateDue != nil {
			t.Fatalf("→ resolved: %+v %v", got, err)
		}
		for _, c := range got.Components {
			if c.Status != incident.Operational {
				t.Errorf("component %s still %s after resolution", c.Component, c.Status)
			}
		}
		if _, err := f.svc.Transition(ctx, marie, inc.ID, incident.Closed, ""); incident.CodeOf(err) != incident.CodeTransition || !strings.Contains(err.Error(), "postmortem") {
			t.Fatalf("closed without postmortem: %v", err)
		}
		pm, err := f.svc.Draft(ctx, karim, inc.ID, postmortemTemplate(t, f.plan))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, marie, pm.ID, pm.Revision, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Publish(ctx, karim, pm.ID); err != nil {
			t.Fatal(err)
		}
		got, err = f.svc.Transition(ctx, marie, inc.ID, incident.Closed, "postmortem publié")
		if err != nil || got.State != incident.Closed {
			t.Fatalf("→ closed: %v", err)
		}
		if _, err := f.svc.Transition(ctx, marie, inc.ID, incident.Investigating, ""); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("closed → investigating: %v", err)
		}
	})
}

func postmortemTemplate(t *testing.T, p *plan.Plan) string {
	for _, m := range p.MessagesFor("whatsapp-outage", "postmortem") {
		return m.ID
	}
	t.Fatal("no postmortem template for whatsapp-outage")
	return ""
}

func TestTwoPersonRule(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		inc := declare(t, f, "whatsapp-outage").Incident
		var updateID string
		for _, m := range f.plan.MessagesFor("whatsapp-outage", "update") {
			updateID = m.ID
			break
		}
		m, err := f.svc.Draft(ctx, karim, inc.ID, updateID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, why := f.svc.Publishable(m, inc.Scenario); ok || !strings.Contains(why, "approval") {
			t.Fatalf("draft publishable without approval: %v %s", ok, why)
		}
		if _, err := f.svc.Publish(ctx, karim, m.ID); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("publish unapproved: %v", err)
		}
		if _, err := f.svc.Approve(ctx, karim, m.ID, m.Revision, ""); incident.CodeOf(err) != incident.CodeForbidden || !strings.Contains(err.Error(), "two-person") {
			t.Fatalf("author approved own message: %v", err)
		}
		if _, err := f.svc.Approve(ctx, hugo, m.ID, m.Revision, ""); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("responder approved: %v", err)
		}
		// Dubois (legal) holds no role the update rule asks for.
		if _, err := f.svc.Approve(ctx, dubois, m.ID, m.Revision, ""); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("legal approved an update needing commander/communication: %v", err)
		}
		// Marie edits: she becomes an author too, and the revision changes.
		edited, err := f.svc.Edit(ctx, marie, m.ID, m.Revision, map[string]incident.Content{"fr": {Text: m.Content["fr"].Text + " Merci."}})
		if err != nil || edited.Revision != 2 {
			t.Fatalf("edit: %v", err)
		}
		if _, err := f.svc.Approve(ctx, marie, m.ID, edited.Revision, ""); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("editor approved: %v", err)
		}
		if _, err := f.svc.Approve(ctx, marie, m.ID, 1, ""); incident.CodeOf(err) != incident.CodeConflict {
			t.Fatalf("stale revision accepted: %v", err)
		}
		thomas := incident.Actor{Username: "thomas", Person: "thomas", Role: "commander"}
		got, err := f.svc.Approve(ctx, thomas, m.ID, edited.Revision, "ok")
		if err != nil || got.State != incident.Approved {
			t.Fatalf("approval by backup commander: %v %s", err, got.State)
		}
		pub, err := f.svc.Publish(ctx, karim, m.ID)
		if err != nil || pub.State != incident.Published {
			t.Fatalf("publish: %v", err)
		}
	})
}

func TestDataBreachNeedsLegalAndTwoApprovers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		res := declare(t, f, "data-breach")
		if len(res.Drafts) == 0 {
			t.Fatal("no draft")
		}
		m := res.Drafts[0]
		if m.PreApproved {
			t.Fatal("data-breach acknowledgement is pre-approved")
		}
		if _, err := f.svc.Publish(ctx, marie, m.ID); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("published without approvals: %v", err)
		}
		got, err := f.svc.Approve(ctx, marie, m.ID, m.Revision, "")
		if err != nil || got.State == incident.Approved {
			t.Fatalf("one commander approval approved a breach message: %v %s", err, got.State)
		}
		got, err = f.svc.Approve(ctx, dubois, m.ID, m.Revision, "formulation validée")
		if err != nil || got.State != incident.Approved {
			t.Fatalf("legal approval: %v %s", err, got.State)
		}
	})
}

func TestConcurrentPublishOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		res := declare(t, f, "whatsapp-outage")
		var pre incident.Message
		for _, d := range res.Drafts {
			if d.PreApproved && len(d.Channels) > 1 {
				pre = d
			}
		}
		if pre.ID == 0 {
			t.Fatal("no pre-approved multi-channel acknowledgement")
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			ok   int
			errs []error
		)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(actor incident.Actor) {
				defer wg.Done()
				_, err := f.svc.Publish(ctx, actor, pre.ID)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok++
				} else {
					errs = append(errs, err)
				}
			}([]incident.Actor{marie, karim}[i%2])
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("%d publications succeeded, want 1 (errors: %v)", ok, errs)
		}
		for _, err := range errs {
			if c := incident.CodeOf(err); c != incident.CodeConflict && !strings.Contains(strings.ToLower(err.Error()), "lock") && !strings.Contains(err.Error(), "serializ") {
				t.Errorf("unexpected error: %v", err)
			}
		}
		out, err := f.svc.Outbox(ctx, pre.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, ch := range pre.Channels {
			if ch != "statuspage" {
				want += len(pre.Content)
			}
		}
		if len(out) != want {
			t.Fatalf("outbox has %d rows, want %d (channels %v × languages %d)", len(out), want, pre.Channels, len(pre.Content))
		}
		events, _ := f.svc.Timeline(ctx, res.Incident.ID, 0, 0)
		published := 0
		for _, e := range events {
			if e.Kind == incident.EventMessagePublished {
				published++
			}
		}
		if published != 1 {
			t.Fatalf("%d publication events", published)
		}
	})
}

func TestPreApprovedEditedNeedsApproval(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		res := declare(t, f, "whatsapp-outage")
		pre := res.Drafts[0]
		if !pre.PreApproved {
			t.Fatalf("first whatsapp acknowledgement not pre-approved")
		}
		edited, err := f.svc.Edit(ctx, karim, pre.ID, pre.Revision, map[string]incident.Content{"fr": {Text: "Texte modifié."}})
		if err != nil {
			t.Fatal(err)
		}
		if edited.PreApproved {
			t.Fatal("edited message still pre-approved")
		}
		if _, err := f.svc.Publish(ctx, karim, pre.ID); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("edited pre-approved message published without approval: %v", err)
		}
		if _, err := f.svc.Edit(ctx, karim, pre.ID, edited.Revision, map[string]incident.Content{"de": {Text: "Hallo"}}); incident.CodeOf(err) != incident.CodeInvalid {
			t.Fatalf("unknown language accepted: %v", err)
		}
	})
}

func TestAutoPublishAndDrill(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		res, err := f.svc.Declare(ctx, incident.System, incident.DeclareInput{Scenario: "whatsapp-outage", AutoPublish: true, Drill: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Published) == 0 {
			t.Fatal("no pre-approved acknowledgement published automatically")
		}
		for _, m := range res.Published {
			out, _ := f.svc.Outbox(ctx, m.ID)
			for _, o := range out {
				if !o.Drill {
					t.Fatalf("drill delivery %d not flagged as drill", o.ID)
				}
			}
		}
		// Drills stay out of the default list.
		list, err := f.svc.List(ctx, incident.ListFilter{})
		if err != nil || len(list) != 0 {
			t.Fatalf("drill listed among real incidents: %d %v", len(list), err)
		}
		for _, n := range f.notes.sent {
			if !n.Drill || !strings.Contains(n.Subject, "EXERCICE") {
				t.Fatalf("drill notification not marked: %+v", n)
			}
		}
	})
}

func TestCadenceRemindersAndEscalation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		inc := declare(t, f, "whatsapp-outage").Incident
		due := *inc.NextUpdateDue
		if got := due.Sub(inc.DeclaredAt); got != 30*time.Minute {
			t.Fatalf("next update due after %s, want 30m", got)
		}
		count := func(kind string) int {
			evs, _ := f.svc.Timeline(ctx, inc.ID, 0, 0)
			n := 0
			for _, e := range evs {
				if e.Kind == kind {
					n++
				}
			}
			return n
		}
		f.clock.Add(20 * time.Minute)
		mustTick(t, f)
		if count(incident.EventReminderSent) != 0 {
			t.Fatal("reminder 10 minutes early")
		}
		f.clock.Add(6 * time.Minute) // 4 minutes before due
		mustTick(t, f)
		mustTick(t, f)
		if count(incident.EventReminderSent) != 1 || len(f.notes.to("karim")) != 2 {
			t.Fatalf("reminders %d, karim notified %d times", count(incident.EventReminderSent), len(f.notes.to("karim")))
		}
		f.clock.Add(5 * time.Minute) // overdue
		mustTick(t, f)
		mustTick(t, f)
		if count(incident.EventUpdateOverdue) != 1 {
			t.Fatalf("escalations %d, want 1", count(incident.EventUpdateOverdue))
		}
		if n := f.notes.to("marie"); len(n) != 2 || !strings.Contains(n[1].Body, "overdue") {
			t.Fatalf("commander escalation: %+v", n)
		}
		f.clock.Add(30 * time.Minute) // tactical report due after 60 min
		mustTick(t, f)
		if count(incident.EventReportDue) != 1 {
			t.Fatalf("report reminders %d", count(incident.EventReportDue))
		}
		if _, err := f.svc.TacticalReport(ctx, hugo, inc.ID, "120 mentions/h", "veille active", "rien"); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Get(ctx, inc.ID)
		if got.NextReportDue == nil || !got.NextReportDue.After(f.clock.Now()) {
			t.Fatalf("next report due %v", got.NextReportDue)
		}
	})
}

func mustTick(t *testing.T, f *fixture) {
	t.Helper()
	if err := f.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestTimelineIsAppendOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		inc := declare(t, f, "ddos").Incident
		ctx := context.Background()
		if _, err := db.SQL().ExecContext(ctx, db.Rebind(`UPDATE timeline SET actor = 'x' WHERE incident_id = ?`), inc.ID); err == nil {
			t.Error("timeline row updated")
		}
		if _, err := db.SQL().ExecContext(ctx, db.Rebind(`DELETE FROM timeline WHERE incident_id = ?`), inc.ID); err == nil {
			t.Error("timeline row deleted")
		}
		if _, err := f.svc.AddNote(ctx, viewer, inc.ID, "hello"); incident.CodeOf(err) != incident.CodeForbidden {
			t.Errorf("viewer added a note: %v", err)
		}
		if _, err := f.svc.Get(ctx, 9999); !errors.Is(err, incident.ErrNotFound) {
			t.Errorf("missing incident: %v", err)
		}
	})
}

func TestTaskCompletion(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		inc := declare(t, f, "whatsapp-outage").Incident
		tasks, _ := f.svc.Tasks(ctx, inc.ID)
		done, err := f.svc.CompleteTask(ctx, hugo, tasks[0].ID, true)
		if err != nil || done.DoneAt == nil || done.DoneBy != "hugo" {
			t.Fatalf("complete: %+v %v", done, err)
		}
		undone, err := f.svc.CompleteTask(ctx, hugo, tasks[0].ID, false)
		if err != nil || undone.DoneAt != nil {
			t.Fatalf("reopen: %+v %v", undone, err)
		}
		if _, err := f.svc.CompleteTask(ctx, hugo, 424242, true); incident.CodeOf(err) != incident.CodeNotFound {
			t.Fatalf("missing task: %v", err)
		}
	})
}
