package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/vigie-hq/vigie/internal/incident"
)

// finish ends an action: back to the page with the error in plain words,
// or with what was done.
func (c *Console) finish(w http.ResponseWriter, r *http.Request, v *visitor, to string, err error, ok string) {
	if err != nil {
		c.fail(w, r, v, to, err)
		return
	}
	c.redirect(w, r, to, flash{Kind: "ok", Text: ok})
}

// incidentAction runs fn for the incident of the path and goes back to the
// given anchor of its crisis room.
func (c *Console) incidentAction(anchor string, fn func(r *http.Request, v *visitor, id int64) (string, error)) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v *visitor) {
		id, err := pathID(r, "id")
		if err != nil {
			c.fail(w, r, v, "/admin/", err)
			return
		}
		ok, err := fn(r, v, id)
		c.finish(w, r, v, roomURL(id, anchor), err, ok)
	}
}

func (c *Console) handleState(w http.ResponseWriter, r *http.Request, v *visitor) {
	c.incidentAction("state", func(r *http.Request, v *visitor, id int64) (string, error) {
		ctx, cancel := requestContext(r)
		defer cancel()
		to := incident.State(r.PostFormValue("state"))
		inc, err := c.Incidents.Transition(ctx, v.Actor, id, to, strings.TrimSpace(r.PostFormValue("note")))
		return tr(v.Lang, "The incident is now %s.", tr(v.Lang, stateNames[inc.State])), err
	})(w, r, v)
}

func (c *Console) handleSeverity(w http.ResponseWriter, r *http.Request, v *visitor) {
	c.incidentAction("state", func(r *http.Request, v *visitor, id int64) (string, error) {
		ctx, cancel := requestContext(r)
		defer cancel()
		inc, err := c.Incidents.SetSeverity(ctx, v.Actor, id, r.PostFormValue("severity"))
		return tr(v.Lang, "Severity set to %s.", tr(v.Lang, inc.Severity)), err
	})(w, r, v)
}

func (c *Console) handleComponent(w http.ResponseWriter, r *http.Request, v *visitor) {
	c.incidentAction("components", func(r *http.Request, v *visitor, id int64) (string, error) {
		ctx, cancel := requestContext(r)
		defer cancel()
		comp, st := r.PostFormValue("component"), incident.ComponentStatus(r.PostFormValue("status"))
		_, err := c.Incidents.SetComponent(ctx, v.Actor, id, comp, st)
		return tr(v.Lang, "Component status saved: %s.", incident.StatusText(st, v.Lang)), err
	})(w, r, v)
}

func (c *Console) handleAssign(w http.ResponseWriter, r *http.Request, v *visitor) {
	c.incidentAction("roles", func(r *http.Request, v *visitor, id int64) (string, error) {
		ctx, cancel := requestContext(r)
		defer cancel()
		role, person := r.PostFormValue("role"), r.PostFormValue("person")
		_, err := c.Incidents.AssignRole(ctx, v.Actor, id, role, person)
		return tr(v.Lang, "Role reassigned; its open tasks follow the new holder."), err
	})(w, r, v)
}

func (c *Console) handleTask(w http.ResponseWriter, r *http.Request, v *visitor) {
	taskID, _ := pathID(r, "task")
	c.incidentAction(fmt.Sprintf("task-%d", taskID), func(r *http.Request, v *visitor, id int64) (string, error) {
		ctx, cancel := requestContext(r)
		defer cancel()
		if taskID == 0 {
			return "", &formError{tr(v.Lang, "unknown task")}
		}
		tasks, err := c.Incidents.Tasks(ctx, id)
		if err != nil {
			return "", err
		}
		found := false
		for _, t := range tasks {
			found = found || t.ID == taskID
		}
		if !found {
			return "", &incident.Error{Code: incident.CodeNotFound, Message: "this task is not one of the incident's"}
		}
		done := r.PostFormValue("done") != "0"
		if _, err := c.Incidents.CompleteTask(ctx, v.Actor, taskID, done); err != nil {
			return "", err
		}
		if done {
			return tr(v.Lang, "Task marked done."), nil
		}
		return tr(v.Lang, "Task reopened."), nil
	})(w, r, v)
}

func (c *Console) handleNote(w http.ResponseWriter, r *http.Request, v *visitor) {
	c.incidentAction("timeline", func(r *http.Request, v *visitor, id int64) (string, error) {
		ctx, cancel := requestContext(r)
		defer cancel()
		_, err := c.Incidents.AddNote(ctx, v.Actor, id, r.PostFormValue("text"))
		return tr(v.Lang, "Note added to the timeline."), err
	})(w, r, v)
}

func (c *Console) handleReport(w http.ResponseWriter, r *http.Request, v *visitor) {
	c.incidentAction("timeline", func(r *http.Request, v *visitor, id int64) (string, error) {
		ctx, cancel := requestContext(r)
		defer cancel()
		_, err := c.Incidents.TacticalReport(ctx, v.Actor, id,
			strings.TrimSpace(r.PostFormValue("conditions")), strings.TrimSpace(r.PostFormValue("actions")), strings.TrimSpace(r.PostFormValue("needs")))
		return tr(v.Lang, "Tactical report recorded; the next one is due in the scenario's report cadence."), err
	})(w, r, v)
}
