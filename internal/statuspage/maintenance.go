package statuspage

import (
	"context"
	"fmt"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/maintenance"
)

// Maintenances lists scheduled maintenance windows.
type Maintenances interface {
	List(ctx context.Context, since time.Time) ([]maintenance.Window, error)
}

// maintView is a maintenance window as the page shows it at build time.
type maintView struct {
	w       maintenance.Window
	Status  maintenance.Status
	Updated time.Time
}

// addMaintenances reads the windows of the last 90 days and the coming
// ones: active windows put their components under maintenance (an
// incident's worse status wins), cancelled ones are not shown.
func (m *model) addMaintenances(ctx context.Context, src Maintenances, now time.Time, current map[string]incident.ComponentStatus, updated map[string]time.Time) error {
	if src == nil {
		return nil
	}
	list, err := src.List(ctx, now.AddDate(0, 0, -historyDays))
	if err != nil {
		return fmt.Errorf("statuspage: maintenances: %w", err)
	}
	for _, w := range list {
		v := maintView{w: w, Status: w.StatusAt(now), Updated: w.UpdatedAtFor(now)}
		switch v.Status {
		case maintenance.Cancelled:
			continue
		case maintenance.Completed:
			m.PastMaint = append(m.PastMaint, v)
			continue
		case maintenance.InProgress, maintenance.Verifying:
			for _, c := range w.Components {
				current[c] = worse(current[c], incident.UnderMaintenance)
				if v.Updated.After(updated[c]) {
					updated[c] = v.Updated
				}
			}
		}
		m.Maint = append(m.Maint, v)
	}
	return nil
}

// maintWords are the generic texts of a window's automatic updates.
var maintWords = map[string]map[maintenance.Status]string{
	"fr": {maintenance.Scheduled: "Maintenance planifiée", maintenance.InProgress: "Maintenance en cours", maintenance.Verifying: "Vérification en cours", maintenance.Completed: "Maintenance terminée"},
	"en": {maintenance.Scheduled: "Scheduled maintenance", maintenance.InProgress: "Maintenance in progress", maintenance.Verifying: "Verifying", maintenance.Completed: "Maintenance completed"},
}

func maintWord(lang string, st maintenance.Status) string {
	if w, ok := maintWords[lang]; ok {
		return w[st]
	}
	return maintWords["en"][st]
}

// transition is one status a window went through, and when.
type transition struct {
	Status maintenance.Status
	At     time.Time
}

// transitions lists, oldest first, the statuses a window went through up
// to now: the announcement (unless it was created already running), the
// start, verification and the end.
func (v maintView) transitions() []transition {
	w := v.w
	started := w.StartsAt
	if (w.Manual == maintenance.InProgress || w.Manual == maintenance.Verifying) && w.UpdatedAt.Before(started) {
		started = w.UpdatedAt
	}
	var out []transition
	if w.CreatedAt.Before(started) {
		out = append(out, transition{maintenance.Scheduled, w.CreatedAt})
	} else {
		started = w.CreatedAt
	}
	if v.Status == maintenance.Scheduled {
		return out
	}
	completedEarly := w.Manual == maintenance.Completed && w.UpdatedAt.Before(w.StartsAt)
	if !completedEarly {
		out = append(out, transition{maintenance.InProgress, started})
	}
	if w.Manual == maintenance.Verifying {
		out = append(out, transition{maintenance.Verifying, w.UpdatedAt})
	}
	if v.Status == maintenance.Completed {
		end := w.EndsAt
		if w.Manual == maintenance.Completed {
			end = w.UpdatedAt
		}
		out = append(out, transition{maintenance.Completed, end})
	}
	return out
}

type v2Maintenance struct {
	v2Incident
	ScheduledFor            string  `json:"scheduled_for"`
	ScheduledUntil          string  `json:"scheduled_until"`
	ScheduledRemindPrior    bool    `json:"scheduled_remind_prior"`
	ScheduledRemindedAt     *string `json:"scheduled_reminded_at"`
	ScheduledAutoInProgress bool    `json:"scheduled_auto_in_progress"`
	ScheduledAutoCompleted  bool    `json:"scheduled_auto_completed"`
}

