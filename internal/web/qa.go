package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/qa"
)

// qaView is the live Q&A console: the session, the moderation queue with
// the flags, answer forms and the FAQ drafts waiting for approval.
type qaView struct {
	*page
	Available bool
	Session   *qa.Session
	Questions []qa.Question
	Sessions  []qa.Session
	Incidents []incident.Incident
	Proposed  []qa.FAQDraft
	Approved  []qa.FAQDraft
	Mirror    bool
	// Denied: the visitor has no part in Q&A sessions.
	Denied bool
	svc    *qa.Service
	actor  incident.Actor
}

// CanRun, CanModerate, CanAnswer and CanApproveFAQ decide what the page
// offers; the service checks again on every action.
func (v qaView) CanRun() bool        { return v.svc.CanRun(v.actor) }
func (v qaView) CanModerate() bool   { return v.svc.CanModerate(v.actor) }
func (v qaView) CanApproveFAQ() bool { return v.svc.CanApproveFAQ(v.actor) }

// CanAnswer reports whether the visitor answers in the shown session.
func (v qaView) CanAnswer() bool { return v.Session != nil && v.svc.CanAnswer(v.actor, *v.Session) }

// QAState names a question state.
func (v qaView) QAState(s string) string { return v.T(qaStates[s]) }

var qaStates = map[string]string{qa.Pending: "pending moderation", qa.Published: "published", qa.Hidden: "hidden"}

func (c *Console) handleQA(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	view := qaView{page: c.newPage(w, r, v, "Live Q&A", "qa"), Available: c.QA != nil, svc: c.QA, actor: v.Actor}
	if c.QA == nil {
		c.render(w, r, http.StatusOK, "qa.html", view)
		return
	}
	view.Mirror = c.QA.CanMirror()
	sess, err := c.QA.Current(ctx)
	if id, perr := strconv.ParseInt(r.URL.Query().Get("session"), 10, 64); perr == nil && id > 0 {
		sess, err = c.QA.Session(ctx, id)
	}
	if err == nil {
		view.Session = &sess
	} else if !qa.IsNotFound(err) {
		c.Logger.Error("qa: read session", "err", err)
	}
	if !view.CanModerate() && !view.CanAnswer() && !view.CanApproveFAQ() {
		view.Available, view.Denied = false, true
		c.render(w, r, http.StatusForbidden, "qa.html", view)
		return
	}
	failed := err != nil && !qa.IsNotFound(err)
	if view.Session != nil {
		if view.Questions, err = c.QA.Queue(ctx, view.Session.ID); err != nil {
			failed = true
			c.Logger.Error("qa: read questions", "err", err)
		}
		if !view.CanModerate() {
			// The answering person sees what is public, not the queue.
			view.Questions = published(view.Questions)
		}
	}
	if view.Sessions, err = c.QA.Sessions(ctx, 10); err != nil {
		failed = true
		c.Logger.Error("qa: list sessions", "err", err)
	}
	if view.Incidents, err = c.Incidents.List(ctx, incident.ListFilter{Open: true, Drills: true}); err != nil {
		failed = true
		c.Logger.Error("qa: list incidents", "err", err)
	}
	if view.Proposed, err = c.QA.FAQDrafts(ctx, qa.FAQProposed); err == nil {
		view.Approved, err = c.QA.FAQDrafts(ctx, qa.FAQApproved)
	}
	if err != nil {
		failed = true
		c.Logger.Error("qa: list FAQ drafts", "err", err)
	}
	if failed {
		view.Flash = flash{Kind: "error", Text: view.T("Part of the Q&A could not be read; the details are in the server log.")}
	}
	c.render(w, r, http.StatusOK, "qa.html", view)
}

func published(qs []qa.Question) []qa.Question {
	var out []qa.Question
	for _, q := range qs {
		if q.State == qa.Published {
			out = append(out, q)
		}
	}
	return out
}

