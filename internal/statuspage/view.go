// Package statuspage is the public status page: the page itself in every
// plan language, the Statuspage-compatible JSON API, RSS and Atom feeds,
// badges and live updates. Everything is rendered once per change into an
// immutable, precompressed snapshot, so a request never touches the
// database or a template, and the page keeps being served from the last
// snapshot when the database is away.
package statuspage

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/maintenance"
	"github.com/vigie-hq/vigie/internal/plan"
)

// Source is what the status page reads to build a snapshot.
type Source interface {
	List(ctx context.Context, f incident.ListFilter) ([]incident.Incident, error)
	Messages(ctx context.Context, incidentID int64) ([]incident.Message, error)
	Timeline(ctx context.Context, incidentID, after int64, limit int) ([]incident.Event, error)
}

// ReportCounter counts visitors' problem reports.
type ReportCounter interface {
	CountSince(ctx context.Context, since time.Time) (map[string]int, error)
}

// historyDays is how far back the page shows incidents and uptime.
const historyDays = 90

// update is one published message as the page shows it.
type update struct {
	ID    int64
	At    time.Time
	Phase string
	Text  plan.Text
}

// incidentView is an incident as the public sees it.
type incidentView struct {
	inc        incident.Incident
	Title      plan.Text
	State      incident.State
	Impact     string
	Started    time.Time
	Resolved   *time.Time
	NextUpdate *time.Time
	Updates    []update // newest first
	Postmortem *update
	Components []string
}

// componentView is a component with its status and history.
type componentView struct {
	ID     string
	Name   plan.Text
	Desc   plan.Text
	Status incident.ComponentStatus
	// Days holds, oldest first, the worst status of each of the last 90 days.
	Days    []incident.ComponentStatus
	Uptime  float64
	Updated time.Time
}

type dependencyView struct {
	ID     string
	Name   string
	Status incident.ComponentStatus
}

// model is everything a snapshot is rendered from.
type model struct {
	Plan         *plan.Plan
	Built        time.Time
	Components   []componentView
	Dependencies []dependencyView
	Active       []incidentView
	Past         []incidentView
	Worst        incident.ComponentStatus
	Reports      map[string]int // per dependency, last 30 minutes
	// Maint holds upcoming and running maintenance windows, soonest first;
	// PastMaint the completed ones of the last 90 days, oldest first.
	Maint     []maintView
	PastMaint []maintView
	loc       *time.Location
}

var rank = map[incident.ComponentStatus]int{incident.Operational: 0, incident.UnderMaintenance: 1, incident.Degraded: 2, incident.PartialOutage: 3, incident.MajorOutage: 4}