func (m *model) v2Maintenance(v maintView, lang, baseURL string) v2Maintenance {
	def := m.Plan.Organisation.DefaultLanguage
	id := fmt.Sprintf("m%d", v.w.ID)
	out := v2Maintenance{v2Incident: v2Incident{ID: id, Name: v.w.Title.Get(lang, def), Status: string(v.Status), CreatedAt: ts(v.w.CreatedAt),
		UpdatedAt: ts(v.Updated), Impact: "maintenance", Shortlink: fmt.Sprintf("%s/%s/#maintenance-%d", baseURL, lang, v.w.ID),
		StartedAt: ts(v.w.StartsAt), PageID: m.pageID(), IncidentUpdates: []v2Update{}, Components: []v2Component{}},
		ScheduledFor: ts(v.w.StartsAt), ScheduledUntil: ts(v.w.EndsAt), ScheduledAutoInProgress: v.w.Manual == "", ScheduledAutoCompleted: v.w.Manual == ""}
	if v.Status == maintenance.Completed {
		out.ResolvedAt = tsp(&v.Updated)
	}
	trs := v.transitions()
	for i := len(trs) - 1; i >= 0; i-- {
		// The announcement carries the window's own text.
		body := maintWord(lang, trs[i].Status)
		if b := v.w.Body.Get(lang, def); i == 0 && b != "" {
			body = b
		}
		out.IncidentUpdates = append(out.IncidentUpdates, v2Update{ID: fmt.Sprintf("%s-%d", id, i), Status: string(trs[i].Status), Body: body, IncidentID: id,
			CreatedAt: ts(trs[i].At), UpdatedAt: ts(trs[i].At), DisplayAt: ts(trs[i].At), AffectedComponents: []v2AffectedComponent{}})
	}
	for _, c := range m.v2Components(lang) {
		if containsStr(v.w.Components, c.ID) {
			out.Components = append(out.Components, c)
		}
	}
	return out
}

// v2Maintenances returns all, upcoming and active windows in lang.
func (m *model) v2Maintenances(lang, baseURL string) (all, upcoming, active []v2Maintenance) {
	all, upcoming, active = []v2Maintenance{}, []v2Maintenance{}, []v2Maintenance{}
	for _, v := range m.Maint {
		d := m.v2Maintenance(v, lang, baseURL)
		all = append(all, d)
		if v.Status == maintenance.Scheduled {
			upcoming = append(upcoming, d)
		} else {
			active = append(active, d)
		}
	}
	for i := len(m.PastMaint) - 1; i >= 0 && len(all) < 50; i-- {
		all = append(all, m.v2Maintenance(m.PastMaint[i], lang, baseURL))
	}
	return all, upcoming, active
}

// pageMaint is a window on the HTML page.
type pageMaint struct {
	ID                 int64
	Title, Body        string
	Status, StatusText string
	From, Until        string
	Components         string
}

func (m *model) pageMaintenances(lang string) (current, past []pageMaint) {
	def := m.Plan.Organisation.DefaultLanguage
	conv := func(v maintView) pageMaint {
		names := ""
		for i, c := range v.w.Components {
			if i > 0 {
				names += ", "
			}
			if pc := m.Plan.Component(c); pc != nil {
				names += pc.Name.Get(lang, def)
			} else {
				names += c
			}
		}
		return pageMaint{ID: v.w.ID, Title: v.w.Title.Get(lang, def), Body: v.w.Body.Get(lang, def), Status: string(v.Status), StatusText: maintWord(lang, v.Status),
			From: m.stamp(v.w.StartsAt, lang), Until: m.stamp(v.w.EndsAt, lang), Components: names}
	}
	for _, v := range m.Maint {
		current = append(current, conv(v))
	}
	for i := len(m.PastMaint) - 1; i >= 0; i-- {
		past = append(past, conv(m.PastMaint[i]))
	}
	return current, past
}