// handleQAExport downloads the approved FAQ entries as a plan snippet.
func (c *Console) handleQAExport(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	if c.QA == nil || !c.QA.CanApproveFAQ(v.Actor) {
		http.Error(w, tr(v.Lang, "Not allowed: %s.", "only approvers export FAQ entries"), http.StatusForbidden)
		return
	}
	drafts, err := c.QA.FAQDrafts(ctx, qa.FAQApproved)
	if err != nil {
		c.Logger.Error("qa: export FAQ", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="faq-from-qa.yaml"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(qa.FAQYAML(drafts)))
}

// qaAction runs one Q&A action and goes back to the page (to the
// question's anchor when there is one).
func (c *Console) qaAction(fn func(r *http.Request, v *visitor, id int64) (string, error)) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v *visitor) {
		to := "/admin/qa"
		if c.QA == nil {
			c.fail(w, r, v, to, &formError{tr(v.Lang, "Live Q&A is not available on this server.")})
			return
		}
		var id int64
		if r.PathValue("id") != "" {
			var err error
			if id, err = pathID(r, "id"); err != nil {
				c.fail(w, r, v, to, err)
				return
			}
		}
		if s := r.PostFormValue("session"); s != "" {
			to += "?session=" + digits(s)
		}
		ok, err := fn(r, v, id)
		if strings.Contains(r.URL.Path, "/questions/") {
			to += fmt.Sprintf("#q-%d", id)
		}
		c.finish(w, r, v, to, err, ok)
	}
}

// digits keeps digits only: the session field goes into a redirect.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func (c *Console) handleQAOpen(r *http.Request, v *visitor, _ int64) (string, error) {
	ctx, cancel := requestContext(r)
	defer cancel()
	incidentID, _ := strconv.ParseInt(r.PostFormValue("incident"), 10, 64)
	_, err := c.QA.OpenSession(ctx, v.Actor, qa.SessionInput{IncidentID: incidentID, Title: r.PostFormValue("title"), Answerer: r.PostFormValue("answerer")})
	return tr(v.Lang, "The Q&A session is open: visitors can ask questions at /qa."), err
}

func (c *Console) handleQAClose(r *http.Request, v *visitor, id int64) (string, error) {
	ctx, cancel := requestContext(r)
	defer cancel()
	return tr(v.Lang, "The Q&A session is closed."), c.QA.CloseSession(ctx, v.Actor, id)
}

func (c *Console) handleQAPublish(r *http.Request, v *visitor, id int64) (string, error) {
	ctx, cancel := requestContext(r)
	defer cancel()
	return tr(v.Lang, "Question #%d published.", id), c.QA.Publish(ctx, v.Actor, id)
}

func (c *Console) handleQAHide(r *http.Request, v *visitor, id int64) (string, error) {
	ctx, cancel := requestContext(r)
	defer cancel()
	return tr(v.Lang, "Question #%d hidden.", id), c.QA.Hide(ctx, v.Actor, id, r.PostFormValue("reason"))
}

func (c *Console) handleQAAnswer(r *http.Request, v *visitor, id int64) (string, error) {
	ctx, cancel := requestContext(r)
	defer cancel()
	return tr(v.Lang, "Answer to question #%d published.", id), c.QA.Answer(ctx, v.Actor, id, r.PostFormValue("answer"))
}

func (c *Console) handleQAProposeFAQ(r *http.Request, v *visitor, id int64) (string, error) {
	ctx, cancel := requestContext(r)
	defer cancel()
	_, err := c.QA.ProposeFAQ(ctx, v.Actor, id)
	return tr(v.Lang, "FAQ entry proposed from question #%d: an approver decides.", id), err
}

func (c *Console) handleQAMirror(r *http.Request, v *visitor, id int64) (string, error) {
	ctx, cancel := requestContext(r)
	defer cancel()
	return tr(v.Lang, "Question #%d and its answer sent to the social accounts.", id), c.QA.MirrorQuestion(ctx, v.Actor, id)
}

func (c *Console) handleQADecide(approve bool) func(r *http.Request, v *visitor, id int64) (string, error) {
	return func(r *http.Request, v *visitor, id int64) (string, error) {
		ctx, cancel := requestContext(r)
		defer cancel()
		ok := tr(v.Lang, "FAQ entry rejected.")
		if approve {
			ok = tr(v.Lang, "FAQ entry approved: export it and add it to the plan.")
		}
		return ok, c.QA.DecideFAQ(ctx, v.Actor, id, approve)
	}
}
