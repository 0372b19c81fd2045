package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
)

// page is what every console page shows around its content, plus helpers
// the templates call: translation, times in the plan's time zone, names.
type page struct {
	Lang   string
	Title  string
	Nav    string
	User   account.User
	Signed bool
	CSRF   string
	Flash  flash
	Plan   *plan.Plan
	// Path is the page's own path, where the language switch returns.
	Path string
	Now  time.Time

	role   string
	assets *assets
	loc    *time.Location
}

func (c *Console) newPage(w http.ResponseWriter, r *http.Request, v *visitor, title, nav string) *page {
	p := c.Plan()
	pg := &page{
		Lang:   pickLang(r, ""),
		Nav:    nav,
		CSRF:   c.Sessions.CSRFToken(w, r),
		Plan:   p,
		Path:   r.URL.Path,
		Now:    c.Now(),
		assets: c.assets,
		loc:    location(p),
	}
	if v != nil {
		pg.Lang, pg.User, pg.Signed, pg.role = v.Lang, v.User, true, v.Actor.Role
	}
	if r.URL.Query().Get("partial") == "" {
		pg.Flash = c.takeFlash(w, r)
	}
	pg.Title = pg.T(title)
	return pg
}

func location(p *plan.Plan) *time.Location {
	if p != nil {
		if loc, err := time.LoadLocation(p.Organisation.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// T translates an English UI string into the page language; with args it
// is a format.
func (p *page) T(key string, args ...any) string { return tr(p.Lang, key, args...) }

// Asset returns the fingerprinted URL of a static file.
func (p *page) Asset(name string) string { return p.assets.url(name) }

// Can reports whether the user's role allows an incident action.
func (p *page) Can(action string) bool { return incident.Can(p.role, incident.Action(action)) }

// IsAdmin reports whether the user administers accounts.
func (p *page) IsAdmin() bool { return p.User.Role == account.RoleAdmin }

// Other is the language the switch offers.
func (p *page) Other() string {
	if p.Lang == "fr" {
		return "en"
	}
	return "fr"
}

// Clock formats t as HH:MM in the plan's time zone.
func (p *page) Clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.loc).Format("15:04")
}

// Stamp formats t with its date, for older events.
func (p *page) Stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	lt := t.In(p.loc)
	if lt.Format("2006-01-02") == p.Now.In(p.loc).Format("2006-01-02") {
		return lt.Format("15:04")
	}
	return lt.Format("02/01 15:04")
}

// ISO formats t for <time datetime>.
func (p *page) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Since says how long ago t was, in words.
func (p *page) Since(t time.Time) string { return p.duration(p.Now.Sub(t)) }

// Until says how long until t; negative durations read as overdue.
func (p *page) Until(t time.Time) string {
	d := t.Sub(p.Now)
	if d < 0 {
		return p.T("overdue by %s", p.duration(-d))
	}
	return p.T("in %s", p.duration(d))
}

// Overdue reports whether t is in the past.
func (p *page) Overdue(t time.Time) bool { return p.Now.After(t) }

func (p *page) duration(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0 && m == 0:
		return p.T("less than a minute")
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case h >= 48:
		return p.T("%d days", h/24)
	}
	return fmt.Sprintf("%d h %02d", h, m)
}

// PersonName returns a team member's name, or the id when unknown.
func (p *page) PersonName(id string) string {
	if id == "" {
		return "—"
	}
	if x := p.Plan.Person(id); x != nil {
		return x.Name
	}
	return id
}

// RoleName returns a plan role's name in the page language.
func (p *page) RoleName(id string) string {
	if r := p.Plan.Team.Roles[id]; r != nil {
		if n := r.Name.Get(p.Lang, p.Plan.Organisation.DefaultLanguage); n != "" {
			return n
		}
	}
	return id
}

// ComponentName returns a component's name in the page language.
func (p *page) ComponentName(id string) string {
	if c := p.Plan.Component(id); c != nil {
		return c.Name.Get(p.Lang, p.Plan.Organisation.DefaultLanguage)
	}
	return id
}

// Text picks a plan text in the page language.
func (p *page) Text(t plan.Text) string { return t.Get(p.Lang, p.Plan.Organisation.DefaultLanguage) }

// StatusText names a component status.
func (p *page) StatusText(s incident.ComponentStatus) string {
	return incident.StatusText(s, p.Lang)
}

// StateText names an incident state.
func (p *page) StateText(s incident.State) string { return p.T(stateNames[s]) }

// SeverityText names a severity.
func (p *page) SeverityText(s string) string { return p.T(s) }

// Actor names who did something: a username, or Vigie itself.
func (p *page) Actor(username string) string {
	if username == incident.System.Username {
		return "Vigie"
	}
	return username
}

var stateNames = map[incident.State]string{
	incident.Investigating: "investigating",
	incident.Identified:    "identified",
	incident.Monitoring:    "monitoring",
	incident.Resolved:      "resolved",
	incident.Closed:        "closed",
}
