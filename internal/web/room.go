package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
)

// roomView is the crisis room of one incident.
type roomView struct {
	*page
	Inc         incident.Incident
	Scenario    *plan.Scenario
	Transitions []incident.State
	Statuses    []incident.ComponentStatus
	Severities  []string
	Roles       []roleView
	// Pending are messages not yet published, oldest first; Published
	// newest first.
	Pending   []messageView
	Published []messageView
	Templates []plan.Message
	Events    []eventView
	LastEvent int64
	NextSteps []nextStep
	// Posts are the incident's social posts, newest first.
	Posts []postView
}

// roleView is a plan role, its holder and its tasks.
type roleView struct {
	ID, Holder string
	Tasks      []incident.Task
	Open       int
}

// nextStep is something the signed-in person should do now.
type nextStep struct {
	Text, Href string
	Urgent     bool
}

// maxEvents bounds the timeline shown on the page; older events stay in
// the API and reports.
const maxEvents = 500

func (c *Console) handleRoom(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	pg := c.newPage(w, r, v, "Crisis room", "")
	id, err := pathID(r, "id")
	if err == nil {
		var view *roomView
		view, err = c.roomView(ctx, pg, v, id)
		if err == nil {
			name := "room.html"
			if r.URL.Query().Get("partial") != "" {
				name = "room-live"
			}
			c.render(w, r, http.StatusOK, name, view)
			return
		}
	}
	c.errorPage(w, r, pg, err)
}

// errorPage shows an error in plain words with a way back.
func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, pg *page, err error) {
	pg.Flash = flash{Kind: "error", Text: c.plainError(r, pg.Lang, err)}
	pg.Title = pg.T("Error")
	c.render(w, r, statusOf(err), "error.html", pg)
}

