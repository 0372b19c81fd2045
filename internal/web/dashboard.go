package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
)

// dashboardView lists what is going on and offers to declare an incident.
type dashboardView struct {
	*page
	Active    []incident.Incident
	Recent    []incident.Incident
	Scenarios []plan.Scenario
}

func (c *Console) handleDashboard(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	view := dashboardView{page: c.newPage(w, r, v, "Dashboard", "dashboard")}
	view.Scenarios = view.Plan.ScenariosByRisk()
	var err error
	if view.Active, err = c.Incidents.List(ctx, incident.ListFilter{Open: true, Drills: true, Limit: 100}); err != nil {
		c.Logger.Error("list open incidents", "err", err)
		view.Flash = flash{Kind: "error", Text: view.T("The incident list could not be read; the details are in the server log.")}
	}
	all, err := c.Incidents.List(ctx, incident.ListFilter{Drills: true, Limit: 30})
	if err != nil {
		c.Logger.Error("list incidents", "err", err)
	}
	for _, inc := range all {
		if (inc.State == incident.Resolved || inc.State == incident.Closed) && len(view.Recent) < 10 {
			view.Recent = append(view.Recent, inc)
		}
	}
	c.render(w, r, http.StatusOK, "dashboard.html", view)
}

// Risk describes a scenario's place in the matrix, for the declare form.
func (p *page) Risk(s plan.Scenario) string {
	return fmt.Sprintf("%s %d · %s", p.T("risk"), s.Risk(), p.Text(plan.BandOf(s.Risk()).Label))
}

// Band names the risk band of a score (for CSS classes).
func (p *page) Band(risk int) string { return plan.BandOf(risk).Name }

func (c *Console) handleDeclare(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	scenario := strings.TrimSpace(r.PostFormValue("scenario"))
	if scenario == "" {
		c.fail(w, r, v, "/admin/#declare", &formError{tr(v.Lang, "choose a scenario")})
		return
	}
	res, err := c.Incidents.Declare(ctx, v.Actor, incident.DeclareInput{
		Scenario: scenario,
		Drill:    r.PostFormValue("drill") != "",
		Note:     strings.TrimSpace(r.PostFormValue("note")),
	})
	if err != nil {
		c.fail(w, r, v, "/admin/#declare", err)
		return
	}
	text := tr(v.Lang, "Incident declared: the team is paged, tasks are assigned and the acknowledgements are drafted.")
	if !res.Created {
		text = tr(v.Lang, "An incident for this scenario is already open: here it is.")
	}
	c.redirect(w, r, roomURL(res.Incident.ID, ""), flash{Kind: "ok", Text: text})
}

// roomURL is the crisis room of an incident, with an optional anchor.
func roomURL(id int64, anchor string) string {
	u := fmt.Sprintf("/admin/incidents/%d", id)
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}
