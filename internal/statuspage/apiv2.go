package statuspage

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
)

// The /api/v2/*.json documents follow Atlassian Statuspage's public API:
// same paths, field names and vocabularies, so widgets, bots and status
// aggregators written for Statuspage work unchanged.

type v2Page struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	TimeZone  string `json:"time_zone"`
	UpdatedAt string `json:"updated_at"`
}

type v2Status struct {
	Indicator   string `json:"indicator"`
	Description string `json:"description"`
}

type v2Component struct {
	ID                 string  `json:"id"`
	Name               string  `json:"name"`
	Status             string  `json:"status"`
	CreatedAt          string  `json:"created_at"`
	UpdatedAt          string  `json:"updated_at"`
	Position           int     `json:"position"`
	Description        *string `json:"description"`
	Showcase           bool    `json:"showcase"`
	StartDate          *string `json:"start_date"`
	GroupID            *string `json:"group_id"`
	PageID             string  `json:"page_id"`
	Group              bool    `json:"group"`
	OnlyShowIfDegraded bool    `json:"only_show_if_degraded"`
}

type v2AffectedComponent struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	OldStatus string `json:"old_status"`
	NewStatus string `json:"new_status"`
}

type v2Update struct {
	ID                   string                `json:"id"`
	Status               string                `json:"status"`
	Body                 string                `json:"body"`
	IncidentID           string                `json:"incident_id"`
	CreatedAt            string                `json:"created_at"`
	UpdatedAt            string                `json:"updated_at"`
	DisplayAt            string                `json:"display_at"`
	AffectedComponents   []v2AffectedComponent `json:"affected_components"`
	DeliverNotifications bool                  `json:"deliver_notifications"`
	CustomTweet          *string               `json:"custom_tweet"`
	TweetID              *string               `json:"tweet_id"`
}

type v2Incident struct {
	ID              string        `json:"id"`
	Name            string        `json:"name"`
	Status          string        `json:"status"`
	CreatedAt       string        `json:"created_at"`
	UpdatedAt       string        `json:"updated_at"`
	MonitoringAt    *string       `json:"monitoring_at"`
	ResolvedAt      *string       `json:"resolved_at"`
	Impact          string        `json:"impact"`
	Shortlink       string        `json:"shortlink"`
	StartedAt       string        `json:"started_at"`
	PageID          string        `json:"page_id"`
	IncidentUpdates []v2Update    `json:"incident_updates"`
	Components      []v2Component `json:"components"`
}

// v2ComponentStatus maps Vigie's statuses to Statuspage's vocabulary.
func v2ComponentStatus(st incident.ComponentStatus) string {
	switch st {
	case incident.Degraded:
		return "degraded_performance"
	case incident.PartialOutage:
		return "partial_outage"
	case incident.MajorOutage:
		return "major_outage"
	case incident.UnderMaintenance:
		return "under_maintenance"
	}
	return "operational"
}

// v2IncidentStatus maps Vigie's states; closed incidents are "postmortem".
func v2IncidentStatus(s incident.State) string {
	if s == incident.Closed {
		return "postmortem"
	}
	return string(s)
}

