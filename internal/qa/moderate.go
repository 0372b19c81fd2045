package qa

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/vigie-hq/vigie/internal/incident"
)

// MediaWatchRole is the plan role whose holders moderate questions even
// when their console account has no moderating role: media watch is a
// crisis role of the plan, not an account role.
const MediaWatchRole = "media_watch"

// CanRun reports whether actor opens and closes sessions and mirrors
// answers to the social accounts: admin, commander and communication.
func (s *Service) CanRun(actor incident.Actor) bool {
	switch actor.Role {
	case "admin", "commander", "communication":
		return true
	}
	return false
}

// CanModerate reports whether actor publishes and hides questions: the
// roles that run sessions, plus accounts linked to a plan person who holds
// the media_watch role (primary or backup).
func (s *Service) CanModerate(actor incident.Actor) bool {
	if s.CanRun(actor) {
		return true
	}
	if actor.Person == "" || actor.Role == "viewer" || actor.Role == "" {
		return false
	}
	r := s.o.Plan().Team.Roles[MediaWatchRole]
	return r != nil && (r.Primary == actor.Person || slices.Contains(r.Backups, actor.Person))
}

// CanAnswer reports whether actor answers in sess: its answering person,
// or an admin or commander standing in.
func (s *Service) CanAnswer(actor incident.Actor, sess Session) bool {
	if actor.Role == "viewer" || actor.Role == "" {
		return false
	}
	return (actor.Person != "" && actor.Person == sess.Answerer) || actor.Role == "admin" || actor.Role == "commander"
}

// CanApproveFAQ reports whether actor approves FAQ drafts: admin,
// commander and communication.
func (s *Service) CanApproveFAQ(actor incident.Actor) bool { return s.CanRun(actor) }

// Publish shows a pending question to visitors. Questions held back by
// the flagger, or hidden by a moderator, cannot be published.
func (s *Service) Publish(ctx context.Context, actor incident.Actor, id int64) error {
	return s.moderate(ctx, actor, id, Published, "")
}

// Hide hides a pending or published question for good; reason is shown
// to moderators only.
func (s *Service) Hide(ctx context.Context, actor incident.Actor, id int64, reason string) error {
	return s.moderate(ctx, actor, id, Hidden, reason)
}

func (s *Service) moderate(ctx context.Context, actor incident.Actor, id int64, to, reason string) error {
	if !s.CanModerate(actor) {
		return errorf(incident.CodeForbidden, "%s (%s) may not moderate questions", actor.Username, actor.Role)
	}
	reason = clean(reason)
	if utf8.RuneCountInString(reason) > 200 {
		return errorf(incident.CodeInvalid, "a reason has at most 200 characters")
	}
	var (
		q    Question
		sess Session
	)
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if q, err = s.question(ctx, tx, id); err != nil {
			return err
		}
		if sess, err = s.session(ctx, tx, q.SessionID); err != nil {
			return err
		}
		switch {
		case q.State == Hidden && q.Flag != "":
			return errorf(incident.CodeTransition, "question %d was held back (%s): it stays hidden", id, q.Flag)
		case q.State == Hidden:
			return errorf(incident.CodeTransition, "question %d is hidden for good", id)
		case q.State == to:
			return errorf(incident.CodeTransition, "question %d is already %s", id, to)
		}
		flag := q.Flag
		if to == Hidden && reason != "" {
			flag = "moderator: " + reason
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`UPDATE qa_questions SET state = ?, flag = ?, moderated_by = ?, moderated_at = ? WHERE id = ? AND state = ?`),
			to, flag, actor.Username, s.db.TimeArg(s.o.Now()), id, q.State)
		if err != nil {
			return fmt.Errorf("qa: moderate question %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if to == Published {
		s.record(ctx, sess, actor, "published", "Question published: "+q.Text, map[string]any{"question_id": id})
	} else {
		// A hidden question's text stays out of the timeline, which more
		// people read than the moderation queue.
		s.record(ctx, sess, actor, "hidden", fmt.Sprintf("Question #%d hidden", id), map[string]any{"question_id": id, "reason": reason})
	}
	if q.State == Published || to == Published {
		s.hub.notify()
	}
	return nil
}

