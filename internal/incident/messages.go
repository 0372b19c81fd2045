package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store"
)

const maxMessageText = 20000

// authorsOf decodes the comma-separated author list.
func authorsOf(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Authors returns everyone who drafted or edited the message.
func (m Message) Authors() []string { return authorsOf(m.Author) }

func (s *Service) insertDraft(ctx context.Context, tx *sql.Tx, p *plan.Plan, inc Incident, t plan.Message, author string, now time.Time) (Message, Event, error) {
	content, err := renderTemplate(p, t, inc, now)
	if err != nil {
		return Message{}, Event{}, err
	}
	pre := containsString(p.Approval.PreApproved, t.ID)
	channels, _ := json.Marshal(t.Channels)
	body, _ := json.Marshal(content)
	var id int64
	err = tx.QueryRowContext(ctx, s.q(`INSERT INTO messages (incident_id, template_id, phase, audience, channels, content, state, pre_approved, revision, author, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`),
		inc.ID, t.ID, t.Phase, t.Audience, string(channels), string(body), Draft, pre, author, s.t(now), s.t(now)).Scan(&id)
	if err != nil {
		return Message{}, Event{}, fmt.Errorf("incident: insert draft %s: %w", t.ID, err)
	}
	ev, err := s.appendEvent(ctx, tx, inc.ID, now, author, EventMessageDrafted, map[string]any{
		"message_id": id, "template": t.ID, "phase": t.Phase, "channels": t.Channels, "pre_approved": pre,
	})
	if err != nil {
		return Message{}, Event{}, err
	}
	m := Message{ID: id, IncidentID: inc.ID, TemplateID: t.ID, Phase: t.Phase, Audience: t.Audience, Channels: t.Channels, Content: content,
		State: Draft, PreApproved: pre, Revision: 1, Author: author, CreatedAt: now, UpdatedAt: now}
	return m, ev, nil
}

// Draft creates a message for an incident from a plan template.
func (s *Service) Draft(ctx context.Context, actor Actor, incidentID int64, templateID string) (Message, error) {
	if err := s.authorize(actor, ActDraft); err != nil {
		return Message{}, err
	}
	p := s.plan()
	t := p.Message(templateID)
	if t == nil {
		return Message{}, errorf(CodeInvalid, "unknown message template %q", templateID)
	}
	var out Message
	err := s.tx(ctx, func(tx *sql.Tx, emit func(Event)) error {
		inc, err := s.get(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		if inc.State == Closed {
			return errorf(CodeTransition, "incident %d is closed", incidentID)
		}
		if t.Scenario != "*" && t.Scenario != inc.Scenario {
			return errorf(CodeInvalid, "template %s belongs to scenario %s, not %s", t.ID, t.Scenario, inc.Scenario)
		}
		m, ev, err := s.insertDraft(ctx, tx, p, inc, *t, actor.Username, s.now())
		if err != nil {
			return err
		}
		emit(ev)
		out = m
		return nil
	})
	return out, err
}

// Messages returns an incident's messages with their approvals, oldest first.
func (s *Service) Messages(ctx context.Context, incidentID int64) ([]Message, error) {
	return s.messages(ctx, s.db.SQL(), `incident_id = ?`, incidentID)
}

// Message returns one message with its approvals.
func (s *Service) Message(ctx context.Context, id int64) (Message, error) {
	return s.message(ctx, s.db.SQL(), id)
}

func (s *Service) message(ctx context.Context, q queryer, id int64) (Message, error) {
	ms, err := s.messages(ctx, q, `id = ?`, id)
	if err != nil {
		return Message{}, err
	}
	if len(ms) == 0 {
		return Message{}, errorf(CodeNotFound, "message %d not found", id)
	}
	return ms[0], nil
}

func (s *Service) messages(ctx context.Context, q queryer, where string, arg any) ([]Message, error) {
	rows, err := q.QueryContext(ctx, s.q(`SELECT id, incident_id, template_id, phase, audience, channels, content, state, pre_approved, revision, author, created_at, updated_at, published_at, published_by
		FROM messages WHERE `+where+` ORDER BY id`), arg)
	if err != nil {
		return nil, fmt.Errorf("incident: messages: %w", err)
	}
	var out []Message
	for rows.Next() {
		var (
			m              Message
			channels, body string
			published      nullTime
		)
		if err := rows.Scan(&m.ID, &m.IncidentID, &m.TemplateID, &m.Phase, &m.Audience, &channels, &body, &m.State, &m.PreApproved, &m.Revision, &m.Author,
			store.ScanTime(&m.CreatedAt), store.ScanTime(&m.UpdatedAt), published.scanner(), &m.PublishedBy); err != nil {
			rows.Close()
			return nil, fmt.Errorf("incident: scan message: %w", err)
		}
		if err := json.Unmarshal([]byte(channels), &m.Channels); err != nil {
			rows.Close()
			return nil, fmt.Errorf("incident: message %d channels: %w", m.ID, err)
		}
		if err := json.Unmarshal([]byte(body), &m.Content); err != nil {
			rows.Close()
			return nil, fmt.Errorf("incident: message %d content: %w", m.ID, err)
		}
		m.PublishedAt = published.ptr()
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Approvals, err = s.approvals(ctx, q, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) approvals(ctx context.Context, q queryer, messageID int64) ([]Approval, error) {
	rows, err := q.QueryContext(ctx, s.q(`SELECT username, person, roles, decision, comment, revision, at FROM approvals WHERE message_id = ? ORDER BY id`), messageID)
	if err != nil {
		return nil, fmt.Errorf("incident: approvals: %w", err)
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		var (
			a     Approval
			roles string
		)
		if err := rows.Scan(&a.Username, &a.Person, &roles, &a.Decision, &a.Comment, &a.Revision, store.ScanTime(&a.At)); err != nil {
			return nil, fmt.Errorf("incident: scan approval: %w", err)
		}
		_ = json.Unmarshal([]byte(roles), &a.Roles)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Edit replaces a message's text. Editing starts a new revision: earlier
// approvals no longer count, and a pre-approved message edited by a person
// is no longer pre-approved.
func (s *Service) Edit(ctx context.Context, actor Actor, id int64, revision int, content map[string]Content) (Message, error) {
	if err := s.authorize(actor, ActDraft); err != nil {
		return Message{}, err
	}
	p := s.plan()
	for lang, c := range content {
		if !containsString(p.Organisation.Languages, lang) {
			return Message{}, errorf(CodeInvalid, "language %q is not one of the organisation's (%s)", lang, strings.Join(p.Organisation.Languages, ", "))
		}
		if strings.TrimSpace(c.Text) == "" {
			return Message{}, errorf(CodeInvalid, "text in %s is empty", lang)
		}
		if !utf8.ValidString(c.Text+c.Subject) || len(c.Text) > maxMessageText || len(c.Subject) > 500 {
			return Message{}, errorf(CodeInvalid, "text in %s must be valid UTF-8, at most %d bytes (subject 500)", lang, maxMessageText)
		}
	}
	if len(content) == 0 {
		return Message{}, errorf(CodeInvalid, "no text given")
	}
	var out Message
	err := s.tx(ctx, func(tx *sql.Tx, emit func(Event)) error {
		m, err := s.message(ctx, tx, id)
		if err != nil {
			return err
		}
		if m.State == Published {
			return errorf(CodeConflict, "message %d is already published; draft a correction instead", id)
		}
		if revision != 0 && revision != m.Revision {
			return errorf(CodeConflict, "message %d was changed meanwhile (revision %d, you edited %d); reload it", id, m.Revision, revision)
		}
		merged := m.Content
		for lang, c := range content {
			merged[lang] = c
		}
		body, _ := json.Marshal(merged)
		authors := m.Authors()
		if !containsString(authors, actor.Username) {
			authors = append(authors, actor.Username)
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, s.q(`UPDATE messages SET content = ?, revision = revision + 1, state = ?, pre_approved = ?, author = ?, updated_at = ? WHERE id = ? AND revision = ? AND state <> 'published'`),
			string(body), Draft, false, strings.Join(authors, ","), s.t(now), id, m.Revision)
		if err != nil {
			return fmt.Errorf("incident: edit message %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errorf(CodeConflict, "message %d changed meanwhile; reload it", id)
		}
		ev, err := s.appendEvent(ctx, tx, m.IncidentID, now, actor.Username, EventMessageEdited, map[string]any{"message_id": id, "revision": m.Revision + 1})
		if err != nil {
			return err
		}
		emit(ev)
		out, err = s.message(ctx, tx, id)
		return err
	})
	return out, err
}

// Approve records actor's approval of the message's current revision; when
// the plan's requirements are met the message becomes approved. Authors
// cannot approve their own text unless the plan allows it.
func (s *Service) Approve(ctx context.Context, actor Actor, id int64, revision int, comment string) (Message, error) {
	return s.decide(ctx, actor, id, revision, "approve", comment)
}

// Reject records a rejection; the message goes back to its authors.
func (s *Service) Reject(ctx context.Context, actor Actor, id int64, revision int, comment string) (Message, error) {
	return s.decide(ctx, actor, id, revision, "reject", comment)
}

func (s *Service) decide(ctx context.Context, actor Actor, id int64, revision int, decision, comment string) (Message, error) {
	if err := s.authorize(actor, ActApprove); err != nil {
		return Message{}, err
	}
	p := s.plan()
	var out Message
	err := s.tx(ctx, func(tx *sql.Tx, emit func(Event)) error {
		m, err := s.message(ctx, tx, id)
		if err != nil {
			return err
		}
		if m.State == Published {
			return errorf(CodeConflict, "message %d is already published", id)
		}
		if revision != 0 && revision != m.Revision {
			return errorf(CodeConflict, "message %d changed since you read it (now revision %d); read it again before deciding", id, m.Revision)
		}
		if err := s.checkTexts(m); err != nil && decision == "approve" {
			return err
		}
		if !p.Approval.AuthorCanApprove && containsString(m.Authors(), actor.Username) {
			return errorf(CodeForbidden, "%s wrote or edited message %d and cannot %s it: another person must (two-person rule)", actor.Username, id, decision)
		}
		inc, err := s.get(ctx, tx, m.IncidentID)
		if err != nil {
			return err
		}
		roles := PlanRoles(p, inc, actor.Person)
		reqs := Requirements(p, inc.Scenario, m)
		counts := false
		for _, r := range reqs {
			if len(r.Roles) == 0 || intersects(r.Roles, roles) {
				counts = true
			}
		}
		if decision == "approve" && !counts && actor.Role != "admin" {
			var need []string
			for _, r := range reqs {
				need = append(need, strings.Join(r.Roles, "/"))
			}
			return errorf(CodeForbidden, "%s holds no plan role this message needs (%s)", actor.Username, strings.Join(need, "; "))
		}
		rolesJSON, _ := json.Marshal(roles)
		now := s.now()
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO approvals (message_id, revision, username, person, roles, decision, comment, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			id, m.Revision, actor.Username, actor.Person, string(rolesJSON), decision, comment, s.t(now))
		if err != nil {
			if store.IsUniqueViolation(err) {
				return errorf(CodeConflict, "%s already decided on revision %d of message %d", actor.Username, m.Revision, id)
			}
			return fmt.Errorf("incident: record %s: %w", decision, err)
		}
		m.Approvals = append(m.Approvals, Approval{Username: actor.Username, Person: actor.Person, Roles: roles, Decision: decision, Revision: m.Revision, At: now})
		state := m.State
		kind := EventMessageApproved
		if decision == "reject" {
			state, kind = Rejected, EventMessageRejected
		} else if len(Unmet(reqs, m)) == 0 {
			state = Approved
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE messages SET state = ?, updated_at = ? WHERE id = ?`), state, s.t(now), id); err != nil {
			return fmt.Errorf("incident: update message state: %w", err)
		}
		ev, err := s.appendEvent(ctx, tx, m.IncidentID, now, actor.Username, kind, map[string]any{
			"message_id": id, "revision": m.Revision, "roles": roles, "comment": comment, "state": state, "unmet": Unmet(reqs, m),
		})
		if err != nil {
			return err
		}
		emit(ev)
		out, err = s.message(ctx, tx, id)
		return err
	})
	return out, err
}

// checkTexts refuses a message whose text cannot go out as it is on one of
// its channels (over-length is never cut silently).
func (s *Service) checkTexts(m Message) error {
	if s.check == nil {
		return nil
	}
	var problems []string
	for _, ch := range m.Channels {
		for _, lang := range sortedKeys(m.Content) {
			if err := s.check(ch, lang, m.Content[lang].Text); err != nil {
				problems = append(problems, fmt.Sprintf("%s (%s): %v", ch, lang, err))
			}
		}
	}
	if len(problems) > 0 {
		return errorf(CodeInvalid, "message %d must be edited first: %s", m.ID, strings.Join(problems, "; "))
	}
	return nil
}

// Publishable says whether a message may be published now, and why not.
func (s *Service) Publishable(m Message, scenario string) (bool, string) {
	switch {
	case m.State == Published:
		return false, "already published"
	case m.State == Approved:
		return true, ""
	case m.PreApproved && m.Revision == 1 && m.State == Draft:
		return true, "pre-approved"
	case m.State == Rejected:
		return false, "rejected: edit it, then ask for approval again"
	}
	unmet := Unmet(Requirements(s.plan(), scenario, m), m)
	return false, "waiting for " + strings.Join(unmet, "; ")
}

// Publish publishes an approved (or untouched pre-approved) message: in one
// transaction it is marked published, recorded on the timeline and its
// deliveries are queued in the outbox, one per channel and language. Two
// concurrent publications of the same message publish it once.
func (s *Service) Publish(ctx context.Context, actor Actor, id int64) (Message, error) {
	if err := s.authorize(actor, ActPublish); err != nil {
		return Message{}, err
	}
	p := s.plan()
	var out Message
	err := s.tx(ctx, func(tx *sql.Tx, emit func(Event)) error {
		m, err := s.message(ctx, tx, id)
		if err != nil {
			return err
		}
		inc, err := s.get(ctx, tx, m.IncidentID)
		if err != nil {
			return err
		}
		if err := s.checkTexts(m); err != nil {
			return err
		}
		ok, why := s.Publishable(m, inc.Scenario)
		if !ok {
			code := CodeForbidden
			if m.State == Published {
				code = CodeConflict
			}
			return errorf(code, "message %d cannot be published: %s", id, why)
		}
		if actor.Role == System.Role && !(m.PreApproved && m.Revision == 1) {
			return errorf(CodeForbidden, "Vigie publishes on its own only pre-approved messages")
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, s.q(`UPDATE messages SET state = ?, published_at = ?, published_by = ?, updated_at = ? WHERE id = ? AND revision = ? AND state <> 'published'`),
			Published, s.t(now), actor.Username, s.t(now), id, m.Revision)
		if err != nil {
			return fmt.Errorf("incident: publish %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errorf(CodeConflict, "message %d was published or changed meanwhile", id)
		}
		queued := 0
		for _, ch := range m.Channels {
			if ch == "statuspage" {
				continue
			}
			for lang := range m.Content {
				// The first word goes before everything else.
				priority := 1
				if m.Phase == "acknowledge" {
					priority = 0
				}
				if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO outbox (message_id, incident_id, channel, lang, audience, drill, priority, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
					id, inc.ID, ch, lang, m.Audience, inc.Drill, priority, s.t(now)); err != nil {
					return fmt.Errorf("incident: queue %s/%s: %w", ch, lang, err)
				}
				queued++
			}
		}
		payload := map[string]any{"message_id": id, "phase": m.Phase, "channels": m.Channels, "audience": m.Audience, "queued": queued, "drill": inc.Drill}
		if m.Public() && inc.State != Resolved && inc.State != Closed && (m.Phase == "acknowledge" || m.Phase == "update") {
			minutes := 30
			if sc := p.Scenario(inc.Scenario); sc != nil {
				minutes = sc.CadenceMinutes
			}
			next := now.Add(time.Duration(minutes) * time.Minute)
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE incidents SET next_update_due = ?, reminded_for = NULL, escalated_for = NULL, updated_at = ? WHERE id = ?`), s.t(next), s.t(now), inc.ID); err != nil {
				return fmt.Errorf("incident: next update: %w", err)
			}
			payload["next_update_due"] = next
		}
		ev, err := s.appendEvent(ctx, tx, inc.ID, now, actor.Username, EventMessagePublished, payload)
		if err != nil {
			return err
		}
		emit(ev)
		out, err = s.message(ctx, tx, id)
		return err
	})
	return out, err
}

// OutboxItem is a queued delivery the delivery engine consumes.
type OutboxItem struct {
	ID         int64
	MessageID  int64
	IncidentID int64
	Channel    string
	Lang       string
	Audience   string
	Drill      bool
	State      string
}

// Outbox lists queued deliveries of a message.
func (s *Service) Outbox(ctx context.Context, messageID int64) ([]OutboxItem, error) {
	rows, err := s.db.SQL().QueryContext(ctx, s.q(`SELECT id, message_id, incident_id, channel, lang, audience, drill, state FROM outbox WHERE message_id = ? ORDER BY id`), messageID)
	if err != nil {
		return nil, fmt.Errorf("incident: outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var o OutboxItem
		if err := rows.Scan(&o.ID, &o.MessageID, &o.IncidentID, &o.Channel, &o.Lang, &o.Audience, &o.Drill, &o.State); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
