package web

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
)

// messageView is a message as the crisis room shows it: its text per
// language with a preview per channel, its approvals, what it waits for,
// and which buttons the visitor may use.
type messageView struct {
	incident.Message
	Heading   string
	Langs     []langView
	Approvals []incident.Approval
	Rejection *incident.Approval
	Waiting   string
	Unmet     []string
	Ready     bool
	// The visitor's possible actions, and why approval is not offered.
	CanEdit, CanApprove, CanPublish bool
	ApproveNote                     string
	// EditError and Edit keep a refused edit on screen so no text is lost.
	EditError    string
	Edit         map[string]incident.Content
	EditRevision int
	// Reach is "email: 1,742 sent, 12 failed · sms: …" for published messages.
	Reach string
}

// langView is a message's text in one language.
type langView struct {
	Lang, Subject, Text string
	Previews            []preview
}

// preview measures a text for one channel.
type preview struct {
	Channel, Label, Measure, Note string
	// Over is set when the text exceeds the channel's limit; Warn when it
	// fits but costs more (several SMS) or may be cut.
	Over, Warn bool
}

// limits are the channels' hard length limits, in characters.
var limits = map[string]int{"x": 280, "bluesky": 300, "mastodon": 500, "telegram": 4096, "instagram": 2200, "linkedin": 3000, "facebook": 63206}

var channelLabels = map[string]string{
	"statuspage": "Status page", "email": "E-mail", "sms": "SMS", "push": "Push", "webhook": "Webhook",
	"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky", "facebook": "Facebook", "instagram": "Instagram",
	"linkedin": "LinkedIn", "telegram": "Telegram", "slack": "Slack", "teams": "Teams",
}

var phaseNames = map[string]string{
	"acknowledge": "Acknowledgement", "update": "Update", "resolved": "Resolution", "postmortem": "Postmortem", "thanks": "Thanks",
}

// ChannelLabel names a channel.
func (p *page) ChannelLabel(ch string) string {
	if l, ok := channelLabels[ch]; ok {
		return p.T(l)
	}
	return ch
}

// Phase names a message phase.
func (p *page) Phase(ph string) string {
	if n, ok := phaseNames[ph]; ok {
		return p.T(n)
	}
	return ph
}

// LangName names a content language.
func (p *page) LangName(l string) string {
	switch l {
	case "fr":
		return p.T("French")
	case "en":
		return p.T("English")
	}
	return l
}

