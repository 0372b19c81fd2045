package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
)

// eventView is one timeline entry in words.
type eventView struct {
	ID    int64     `json:"id"`
	At    time.Time `json:"at"`
	Clock string    `json:"clock"`
	Actor string    `json:"actor"`
	Kind  string    `json:"kind"`
	Text  string    `json:"text"`
}

func (p *page) eventView(e incident.Event) eventView {
	return eventView{ID: e.ID, At: e.At, Clock: p.Stamp(e.At), Actor: p.Actor(e.Actor), Kind: e.Kind, Text: p.describe(e)}
}

// describe says what an event means, in the page language.
func (p *page) describe(e incident.Event) string {
	pl := e.Payload
	s := func(k string) string { return str(pl[k]) }
	switch e.Kind {
	case incident.EventDeclared:
		out := p.T("Incident declared from scenario %s (severity %s)", p.scenarioTitle(s("scenario")), p.T(s("severity")))
		if b, _ := pl["drill"].(bool); b {
			out += " — " + p.T("drill")
		}
		return withNote(p, out, s("note"))
	case incident.EventStateChanged:
		return withNote(p, p.T("State changed from %s to %s", p.StateText(incident.State(s("from"))), p.StateText(incident.State(s("to")))), s("note"))
	case incident.EventSeverityChanged:
		return p.T("Severity changed from %s to %s", p.T(s("from")), p.T(s("to")))
	case incident.EventComponentChanged:
		return p.T("%s: %s → %s", p.ComponentName(s("component")), p.StatusText(incident.ComponentStatus(s("from"))), p.StatusText(incident.ComponentStatus(s("to"))))
	case incident.EventRoleAssigned:
		out := p.T("%s holds the role %s", p.PersonName(s("person")), p.RoleName(s("role")))
		if r := s("reason"); r != "" && r != "assigned" {
			out += " (" + p.T(r) + ")"
		}
		return out
	case incident.EventTaskDone:
		return p.T("Task done: %s", p.taskTitle(s("role"), s("task")))
	case incident.EventTaskReopened:
		return p.T("Task reopened: %s", p.taskTitle(s("role"), s("task")))
	case incident.EventTeamNotified:
		return p.T("%s paged as %s: %s", p.PersonName(s("person")), p.RoleName(s("role")), p.T(s("status")))
	case incident.EventMessageDrafted:
		return p.T("Message #%s drafted: %s (%s)", s("message_id"), p.Phase(s("phase")), s("template"))
	case incident.EventMessageEdited:
		return p.T("Message #%s edited (version %s)", s("message_id"), s("revision"))
	case incident.EventMessageApproved:
		out := p.T("Message #%s approved", s("message_id"))
		if s("state") == string(incident.Approved) {
			return out + " — " + p.T("ready to publish")
		}
		if u, ok := pl["unmet"].([]any); ok && len(u) > 0 {
			var parts []string
			for _, x := range u {
				parts = append(parts, str(x))
			}
			return out + " — " + p.T("still waiting for %s", strings.Join(parts, "; "))
		}
		return out
	case incident.EventMessageRejected:
		return withNote(p, p.T("Message #%s rejected", s("message_id")), s("comment"))
	case incident.EventMessagePublished:
		out := p.T("Message #%s published: %s deliveries queued", s("message_id"), s("queued"))
		if t, ok := payloadTime(pl["next_update_due"]); ok {
			out += " — " + p.T("next public update due at %s", p.Clock(t))
		}
		return out
	case incident.EventReminderSent:
		return p.T("Reminder to %s: the next public update is due at %s", p.PersonName(s("person")), p.dueClock(pl))
	case incident.EventUpdateOverdue:
		return p.T("Public update overdue since %s: escalated to %s", p.dueClock(pl), p.PersonName(s("person")))
	case incident.EventReportDue:
		return p.T("Tactical report due since %s: reminder to %s", p.dueClock(pl), p.PersonName(s("person")))
	case incident.EventTacticalReport:
		var parts []string
		for _, k := range []string{"conditions", "actions", "needs"} {
			if v := strings.TrimSpace(s(k)); v != "" {
				parts = append(parts, p.T(k)+": "+v)
			}
		}
		return p.T("Tactical report") + " — " + strings.Join(parts, " · ")
	case incident.EventNote:
		return s("text")
	case incident.EventSignal:
		if text := s("text"); text != "" {
			return p.T("Signal from %s", s("source")) + " — " + text
		}
		if platform := s("platform"); platform != "" && s("url") != "" {
			return p.T("Signal from %s", s("source")) + " — " + platform + " " + s("url")
		}
		return p.T("Signal from %s", s("source"))
	}
	return e.Kind
}

func withNote(p *page, text, note string) string {
	if note = strings.TrimSpace(note); note != "" {
		return text + " — " + p.T("note") + ": " + note
	}
	return text
}

func (p *page) dueClock(pl map[string]any) string {
	if t, ok := payloadTime(pl["due"]); ok {
		return p.Clock(t)
	}
	return "?"
}

func (p *page) scenarioTitle(id string) string {
	if sc := p.Plan.Scenario(id); sc != nil {
		return p.Text(sc.Title)
	}
	return id
}

func (p *page) taskTitle(role, key string) string {
	if r := p.Plan.Team.Roles[role]; r != nil {
		for _, t := range r.Checklist {
			if t.ID == key {
				return p.Text(t.Title)
			}
		}
	}
	return role + "/" + key
}

// str formats a JSON payload value; numbers decoded as float64 print as
// integers when they are.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprintf("%g", x)
	}
	return fmt.Sprint(v)
}

// payloadTime reads a time from a payload: a time.Time before storage, an
// RFC 3339 string after.
func payloadTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		return t, err == nil
	}
	return time.Time{}, false
}