func (m *model) indicator() v2Status {
	switch m.Worst {
	case incident.MajorOutage:
		return v2Status{"critical", "Major Service Outage"}
	case incident.PartialOutage:
		return v2Status{"major", "Partial System Outage"}
	case incident.Degraded:
		return v2Status{"minor", "Partially Degraded Service"}
	case incident.UnderMaintenance:
		return v2Status{"maintenance", "Service Under Maintenance"}
	}
	if len(m.Active) > 0 {
		return v2Status{"minor", "Partially Degraded Service"}
	}
	return v2Status{"none", "All Systems Operational"}
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func tsp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

func (m *model) pageID() string { return "vigie" }

func (m *model) v2Page(baseURL string) v2Page {
	return v2Page{ID: m.pageID(), Name: m.Plan.Organisation.Name, URL: baseURL, TimeZone: m.Plan.Organisation.Timezone, UpdatedAt: ts(m.Built)}
}

func (m *model) v2Components(lang string) []v2Component {
	def := m.Plan.Organisation.DefaultLanguage
	out := make([]v2Component, 0, len(m.Components))
	for i, c := range m.Components {
		desc := c.Desc.Get(lang, def)
		var dp *string
		if desc != "" {
			dp = &desc
		}
		updated := c.Updated
		if updated.IsZero() {
			updated = m.Built
		}
		out = append(out, v2Component{ID: c.ID, Name: c.Name.Get(lang, def), Status: v2ComponentStatus(c.Status), CreatedAt: ts(m.Built.AddDate(0, 0, -historyDays)),
			UpdatedAt: ts(updated), Position: i + 1, Description: dp, Showcase: true, PageID: m.pageID()})
	}
	return out
}

func (m *model) v2Incident(v incidentView, lang, baseURL string) v2Incident {
	def := m.Plan.Organisation.DefaultLanguage
	id := fmt.Sprintf("%d", v.inc.ID)
	out := v2Incident{ID: id, Name: v.Title.Get(lang, def), Status: v2IncidentStatus(v.State), CreatedAt: ts(v.Started), UpdatedAt: ts(v.inc.UpdatedAt),
		ResolvedAt: tsp(v.Resolved), Impact: v.Impact, Shortlink: fmt.Sprintf("%s/incidents/%d", baseURL, v.inc.ID), StartedAt: ts(v.Started), PageID: m.pageID(),
		IncidentUpdates: []v2Update{}, Components: []v2Component{}}
	if out.Impact == "maintenance" {
		out.Impact = "minor"
	}
	status := v2IncidentStatus(v.State)
	for _, u := range v.Updates {
		uid := fmt.Sprintf("%d", u.ID)
		out.IncidentUpdates = append(out.IncidentUpdates, v2Update{ID: uid, Status: status, Body: u.Text.Get(lang, def), IncidentID: id,
			CreatedAt: ts(u.At), UpdatedAt: ts(u.At), DisplayAt: ts(u.At), AffectedComponents: []v2AffectedComponent{}})
	}
	all := m.v2Components(lang)
	for _, c := range all {
		if containsStr(v.Components, c.ID) {
			out.Components = append(out.Components, c)
		}
	}
	return out
}

// v2Documents renders every /api/v2 document in lang.
func (m *model) v2Documents(lang, baseURL string) (map[string][]byte, error) {
	page := m.v2Page(baseURL)
	var unresolved, all []v2Incident
	for _, v := range m.Active {
		unresolved = append(unresolved, m.v2Incident(v, lang, baseURL))
	}
	all = append(all, unresolved...)
	for _, v := range m.Past {
		if len(all) >= 50 {
			break
		}
		all = append(all, m.v2Incident(v, lang, baseURL))
	}
	if unresolved == nil {
		unresolved = []v2Incident{}
	}
	if all == nil {
		all = []v2Incident{}
	}
	maintAll, maintUpcoming, maintActive := m.v2Maintenances(lang, baseURL)
	summaryMaint := append(append([]v2Maintenance{}, maintActive...), maintUpcoming...)
	docs := map[string]any{
		"summary.json":                         map[string]any{"page": page, "status": m.indicator(), "components": m.v2Components(lang), "incidents": unresolved, "scheduled_maintenances": summaryMaint},
		"status.json":                          map[string]any{"page": page, "status": m.indicator()},
		"components.json":                      map[string]any{"page": page, "components": m.v2Components(lang)},
		"incidents.json":                       map[string]any{"page": page, "incidents": all},
		"incidents/unresolved.json":            map[string]any{"page": page, "incidents": unresolved},
		"scheduled-maintenances.json":          map[string]any{"page": page, "scheduled_maintenances": maintAll},
		"scheduled-maintenances/upcoming.json": map[string]any{"page": page, "scheduled_maintenances": maintUpcoming},
		"scheduled-maintenances/active.json":   map[string]any{"page": page, "scheduled_maintenances": maintActive},
	}
	out := map[string][]byte{}
	for name, d := range docs {
		b, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("statuspage: encode %s: %w", name, err)
		}
		out[name] = b
	}
	return out, nil
}