func (c *Console) messageView(pg *page, v *visitor, inc incident.Incident, m incident.Message) messageView {
	pl := pg.Plan
	mv := messageView{Message: m}
	var chans []string
	for _, ch := range m.Channels {
		chans = append(chans, pg.ChannelLabel(ch))
	}
	mv.Heading = pg.Phase(m.Phase) + " · " + strings.Join(chans, ", ")
	if m.Audience != "" && m.Audience != "customers" {
		mv.Heading += " · " + pg.T(m.Audience)
	}
	langs := append([]string(nil), pl.Organisation.Languages...)
	for l := range m.Content {
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	for _, l := range langs {
		ct, ok := m.Content[l]
		if !ok {
			continue
		}
		mv.Langs = append(mv.Langs, langView{Lang: l, Subject: ct.Subject, Text: ct.Text, Previews: previews(pg, m, ct)})
	}
	for _, a := range m.Approvals {
		if a.Revision != m.Revision {
			continue
		}
		if a.Decision == "approve" {
			mv.Approvals = append(mv.Approvals, a)
		} else if m.State == incident.Rejected {
			mv.Rejection = &a
		}
	}
	mv.Ready, mv.Waiting = c.Incidents.Publishable(m, inc.Scenario)
	if !mv.Ready && m.State == incident.Draft {
		mv.Unmet = incident.Unmet(incident.Requirements(pl, inc.Scenario, m), m)
	}
	role := v.Actor.Role
	mv.CanEdit = incident.Can(role, incident.ActDraft) && m.State != incident.Published
	mv.CanPublish = mv.Ready && incident.Can(role, incident.ActPublish)
	mv.CanApprove, mv.ApproveNote = canApprove(pg, v, inc, m, mv.Ready)
	return mv
}

// canApprove mirrors the domain's approval checks so the console offers
// the buttons only to people whose approval counts; the domain still
// decides.
func canApprove(pg *page, v *visitor, inc incident.Incident, m incident.Message, ready bool) (bool, string) {
	pl := pg.Plan
	if m.State == incident.Published || m.State == incident.Rejected || ready || !incident.Can(v.Actor.Role, incident.ActApprove) {
		return false, ""
	}
	if !pl.Approval.AuthorCanApprove && slices.Contains(m.Authors(), v.User.Username) {
		return false, pg.T("You wrote or edited this text: another person must approve it (two-person rule).")
	}
	for _, a := range m.Approvals {
		if a.Revision == m.Revision && a.Username == v.User.Username {
			return false, pg.T("You already approved this version.")
		}
	}
	if v.Actor.Role == "admin" {
		return true, ""
	}
	roles := incident.PlanRoles(pl, inc, v.Actor.Person)
	for _, req := range incident.Requirements(pl, inc.Scenario, m) {
		if len(req.Roles) == 0 {
			return true, ""
		}
		for _, r := range req.Roles {
			if slices.Contains(roles, r) {
				return true, ""
			}
		}
	}
	if v.Actor.Person == "" {
		return false, pg.T("Your account is not linked to a person of the plan, so your approval cannot count. An admin can link it on the Users page.")
	}
	return false, pg.T("None of your plan roles counts for this message's approval.")
}

// previews measures a text for every channel of the message.
func previews(pg *page, m incident.Message, ct incident.Content) []preview {
	var out []preview
	for _, ch := range m.Channels {
		pv := preview{Channel: ch, Label: pg.ChannelLabel(ch)}
		chars := utf8.RuneCountInString(ct.Text)
		switch ch {
		case "sms":
			info := plan.SMSSegments(ct.Text)
			seg := pg.T("1 segment")
			if info.Segments > 1 {
				seg = pg.T("%d segments", info.Segments)
			}
			pv.Measure = fmt.Sprintf("%s · %s · %d/%d", seg, info.Encoding, info.Units, info.Segments*info.PerSegment)
			if info.Segments > 1 {
				pv.Warn = true
				pv.Note = pg.T("sent as %d SMS per person", info.Segments)
			}
			if info.Encoding == "UCS-2" {
				pv.Warn = true
				pv.Note = strings.TrimPrefix(pv.Note+"; "+pg.T("a character outside GSM-7 halves the room per SMS"), "; ")
			}
		case "x":
			n := plan.XLength(ct.Text)
			pv.Measure = pg.T("%d/%d characters", n, limits[ch])
			pv.Over = n > limits[ch]
		case "mastodon":
			n := plan.MastodonLength(ct.Text)
			pv.Measure = pg.T("%d/%d characters", n, limits[ch])
			pv.Over = n > limits[ch]
		case "push":
			pv.Measure = pg.T("%d characters", chars)
			if chars > 178 {
				pv.Warn = true
				pv.Note = pg.T("lock screens show about 178 characters")
			}
		case "email":
			pv.Measure = pg.T("%d characters", chars)
			if ct.Subject == "" {
				pv.Warn = true
				pv.Note = pg.T("no subject")
			}
		default:
			if lim, ok := limits[ch]; ok {
				pv.Measure = pg.T("%d/%d characters", chars, lim)
				pv.Over = chars > lim
			} else {
				pv.Measure = pg.T("%d characters", chars)
			}
		}
		if pv.Over {
			pv.Note = pg.T("too long for %s: shorten it", pv.Label)
		}
		out = append(out, pv)
	}
	return out
}
