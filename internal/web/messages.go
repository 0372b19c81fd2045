package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vigie-hq/vigie/internal/incident"
)

// incidentMessage reads the message of the path and checks that it belongs
// to the incident of the path.
func (c *Console) incidentMessage(ctx context.Context, r *http.Request) (int64, incident.Message, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, incident.Message{}, err
	}
	msgID, err := pathID(r, "msg")
	if err != nil {
		return id, incident.Message{}, err
	}
	m, err := c.Incidents.Message(ctx, msgID)
	if err == nil && m.IncidentID != id {
		err = &incident.Error{Code: incident.CodeNotFound, Message: fmt.Sprintf("message %d is not one of incident %d's", msgID, id)}
	}
	return id, m, err
}

func (c *Console) handleDraft(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, v, "/admin/", err)
		return
	}
	tmpl := r.PostFormValue("template")
	if tmpl == "" {
		c.fail(w, r, v, roomURL(id, "draft"), &formError{tr(v.Lang, "choose a template")})
		return
	}
	m, err := c.Incidents.Draft(ctx, v.Actor, id, tmpl)
	if err != nil {
		c.fail(w, r, v, roomURL(id, "draft"), err)
		return
	}
	c.redirect(w, r, roomURL(id, fmt.Sprintf("msg-%d", m.ID)), flash{Kind: "ok",
		Text: tr(v.Lang, "Message #%d drafted from %s: read it, edit it if needed, then ask for approval.", m.ID, tmpl)})
}

// handleEdit saves new text. A refused edit re-renders the crisis room with
// the submitted text in the form, so nothing typed under stress is lost.
func (c *Console) handleEdit(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	id, m, err := c.incidentMessage(ctx, r)
	if err != nil {
		c.fail(w, r, v, roomURL(id, "messages"), err)
		return
	}
	anchor := fmt.Sprintf("msg-%d", m.ID)
	revision, _ := strconv.Atoi(r.PostFormValue("revision"))
	submitted := map[string]incident.Content{}
	changed := map[string]incident.Content{}
	for _, lang := range c.Plan().Organisation.Languages {
		text, ok := r.PostForm["text."+lang]
		if !ok {
			continue
		}
		ct := incident.Content{Text: normalizeText(text[0]), Subject: strings.TrimSpace(r.PostFormValue("subject." + lang))}
		submitted[lang] = ct
		if cur, ok := m.Content[lang]; !ok || cur.Text != ct.Text || cur.Subject != ct.Subject {
			changed[lang] = ct
		}
	}
	if len(changed) == 0 {
		c.redirect(w, r, roomURL(id, anchor), flash{Kind: "ok", Text: tr(v.Lang, "Nothing changed in message #%d.", m.ID)})
		return
	}
	if revision == 0 {
		err = &formError{tr(v.Lang, "the form has no version number; reload the page")}
	} else {
		_, err = c.Incidents.Edit(ctx, v.Actor, m.ID, revision, changed)
	}
	if err == nil {
		c.redirect(w, r, roomURL(id, anchor), flash{Kind: "ok",
			Text: tr(v.Lang, "Message #%d saved. Earlier approvals no longer count: another person must approve this version.", m.ID)})
		return
	}
	pg := c.newPage(w, r, v, "Crisis room", "")
	view, verr := c.roomView(ctx, pg, v, id)
	if verr != nil {
		c.errorPage(w, r, pg, verr)
		return
	}
	for i := range view.Pending {
		mv := &view.Pending[i]
		if mv.ID != m.ID {
			continue
		}
		mv.EditError = c.plainError(r, v.Lang, err)
		mv.Edit = submitted
		// After a conflict the form carries the current version: the person
		// has now seen it above the form and may overwrite it knowingly.
		mv.EditRevision = mv.Revision
	}
	view.Flash = flash{Kind: "error", Text: c.plainError(r, v.Lang, err)}
	c.render(w, r, statusOf(err), "room.html", view)
}

// normalizeText turns the browser's CRLF line ends back into LF.
func normalizeText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

func (c *Console) handleDecide(decision string) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v *visitor) {
		ctx, cancel := requestContext(r)
		defer cancel()
		id, m, err := c.incidentMessage(ctx, r)
		if err != nil {
			c.fail(w, r, v, roomURL(id, "messages"), err)
			return
		}
		to := roomURL(id, fmt.Sprintf("msg-%d", m.ID))
		revision, _ := strconv.Atoi(r.PostFormValue("revision"))
		if revision == 0 {
			c.fail(w, r, v, to, &formError{tr(v.Lang, "the form has no version number; reload the page")})
			return
		}
		comment := strings.TrimSpace(r.PostFormValue("comment"))
		fn := c.Incidents.Approve
		if decision == "reject" {
			fn = c.Incidents.Reject
		}
		out, err := fn(ctx, v.Actor, m.ID, revision, comment)
		if err != nil {
			c.fail(w, r, v, to, err)
			return
		}
		var text string
		switch {
		case decision == "reject":
			text = tr(v.Lang, "Message #%d rejected; its authors must edit it before it can be approved.", m.ID)
		case out.State == incident.Approved:
			text = tr(v.Lang, "Message #%d approved: it can be published now.", m.ID)
		default:
			scenario := ""
			if inc, err := c.Incidents.Get(ctx, id); err == nil {
				scenario = inc.Scenario
			}
			_, why := c.Incidents.Publishable(out, scenario)
			text = tr(v.Lang, "Your approval of message #%d is recorded; it is still %s.", m.ID, why)
		}
		c.redirect(w, r, to, flash{Kind: "ok", Text: text})
	}
}

func (c *Console) handlePublish(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	id, m, err := c.incidentMessage(ctx, r)
	if err != nil {
		c.fail(w, r, v, roomURL(id, "messages"), err)
		return
	}
	to := roomURL(id, fmt.Sprintf("msg-%d", m.ID))
	if _, err := c.Incidents.Publish(ctx, v.Actor, m.ID); err != nil {
		c.fail(w, r, v, to, err)
		return
	}
	queued, err := c.Incidents.Outbox(ctx, m.ID)
	if err != nil {
		c.Logger.Error("read outbox", "message", m.ID, "err", err)
	}
	text := tr(v.Lang, "Message #%d published: %d deliveries queued.", m.ID, len(queued))
	if inc, err := c.Incidents.Get(ctx, id); err == nil && inc.Drill {
		text += " " + tr(v.Lang, "This is a drill: nothing reaches real customers.")
	}
	c.redirect(w, r, to, flash{Kind: "ok", Text: text})
}