func worse(a, b incident.ComponentStatus) incident.ComponentStatus {
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// impactOf maps an incident's worst component status to Statuspage's impact.
func impactOf(st incident.ComponentStatus) string {
	switch st {
	case incident.MajorOutage:
		return "critical"
	case incident.PartialOutage:
		return "major"
	case incident.Degraded:
		return "minor"
	case incident.UnderMaintenance:
		return "maintenance"
	}
	return "none"
}

// buildModel reads the source and derives what the page shows. Drills never
// appear on the public page.
func buildModel(ctx context.Context, src Source, reports ReportCounter, maint Maintenances, p *plan.Plan, now time.Time) (*model, error) {
	m := &model{Plan: p, Built: now, Worst: incident.Operational, Reports: map[string]int{}}
	loc, err := time.LoadLocation(p.Organisation.Timezone)
	if err != nil {
		loc = time.UTC
	}
	m.loc = loc
	incs, err := src.List(ctx, incident.ListFilter{Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("statuspage: incidents: %w", err)
	}
	since := now.AddDate(0, 0, -historyDays)
	current := map[string]incident.ComponentStatus{}
	updated := map[string]time.Time{}
	for _, inc := range incs {
		if inc.Drill || inc.DeclaredAt.Before(since) && inc.ResolvedAt != nil && inc.ResolvedAt.Before(since) {
			continue
		}
		v, err := viewOf(ctx, src, inc)
		if err != nil {
			return nil, err
		}
		open := inc.State != incident.Resolved && inc.State != incident.Closed
		if open {
			for _, c := range inc.Components {
				current[c.Component] = worse(current[c.Component], c.Status)
				if c.UpdatedAt.After(updated[c.Component]) {
					updated[c.Component] = c.UpdatedAt
				}
			}
			m.Active = append(m.Active, v)
		} else {
			m.Past = append(m.Past, v)
		}
	}
	if err := m.addMaintenances(ctx, maint, now, current, updated); err != nil {
		return nil, err
	}
	days, err := dailyStatus(ctx, src, incs, p, now, loc)
	if err != nil {
		return nil, err
	}
	for _, c := range p.Components {
		if c.Hidden {
			continue
		}
		st := current[c.ID]
		if st == "" {
			st = incident.Operational
		}
		m.Worst = worse(m.Worst, st)
		cv := componentView{ID: c.ID, Name: c.Name, Desc: c.Description, Status: st, Days: days[c.ID], Updated: updated[c.ID]}
		cv.Uptime = uptime(cv.Days)
		m.Components = append(m.Components, cv)
	}
	for _, d := range p.Dependencies {
		st := incident.Operational
		for _, c := range p.Components {
			if containsStr(c.DependsOn, d.ID) && len(c.DependsOn) == 1 {
				st = worse(st, current[c.ID])
			}
		}
		for _, a := range m.Active {
			if sc := p.Scenario(a.inc.Scenario); sc != nil && sc.Dependency == d.ID {
				st = worse(st, a.inc.WorstStatus())
			}
		}
		if st == "" {
			st = incident.Operational
		}
		m.Dependencies = append(m.Dependencies, dependencyView{ID: d.ID, Name: d.Name, Status: st})
	}
	if reports != nil {
		counts, err := reports.CountSince(ctx, now.Add(-30*time.Minute))
		if err != nil {
			return nil, fmt.Errorf("statuspage: reports: %w", err)
		}
		m.Reports = counts
	}
	return m, nil
}

func viewOf(ctx context.Context, src Source, inc incident.Incident) (incidentView, error) {
	v := incidentView{inc: inc, Title: inc.Title, State: inc.State, Impact: impactOf(inc.WorstStatus()), Started: inc.DeclaredAt,
		Resolved: inc.ResolvedAt, NextUpdate: inc.NextUpdateDue}
	if v.Impact == "none" && inc.State != incident.Resolved && inc.State != incident.Closed {
		v.Impact = "minor"
	}
	for _, c := range inc.Components {
		v.Components = append(v.Components, c.Component)
	}
	msgs, err := src.Messages(ctx, inc.ID)
	if err != nil {
		return v, fmt.Errorf("statuspage: messages of incident %d: %w", inc.ID, err)
	}
	for _, msg := range msgs {
		if msg.State != incident.Published || !msg.Public() || !containsStr(msg.Channels, "statuspage") || msg.PublishedAt == nil {
			continue
		}
		u := update{ID: msg.ID, At: *msg.PublishedAt, Phase: msg.Phase, Text: plan.Text{}}
		for lang, c := range msg.Content {
			u.Text[lang] = c.Text
		}
		if msg.Phase == "postmortem" {
			pm := u
			v.Postmortem = &pm
		}
		v.Updates = append(v.Updates, u)
	}
	sort.Slice(v.Updates, func(i, j int) bool { return v.Updates[i].At.After(v.Updates[j].At) })
	return v, nil
}

// dailyStatus replays component changes from the timelines to find the
// worst status of each component on each of the last 90 days.
func dailyStatus(ctx context.Context, src Source, incs []incident.Incident, p *plan.Plan, now time.Time, loc *time.Location) (map[string][]incident.ComponentStatus, error) {
	out := map[string][]incident.ComponentStatus{}
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	first := today.AddDate(0, 0, -(historyDays - 1))
	for _, c := range p.Components {
		d := make([]incident.ComponentStatus, historyDays)
		for i := range d {
			d[i] = incident.Operational
		}
		out[c.ID] = d
	}
	dayIndex := func(t time.Time) int {
		t = t.In(loc)
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		return int(day.Sub(first).Hours()/24 + 0.5)
	}
	for _, inc := range incs {
		if inc.Drill {
			continue
		}
		end := now
		if inc.ResolvedAt != nil {
			end = *inc.ResolvedAt
		}
		if end.Before(first) {
			continue
		}
		events, err := src.Timeline(ctx, inc.ID, 0, 1000)
		if err != nil {
			return nil, fmt.Errorf("statuspage: timeline of %d: %w", inc.ID, err)
		}
		state := map[string]incident.ComponentStatus{}
		since := map[string]time.Time{}
		mark := func(comp string, st incident.ComponentStatus, from, to time.Time) {
			days := out[comp]
			if days == nil || st == incident.Operational || st == "" {
				return
			}
			for i := max(dayIndex(from), 0); i <= min(dayIndex(to), historyDays-1); i++ {
				days[i] = worse(days[i], st)
			}
		}
		for _, e := range events {
			if e.Kind != incident.EventComponentChanged {
				continue
			}
			comp, _ := e.Payload["component"].(string)
			to, _ := e.Payload["to"].(string)
			mark(comp, state[comp], since[comp], e.At)
			state[comp], since[comp] = incident.ComponentStatus(to), e.At
		}
		for comp, st := range state {
			mark(comp, st, since[comp], end)
		}
	}
	return out, nil
}

// uptime is the share of days without a partial or major outage.
func uptime(days []incident.ComponentStatus) float64 {
	if len(days) == 0 {
		return 100
	}
	bad := 0.0
	for _, d := range days {
		switch d {
		case incident.MajorOutage:
			bad++
		case incident.PartialOutage:
			bad += 0.5
		case incident.Degraded:
			bad += 0.1
		}
	}
	return 100 * (1 - bad/float64(len(days)))
}

func containsStr(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// banner is the page's one-sentence summary in lang.
func (m *model) banner(lang string) string {
	p := m.Plan
	def := p.Organisation.DefaultLanguage
	if len(m.Active) == 0 {
		for _, v := range m.Maint {
			if v.Status == maintenance.InProgress || v.Status == maintenance.Verifying {
				title := v.w.Title.Get(lang, def)
				if lang == "fr" {
					return fmt.Sprintf("Maintenance en cours : %s (fin prévue à %s).", title, m.clock(v.w.EndsAt))
				}
				return fmt.Sprintf("Maintenance in progress: %s (planned to end at %s).", title, m.clock(v.w.EndsAt))
			}
		}
		if lang == "fr" {
			return "Tous nos services fonctionnent normalement."
		}
		return "All our services are running normally."
	}
	a := m.Active[0]
	subject := ""
	if sc := p.Scenario(a.inc.Scenario); sc != nil {
		if d := p.Dependency(sc.Dependency); d != nil {
			subject = d.Name
		}
	}
	st := a.inc.WorstStatus()
	if st == incident.Operational {
		st = incident.Degraded
	}
	status := incident.StatusText(st, lang)
	if subject == "" {
		subject = a.Title.Get(lang, def)
	}
	var b strings.Builder
	if lang == "fr" {
		article := "une "
		if strings.HasPrefix(status, "performances") {
			article = "des "
		}
		fmt.Fprintf(&b, "%s rencontre %s%s", subject, article, status)
	} else {
		fmt.Fprintf(&b, "%s: %s", subject, status)
	}
	cont := p.ContinuityVars()
	switch {
	case cont.SMS != "" && lang == "fr":
		fmt.Fprintf(&b, " — nous restons joignables par SMS au %s.", cont.SMS)
	case cont.SMS != "":
		fmt.Fprintf(&b, " — you can still reach us by text at %s.", cont.SMS)
	case cont.Phone != "" && lang == "fr":
		fmt.Fprintf(&b, " — nous restons joignables au %s.", cont.Phone)
	case cont.Phone != "":
		fmt.Fprintf(&b, " — you can still call us at %s.", cont.Phone)
	default:
		b.WriteString(".")
	}
	return b.String()
}
