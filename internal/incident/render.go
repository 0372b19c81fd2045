package incident

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/plan"
)

var statusText = map[ComponentStatus]plan.Text{
	Operational:      {"fr": "opérationnel", "en": "operational"},
	Degraded:         {"fr": "performances dégradées", "en": "degraded performance"},
	PartialOutage:    {"fr": "panne partielle", "en": "partial outage"},
	MajorOutage:      {"fr": "panne majeure", "en": "major outage"},
	UnderMaintenance: {"fr": "en maintenance", "en": "under maintenance"},
}

// StatusText returns a component status in plain words.
func StatusText(st ComponentStatus, lang string) string { return statusText[st].Get(lang, "en") }

var statusRank = map[ComponentStatus]int{Operational: 0, UnderMaintenance: 1, Degraded: 2, PartialOutage: 3, MajorOutage: 4}

// WorstStatus returns the worst status among the incident's components.
func (inc Incident) WorstStatus() ComponentStatus {
	worst := Operational
	for _, c := range inc.Components {
		if statusRank[c.Status] > statusRank[worst] {
			worst = c.Status
		}
	}
	return worst
}

func location(p *plan.Plan) *time.Location {
	loc, err := time.LoadLocation(p.Organisation.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// clock formats t as HH:MM in the plan's time zone.
func clock(p *plan.Plan, t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(location(p)).Format("15:04")
}

func humanDuration(d time.Duration, lang string) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case lang == "fr":
		return fmt.Sprintf("%d h %02d", h, m)
	default:
		return fmt.Sprintf("%d h %02d min", h, m)
	}
}

// Vars returns the template variables of an incident in lang.
func Vars(p *plan.Plan, inc Incident, lang string, now time.Time) plan.Vars {
	def := p.Organisation.DefaultLanguage
	v := plan.Vars{
		Organisation: p.Organisation.Name,
		Status:       string(inc.WorstStatus()),
		StatusText:   StatusText(inc.WorstStatus(), lang),
		NextUpdate:   clock(p, inc.NextUpdateDue),
		StartedAt:    clock(p, &inc.DeclaredAt),
		ResolvedAt:   clock(p, inc.ResolvedAt),
		StatusURL:    p.Organisation.StatusURL,
		Website:      p.Organisation.Website,
		Continuity:   p.ContinuityVars(),
		Hashtags:     strings.Join(p.Organisation.Hashtags, " "),
	}
	if v.StatusURL == "" {
		v.StatusURL = p.Organisation.Website
	}
	v.StatusUpdatedAt = clock(p, &inc.UpdatedAt)
	end := now
	if inc.ResolvedAt != nil {
		end = *inc.ResolvedAt
	}
	v.Duration = humanDuration(end.Sub(inc.DeclaredAt), lang)
	if p.Compensation != nil {
		v.VoucherPercent = p.Compensation.VoucherPercent
	}
	sc := p.Scenario(inc.Scenario)
	if sc != nil {
		v.Scenario = sc.Title.Get(lang, def)
		v.Workaround = sc.Workaround.Get(lang, def)
		if len(sc.Hashtags) > 0 {
			v.Hashtags = strings.Join(sc.Hashtags, " ")
		}
		if d := p.Dependency(sc.Dependency); d != nil {
			v.Dependency = d.Name
		}
	}
	var names []string
	for _, c := range inc.Components {
		if c.Status == Operational {
			continue
		}
		if pc := p.Component(c.Component); pc != nil {
			names = append(names, pc.Name.Get(lang, def))
		}
	}
	if len(names) > 0 {
		v.Component = names[0]
		sep := " and "
		if lang == "fr" {
			sep = " et "
		}
		v.Components = strings.Join(names, sep)
	}
	return v
}

// renderTemplate renders a plan message template for an incident in every
// organisation language that the template has.
func renderTemplate(p *plan.Plan, m plan.Message, inc Incident, now time.Time) (map[string]Content, error) {
	out := map[string]Content{}
	for _, lang := range p.Organisation.Languages {
		src := m.Text[lang]
		if src == "" {
			continue
		}
		vars := Vars(p, inc, lang, now)
		text, err := renderOne(m.ID, src, vars)
		if err != nil {
			return nil, err
		}
		c := Content{Text: text}
		if subj := m.Subject[lang]; subj != "" {
			if c.Subject, err = renderOne(m.ID+".subject", subj, vars); err != nil {
				return nil, err
			}
		}
		out[lang] = c
	}
	if len(out) == 0 {
		return nil, errorf(CodeInvalid, "message template %s has no text in the organisation's languages", m.ID)
	}
	return out, nil
}

func renderOne(name, src string, vars plan.Vars) (string, error) {
	t, err := plan.ParseTemplate(name, src)
	if err != nil {
		return "", errorf(CodeInvalid, "template %s: %v", name, err)
	}
	out, err := t.Render(vars)
	if err != nil {
		return "", errorf(CodeInvalid, "template %s: %v", name, err)
	}
	return out, nil
}
