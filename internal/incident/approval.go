package incident

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vigie-hq/vigie/internal/plan"
)

// Requirement is one approval condition a message must meet: Count
// distinct approvers holding one of Roles (any approver when Roles is empty).
type Requirement struct {
	Roles  []string `json:"roles"`
	Count  int      `json:"count"`
	Reason string   `json:"reason"`
}

// Requirements returns the approval conditions of a message under the
// plan's policy: every matching rule, plus the scenario's own required
// roles. A message no rule covers still needs one approver who is not its
// author (two-person rule).
func Requirements(p *plan.Plan, scenario string, m Message) []Requirement {
	var out []Requirement
	for _, r := range p.Approval.Rules {
		if !ruleMatches(r, scenario, m) {
			continue
		}
		n := r.Approvers
		if n == 0 {
			n = 1
		}
		out = append(out, Requirement{Roles: r.Roles, Count: n, Reason: "rule " + r.ID})
	}
	if sc := p.Scenario(scenario); sc != nil {
		for _, role := range sc.Approvals {
			out = append(out, Requirement{Roles: []string{role}, Count: 1, Reason: "scenario " + scenario + " requires " + role})
		}
	}
	if len(out) == 0 {
		out = append(out, Requirement{Count: 1, Reason: "two-person rule"})
	}
	return out
}

func ruleMatches(r plan.ApprovalRule, scenario string, m Message) bool {
	if len(r.Phases) > 0 && !containsString(r.Phases, m.Phase) {
		return false
	}
	if len(r.Scenarios) > 0 && !containsString(r.Scenarios, scenario) {
		return false
	}
	if len(r.Audiences) > 0 && !containsString(r.Audiences, m.Audience) {
		return false
	}
	if len(r.Channels) > 0 {
		hit := false
		for _, c := range m.Channels {
			if containsString(r.Channels, c) {
				hit = true
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

// PlanRoles returns the plan roles a person may approve for: those they
// hold as primary or backup in the plan, or are assigned in the incident.
func PlanRoles(p *plan.Plan, inc Incident, person string) []string {
	if person == "" {
		return nil
	}
	set := map[string]bool{}
	for name, r := range p.Team.Roles {
		if r.Primary == person || containsString(r.Backups, person) {
			set[name] = true
		}
	}
	for _, ra := range inc.Roles {
		if ra.Person == person {
			set[ra.Role] = true
		}
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Unmet returns the requirements not yet met by the approvals of the
// message's current revision, each with how many approvals are missing.
func Unmet(reqs []Requirement, m Message) []string {
	var out []string
	for _, r := range reqs {
		have := 0
		for _, a := range m.Approvals {
			if a.Revision != m.Revision || a.Decision != "approve" {
				continue
			}
			if len(r.Roles) == 0 || intersects(r.Roles, a.Roles) {
				have++
			}
		}
		if have < r.Count {
			who := "any approver"
			if len(r.Roles) > 0 {
				who = strings.Join(r.Roles, " or ")
			}
			out = append(out, fmt.Sprintf("%d more approval(s) from %s (%s)", r.Count-have, who, r.Reason))
		}
	}
	return out
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if containsString(b, x) {
			return true
		}
	}
	return false
}
