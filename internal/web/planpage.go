package web

import (
	"net/http"
	"sort"
	"strings"

	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/planversion"
)

// planView renders the active plan read-only: organisation, risk matrix,
// scenarios by risk, team and roles, approval rules and plan versions.
type planView struct {
	*page
	Matrix    [][]plan.RiskCell
	Scenarios []plan.Scenario
	RoleIDs   []string
	Channels  []string
	Versions  []planversion.Version
}

func (c *Console) handlePlan(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	pg := c.newPage(w, r, v, "Crisis plan", "plan")
	p := pg.Plan
	view := planView{page: pg, Matrix: p.RiskMatrix(), Scenarios: p.ScenariosByRisk()}
	for id := range p.Team.Roles {
		view.RoleIDs = append(view.RoleIDs, id)
	}
	sort.Strings(view.RoleIDs)
	for name, ch := range p.Channels {
		if ch.Enabled {
			view.Channels = append(view.Channels, name)
		}
	}
	sort.Strings(view.Channels)
	if c.Versions != nil {
		var err error
		if view.Versions, err = c.Versions.List(ctx, 10); err != nil {
			c.Logger.Error("list plan versions", "err", err)
		}
	}
	c.render(w, r, http.StatusOK, "plan.html", view)
}

// Role returns a plan role.
func (p *page) Role(id string) *plan.Role { return p.Plan.Team.Roles[id] }

// RolesOf lists the roles a person holds, as primary or backup.
func (p *page) RolesOf(person string) string {
	var out []string
	ids := make([]string, 0, len(p.Plan.Team.Roles))
	for id := range p.Plan.Team.Roles {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := p.Plan.Team.Roles[id]
		switch {
		case r.Primary == person:
			out = append(out, p.RoleName(id))
		case containsStr(r.Backups, person):
			out = append(out, p.RoleName(id)+" ("+p.T("backup")+")")
		}
	}
	return strings.Join(out, ", ")
}

// ScenarioTitles names the scenarios of a matrix cell.
func (p *page) ScenarioTitles(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, p.scenarioTitle(id))
	}
	return out
}

func containsStr(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (c *Console) handleAvailability(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	person := r.PathValue("person")
	available := r.PostFormValue("available") == "1"
	err := c.Incidents.SetAvailability(ctx, v.Actor, person, available, strings.TrimSpace(r.PostFormValue("note")))
	text := tr(v.Lang, "%s is marked available.", c.personName(person))
	if !available {
		text = tr(v.Lang, "%s is marked unavailable: the next declaration gives their roles to a backup.", c.personName(person))
	}
	c.finish(w, r, v, "/admin/plan#team", err, text)
}

func (c *Console) personName(id string) string {
	if x := c.Plan().Person(id); x != nil {
		return x.Name
	}
	return id
}