// Answer answers a published question (or replaces its answer). Pending
// and hidden questions are refused: hidden ones are never answered.
func (s *Service) Answer(ctx context.Context, actor incident.Actor, id int64, text string) error {
	text = clean(text)
	if text == "" || utf8.RuneCountInString(text) > MaxAnswer {
		return errorf(incident.CodeInvalid, "an answer needs 1 to %d characters", MaxAnswer)
	}
	var (
		q    Question
		sess Session
	)
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if q, err = s.question(ctx, tx, id); err != nil {
			return err
		}
		if sess, err = s.session(ctx, tx, q.SessionID); err != nil {
			return err
		}
		if !s.CanAnswer(actor, sess) {
			return errorf(incident.CodeForbidden, "%s (%s) may not answer in this session: %s answers", actor.Username, actor.Role, s.personName(sess.Answerer))
		}
		switch q.State {
		case Hidden:
			return errorf(incident.CodeTransition, "question %d is hidden: hidden questions are never answered", id)
		case Pending:
			return errorf(incident.CodeTransition, "question %d awaits moderation: publish it before answering", id)
		}
		// The state is checked again by the update itself, so a question
		// hidden meanwhile is not answered either.
		res, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE qa_questions SET answer = ?, answered_by = ?, answerer = ?, answered_at = ? WHERE id = ? AND state = 'published'`),
			text, actor.Username, sess.Answerer, s.db.TimeArg(s.o.Now()), id)
		if err != nil {
			return fmt.Errorf("qa: answer question %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errorf(incident.CodeConflict, "question %d changed meanwhile", id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.record(ctx, sess, actor, "answered", fmt.Sprintf("Question answered by %s: %s — %s", s.personName(sess.Answerer), q.Text, text), map[string]any{"question_id": id})
	s.hub.notify()
	return nil
}

// MirrorText is what an answered question reads like on social accounts.
func (s *Service) MirrorText(q Question) string {
	w := words(q.Lang)
	return fmt.Sprintf(w["mirror"], w["q_prefix"], q.Text, s.personName(q.Answerer), w["team"], q.Answer)
}

// MirrorQuestion publishes an answered question in the incident's thread
// on the social accounts, once.
func (s *Service) MirrorQuestion(ctx context.Context, actor incident.Actor, id int64) error {
	if !s.CanRun(actor) {
		return errorf(incident.CodeForbidden, "%s (%s) may not publish on the social accounts", actor.Username, actor.Role)
	}
	if s.o.Mirror == nil {
		return errorf(incident.CodeInvalid, "no social account is connected to this instance")
	}
	q, err := s.Question(ctx, id)
	if err != nil {
		return err
	}
	sess, err := s.Session(ctx, q.SessionID)
	if err != nil {
		return err
	}
	switch {
	case sess.IncidentID == 0:
		return errorf(incident.CodeInvalid, "only sessions of an incident have a social thread")
	case q.State != Published || !q.Answered():
		return errorf(incident.CodeTransition, "only published, answered questions are mirrored")
	case q.MirroredAt != nil:
		return errorf(incident.CodeConflict, "question %d is already on the social accounts", id)
	}
	// Claim the question first, so two clicks publish once.
	res, err := s.db.SQL().ExecContext(ctx, s.db.Rebind(`UPDATE qa_questions SET mirrored_at = ? WHERE id = ? AND mirrored_at IS NULL`), s.db.TimeArg(s.o.Now()), id)
	if err != nil {
		return fmt.Errorf("qa: mirror question %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errorf(incident.CodeConflict, "question %d is already on the social accounts", id)
	}
	text := s.MirrorText(q)
	if err := s.o.Mirror.Mirror(ctx, sess.IncidentID, text); err != nil {
		if _, uerr := s.db.SQL().ExecContext(ctx, s.db.Rebind(`UPDATE qa_questions SET mirrored_at = NULL WHERE id = ?`), id); uerr != nil {
			s.o.Logger.Error("qa: release mirror claim", "question_id", id, "err", uerr)
		}
		return fmt.Errorf("qa: mirror question %d: %w", id, err)
	}
	s.record(ctx, sess, actor, "mirrored", "Q&A mirrored to the social accounts: "+text, map[string]any{"question_id": id})
	return nil
}

// record puts a step on the incident's timeline. The change is already
// stored, so a failure is logged rather than undoing it.
func (s *Service) record(ctx context.Context, sess Session, actor incident.Actor, action, text string, extra map[string]any) {
	if sess.IncidentID == 0 || s.o.Timeline == nil {
		return
	}
	payload := map[string]any{"action": action, "session_id": sess.ID, "by": actor.Username, "text": text}
	for k, v := range extra {
		payload[k] = v
	}
	if _, err := s.o.Timeline.RecordSignal(ctx, sess.IncidentID, "qa", payload); err != nil {
		s.o.Logger.Error("qa: record on the timeline", "incident_id", sess.IncidentID, "action", action, "err", err)
	}
}

// personName is a plan person's name, or the id when unknown.
func (s *Service) personName(id string) string {
	if p := s.o.Plan().Person(id); p != nil {
		return p.Name
	}
	return id
}

// PersonName is the name visitors see for a plan person.
func (s *Service) PersonName(id string) string { return s.personName(id) }