func (c *Console) roomView(ctx context.Context, pg *page, v *visitor, id int64) (*roomView, error) {
	if !incident.Can(v.Actor.Role, incident.ActRead) {
		return nil, &incident.Error{Code: incident.CodeForbidden, Message: "this account may not read incidents"}
	}
	inc, err := c.Incidents.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	tasks, err := c.Incidents.Tasks(ctx, id)
	if err != nil {
		return nil, err
	}
	msgs, err := c.Incidents.Messages(ctx, id)
	if err != nil {
		return nil, err
	}
	events, err := c.timeline(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	p := pg.Plan
	view := &roomView{
		page:       pg,
		Inc:        inc,
		Scenario:   p.Scenario(inc.Scenario),
		Statuses:   incident.ComponentStatuses,
		Severities: []string{"minor", "major", "critical"},
	}
	view.Title = pg.Text(inc.Title)
	for _, s := range incident.States {
		act := incident.ActUpdate
		if s == incident.Resolved || s == incident.Closed {
			act = incident.ActResolve
		}
		if incident.CanTransition(inc.State, s) && incident.Can(v.Actor.Role, act) {
			view.Transitions = append(view.Transitions, s)
		}
	}
	view.Roles = groupTasks(inc, tasks)
	for i := len(msgs) - 1; i >= 0; i-- {
		mv := c.messageView(pg, v, inc, msgs[i])
		if msgs[i].State == incident.Published {
			mv.Reach = c.reachLine(ctx, msgs[i].ID)
			view.Published = append(view.Published, mv)
		} else {
			view.Pending = append([]messageView{mv}, view.Pending...)
		}
	}
	for _, m := range p.Messages {
		if m.Scenario == inc.Scenario || m.Scenario == "*" {
			view.Templates = append(view.Templates, m)
		}
	}
	sort.SliceStable(view.Templates, func(i, j int) bool {
		return slices.Index(plan.Phases, view.Templates[i].Phase) < slices.Index(plan.Phases, view.Templates[j].Phase)
	})
	if n := len(events); n > 0 {
		view.LastEvent = events[n-1].ID
		if n > maxEvents {
			events = events[n-maxEvents:]
		}
	}
	for i := len(events) - 1; i >= 0; i-- {
		view.Events = append(view.Events, pg.eventView(events[i]))
	}
	view.NextSteps = nextSteps(view, v, tasks)
	view.Posts = c.posts(ctx, pg, v, id)
	return view, nil
}

// timeline reads every event after the given id, page by page.
func (c *Console) timeline(ctx context.Context, id, after int64) ([]incident.Event, error) {
	var out []incident.Event
	for {
		evs, err := c.Incidents.Timeline(ctx, id, after, 1000)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
		if len(evs) < 1000 {
			return out, nil
		}
		after = evs[len(evs)-1].ID
	}
}

// groupTasks puts tasks under the roles of the incident, in role order.
func groupTasks(inc incident.Incident, tasks []incident.Task) []roleView {
	var out []roleView
	index := map[string]int{}
	for _, ra := range inc.Roles {
		index[ra.Role] = len(out)
		out = append(out, roleView{ID: ra.Role, Holder: ra.Person})
	}
	for _, t := range tasks {
		i, ok := index[t.Role]
		if !ok {
			index[t.Role] = len(out)
			i = len(out)
			out = append(out, roleView{ID: t.Role, Holder: t.Owner})
		}
		out[i].Tasks = append(out[i].Tasks, t)
		if t.DoneAt == nil {
			out[i].Open++
		}
	}
	return out
}

// nextSteps lists the most useful things the visitor can do now: publish,
// approve, catch up an overdue update, then their own tasks.
func nextSteps(view *roomView, v *visitor, tasks []incident.Task) []nextStep {
	var out []nextStep
	pg := view.page
	// Ready messages of one phase make one step: five acknowledgements are
	// one decision, not five.
	var phases []string
	ready := map[string][]messageView{}
	for _, m := range view.Pending {
		if m.CanPublish {
			if ready[m.Phase] == nil {
				phases = append(phases, m.Phase)
			}
			ready[m.Phase] = append(ready[m.Phase], m)
		}
	}
	for _, ph := range phases {
		ms := ready[ph]
		step := nextStep{Href: fmt.Sprintf("#msg-%d", ms[0].ID), Urgent: ph == "acknowledge"}
		if len(ms) == 1 {
			step.Text = pg.T("Publish message #%d (%s)", ms[0].ID, ms[0].Heading)
		} else {
			ids := make([]string, 0, len(ms))
			for _, m := range ms {
				ids = append(ids, fmt.Sprintf("#%d", m.ID))
			}
			step.Text = pg.T("Publish %d ready messages (%s): %s", len(ms), pg.Phase(ph), strings.Join(ids, ", "))
		}
		out = append(out, step)
	}
	for _, m := range view.Pending {
		if m.CanApprove {
			out = append(out, nextStep{Text: pg.T("Review and approve message #%d (%s)", m.ID, m.Heading), Href: fmt.Sprintf("#msg-%d", m.ID), Urgent: true})
		}
	}
	if due := view.Inc.NextUpdateDue; due != nil && pg.Overdue(*due) && pg.Can(string(incident.ActDraft)) {
		out = append(out, nextStep{Text: pg.T("The public update is overdue: draft one now"), Href: "#draft", Urgent: true})
	}
	mine := 0
	for _, t := range tasks {
		if t.DoneAt != nil || t.Owner == "" || t.Owner != v.Actor.Person || mine == 3 {
			continue
		}
		mine++
		out = append(out, nextStep{Text: pg.T("Your task: %s (due %s)", pg.Text(t.Title), pg.Clock(t.DueAt)), Href: fmt.Sprintf("#task-%d", t.ID), Urgent: t.Overdue(pg.Now)})
	}
	if view.Inc.State == incident.Resolved && pg.Can(string(incident.ActResolve)) {
		out = append(out, nextStep{Text: pg.T("Publish the postmortem, then close the incident"), Href: "#draft"})
	}
	if len(out) > 6 {
		out = out[:6]
	}
	return out
}

// TaskOverdue reports whether a task is late.
func (p *page) TaskOverdue(t incident.Task) bool { return t.Overdue(p.Now) }

// DueSoon reports whether t is within ten minutes.
func (p *page) DueSoon(t time.Time) bool { return !p.Overdue(t) && t.Sub(p.Now) < 10*time.Minute }

// msgCtx is what the message sub-template gets: the room and one message.
type msgCtx struct {
	*roomView
	M messageView
}

// Msg pairs a message with the room for the message sub-template.
func (v *roomView) Msg(m messageView) msgCtx { return msgCtx{roomView: v, M: m} }

// OtherComponents are the plan's components the incident does not list yet.
func (v *roomView) OtherComponents() []plan.Component {
	var out []plan.Component
	for _, pc := range v.Plan.Components {
		found := false
		for _, c := range v.Inc.Components {
			found = found || c.Component == pc.ID
		}
		if !found {
			out = append(out, pc)
		}
	}
	return out
}

// UpdateOverdue reports whether the next public update is late.
func (v *roomView) UpdateOverdue() bool {
	return v.Inc.NextUpdateDue != nil && v.Overdue(*v.Inc.NextUpdateDue)
}

// ChannelList names a template's channels.
func (p *page) ChannelList(chs []string) string {
	out := make([]string, 0, len(chs))
	for _, ch := range chs {
		out = append(out, p.ChannelLabel(ch))
	}
	return strings.Join(out, ", ")
}

// Authors lists who wrote a message, Vigie for the plan's own drafts.
func (p *page) Authors(m incident.Message) string {
	out := make([]string, 0, 2)
	for _, a := range m.Authors() {
		out = append(out, p.Actor(a))
	}
	return strings.Join(out, ", ")
}

// MessageState names a message state.
func (p *page) MessageState(s incident.MessageState) string { return p.T(messageStates[s]) }

var messageStates = map[incident.MessageState]string{
	incident.Draft: "draft", incident.Approved: "approved", incident.Rejected: "rejected", incident.Published: "published",
}

// StatesAll lists the lifecycle in order.
func (v *roomView) StatesAll() []incident.State { return incident.States }

// reachLine summarises a message's deliveries per channel, in a stable order.
func (c *Console) reachLine(ctx context.Context, id int64) string {
	if c.Reach == nil {
		return ""
	}
	counts, err := c.Reach(ctx, id)
	if err != nil || len(counts) == 0 {
		return ""
	}
	chans := make([]string, 0, len(counts))
	for ch := range counts {
		if ch != "all" {
			chans = append(chans, ch)
		}
	}
	sort.Strings(chans)
	var parts []string
	if n := counts["all"]["people"]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d people", n))
	}
	for _, ch := range chans {
		var states []string
		for _, st := range []string{"delivered", "sent", "queued", "sending", "failed", "dead", "uncertain"} {
			if n := counts[ch][st]; n > 0 {
				states = append(states, fmt.Sprintf("%d %s", n, st))
			}
		}
		parts = append(parts, ch+": "+strings.Join(states, ", "))
	}
	return strings.Join(parts, " · ")
}
