package qa

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store"
)

// ProposeFAQ records a FAQ draft from an answered, published question, in
// the question's language, for an approver. A rejected draft may be
// proposed again.
func (s *Service) ProposeFAQ(ctx context.Context, actor incident.Actor, questionID int64) (FAQDraft, error) {
	q, err := s.Question(ctx, questionID)
	if err != nil {
		return FAQDraft{}, err
	}
	sess, err := s.Session(ctx, q.SessionID)
	if err != nil {
		return FAQDraft{}, err
	}
	if !s.CanModerate(actor) && !s.CanAnswer(actor, sess) {
		return FAQDraft{}, errorf(incident.CodeForbidden, "%s (%s) may not propose FAQ entries", actor.Username, actor.Role)
	}
	if q.State != Published || !q.Answered() {
		return FAQDraft{}, errorf(incident.CodeTransition, "only published, answered questions become FAQ entries")
	}
	now := store.Timestamp(s.o.Now())
	d := FAQDraft{QuestionID: q.ID, Lang: q.Lang, Question: q.Text, Answer: q.Answer, State: FAQProposed, ProposedBy: actor.Username, ProposedAt: now}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var state string
		err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT id, state FROM qa_faq_drafts WHERE question_id = ? AND lang = ?`), q.ID, q.Lang).Scan(&id, &state)
		switch {
		case err == nil && state != FAQRejected:
			return errorf(incident.CodeConflict, "question %d is already a FAQ draft (%s)", q.ID, state)
		case err == nil:
			d.ID = id
			_, err = tx.ExecContext(ctx, s.db.Rebind(`UPDATE qa_faq_drafts SET question = ?, answer = ?, state = 'proposed', proposed_by = ?, proposed_at = ?, decided_by = '', decided_at = NULL WHERE id = ?`),
				d.Question, d.Answer, d.ProposedBy, s.db.TimeArg(now), id)
			return err
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		return tx.QueryRowContext(ctx, s.db.Rebind(`INSERT INTO qa_faq_drafts (question_id, lang, question, answer, state, proposed_by, proposed_at)
			VALUES (?, ?, ?, ?, 'proposed', ?, ?) RETURNING id`), q.ID, q.Lang, d.Question, d.Answer, d.ProposedBy, s.db.TimeArg(now)).Scan(&d.ID)
	})
	if err != nil {
		return FAQDraft{}, fmt.Errorf("qa: propose FAQ entry from question %d: %w", q.ID, err)
	}
	s.record(ctx, sess, actor, "faq_proposed", fmt.Sprintf("FAQ entry proposed from question #%d: %s", q.ID, q.Text), map[string]any{"question_id": q.ID, "draft_id": d.ID})
	return d, nil
}

// DecideFAQ approves or rejects a proposed draft. The proposer cannot
// decide on their own draft unless the plan lets authors approve.
func (s *Service) DecideFAQ(ctx context.Context, actor incident.Actor, id int64, approve bool) error {
	if !s.CanApproveFAQ(actor) {
		return errorf(incident.CodeForbidden, "%s (%s) may not approve FAQ entries", actor.Username, actor.Role)
	}
	d, err := s.draft(ctx, s.db.SQL(), id)
	if err != nil {
		return err
	}
	if d.State != FAQProposed {
		return errorf(incident.CodeTransition, "FAQ draft %d is already %s", id, d.State)
	}
	if approve && d.ProposedBy == actor.Username && !s.o.Plan().Approval.AuthorCanApprove {
		return errorf(incident.CodeForbidden, "another person must approve a FAQ entry you proposed")
	}
	to := FAQRejected
	if approve {
		to = FAQApproved
	}
	res, err := s.db.SQL().ExecContext(ctx, s.db.Rebind(`UPDATE qa_faq_drafts SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'proposed'`),
		to, actor.Username, s.db.TimeArg(s.o.Now()), id)
	if err != nil {
		return fmt.Errorf("qa: decide FAQ draft %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errorf(incident.CodeConflict, "FAQ draft %d changed meanwhile", id)
	}
	if q, err := s.Question(ctx, d.QuestionID); err == nil {
		if sess, err := s.Session(ctx, q.SessionID); err == nil {
			s.record(ctx, sess, actor, "faq_"+to, fmt.Sprintf("FAQ entry %s: %s", to, d.Question), map[string]any{"question_id": q.ID, "draft_id": id})
		}
	}
	return nil
}

// FAQDrafts returns the drafts, newest first; state "" means all.
func (s *Service) FAQDrafts(ctx context.Context, state string) ([]FAQDraft, error) {
	query, args := `SELECT `+draftColumns+` FROM qa_faq_drafts`, []any{}
	if state != "" {
		query += ` WHERE state = ?`
		args = append(args, state)
	}
	rows, err := s.db.SQL().QueryContext(ctx, s.db.Rebind(query+` ORDER BY id DESC LIMIT 500`), args...)
	if err != nil {
		return nil, fmt.Errorf("qa: list FAQ drafts: %w", err)
	}
	defer rows.Close()
	var out []FAQDraft
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, fmt.Errorf("qa: scan FAQ draft: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// FAQYAML renders drafts as entries for the faq section of the plan file,
// to paste and commit there: the plan is code, and Vigie never rewrites
// it. Answers in the plan are templates, so "{{" is escaped.
func FAQYAML(drafts []FAQDraft) string {
	var b strings.Builder
	b.WriteString("# Proposed from live Q&A sessions and approved in Vigie; paste under faq: in the plan.\nfaq:\n")
	for _, d := range drafts {
		fmt.Fprintf(&b, "  - id: qa-%d\n    tags: [qa]\n    questions:\n      %s: [%s]\n    answer:\n      %s: %s\n",
			d.QuestionID, d.Lang, quote(d.Question), d.Lang, quote(strings.ReplaceAll(d.Answer, "{{", `{{"{{"}}`)))
	}
	return b.String()
}

// FAQEntry is a draft as a plan FAQ entry.
func (d FAQDraft) FAQEntry() plan.FAQEntry {
	return plan.FAQEntry{ID: fmt.Sprintf("qa-%d", d.QuestionID), Tags: []string{"qa"},
		Questions: map[string][]string{d.Lang: {d.Question}}, Answer: plan.Text{d.Lang: d.Answer}}
}

// quote writes s as a YAML double-quoted scalar (JSON strings are valid
// YAML), on one line.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
