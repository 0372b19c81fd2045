package qa

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store"
)

// Limits bound what one client (see AskInput.Client) may send.
type Limits struct {
	// Questions per client within Window [3].
	Questions int
	// Votes per client within Window [30].
	Votes int
	// Window is the sliding window of both limits [10 min].
	Window time.Duration
}

// Options are the Service's collaborators; only Plan is required.
type Options struct {
	Plan func() *plan.Plan
	// Timeline records steps of sessions that belong to an incident (nil:
	// not recorded).
	Timeline Timeline
	// Mirror publishes answered questions on the social accounts (nil:
	// mirroring is unavailable).
	Mirror Mirror
	// Flagger holds back hateful or provocative questions (nil: none is
	// flagged; moderators still see every question first).
	Flagger Flagger
	Limits  Limits
	Logger  *slog.Logger
	Now     func() time.Time
}

// Service holds the Q&A rules; it is safe for concurrent use.
type Service struct {
	db  *store.DB
	o   Options
	hub *hub
}

// NewService returns a Service on a migrated database.
func NewService(db *store.DB, o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Limits.Questions <= 0 {
		o.Limits.Questions = 3
	}
	if o.Limits.Votes <= 0 {
		o.Limits.Votes = 30
	}
	if o.Limits.Window <= 0 {
		o.Limits.Window = 10 * time.Minute
	}
	return &Service{db: db, o: o, hub: newHub()}
}

// CanMirror reports whether answered questions can be mirrored to social
// accounts on this instance.
func (s *Service) CanMirror() bool { return s.o.Mirror != nil }

// SessionInput opens a session.
type SessionInput struct {
	// IncidentID is the incident the session belongs to (0: standalone).
	IncidentID int64
	Title      string
	// Answerer is the plan person who answers.
	Answerer string
}

// OpenSession opens a session; only one may be open at a time.
func (s *Service) OpenSession(ctx context.Context, actor incident.Actor, in SessionInput) (Session, error) {
	if !s.CanRun(actor) {
		return Session{}, errorf(incident.CodeForbidden, "%s (%s) may not open a Q&A session", actor.Username, actor.Role)
	}
	in.Title = clean(in.Title)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 200 {
		return Session{}, errorf(incident.CodeInvalid, "a session needs a title of 1 to 200 characters")
	}
	if s.o.Plan().Person(in.Answerer) == nil {
		return Session{}, errorf(incident.CodeInvalid, "%q is not a person of the plan", in.Answerer)
	}
	var incidentID any
	if in.IncidentID > 0 {
		if s.o.Timeline == nil {
			return Session{}, errorf(incident.CodeInvalid, "sessions cannot belong to incidents on this instance")
		}
		inc, err := s.o.Timeline.Get(ctx, in.IncidentID)
		if err != nil {
			return Session{}, fmt.Errorf("qa: open session: %w", err)
		}
		if inc.State == incident.Resolved || inc.State == incident.Closed {
			return Session{}, errorf(incident.CodeTransition, "incident %d is %s: a session belongs to an open incident", inc.ID, inc.State)
		}
		incidentID = in.IncidentID
	}
	now := store.Timestamp(s.o.Now())
	var id int64
	err := s.db.SQL().QueryRowContext(ctx, s.db.Rebind(`INSERT INTO qa_sessions (incident_id, title, answerer, state, opened_by, opened_at)
		VALUES (?, ?, ?, 'open', ?, ?) RETURNING id`), incidentID, in.Title, in.Answerer, actor.Username, s.db.TimeArg(now)).Scan(&id)
	if store.IsUniqueViolation(err) {
		return Session{}, errorf(incident.CodeConflict, "another session is open: close it first")
	}
	if err != nil {
		return Session{}, fmt.Errorf("qa: open session: %w", err)
	}
	sess := Session{ID: id, IncidentID: in.IncidentID, Title: in.Title, Answerer: in.Answerer, State: SessionOpen, OpenedBy: actor.Username, OpenedAt: now}
	s.record(ctx, sess, actor, "session_opened", "Q&A session opened: "+in.Title, nil)
	s.hub.notify()
	return sess, nil
}

// CloseSession closes a session. Visitors' client keys and votes are
// erased: they only served rate limits and one vote per client.
func (s *Service) CloseSession(ctx context.Context, actor incident.Actor, id int64) error {
	if !s.CanRun(actor) {
		return errorf(incident.CodeForbidden, "%s (%s) may not close a Q&A session", actor.Username, actor.Role)
	}
	var sess Session
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if sess, err = s.session(ctx, tx, id); err != nil {
			return err
		}
		if sess.State != SessionOpen {
			return errorf(incident.CodeTransition, "session %d is already closed", id)
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE qa_sessions SET state = 'closed', closed_at = ? WHERE id = ?`), s.db.TimeArg(s.o.Now()), id); err != nil {
			return fmt.Errorf("qa: close session %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM qa_votes WHERE question_id IN (SELECT id FROM qa_questions WHERE session_id = ?)`), id); err != nil {
			return fmt.Errorf("qa: forget votes of session %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE qa_questions SET client_key = '' WHERE session_id = ?`), id); err != nil {
			return fmt.Errorf("qa: forget client keys of session %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.record(ctx, sess, actor, "session_closed", "Q&A session closed: "+sess.Title, nil)
	s.hub.notify()
	return nil
}

// Current returns the open session, or ErrNotFound.
func (s *Service) Current(ctx context.Context) (Session, error) {
	sess, err := scanSession(s.db.SQL().QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM qa_sessions WHERE state = 'open'`))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("qa: no open session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("qa: open session: %w", err)
	}
	return sess, nil
}

// Session returns a session.
func (s *Service) Session(ctx context.Context, id int64) (Session, error) {
	return s.session(ctx, s.db.SQL(), id)
}

// Sessions returns the newest sessions first (at most limit).
func (s *Service) Sessions(ctx context.Context, limit int) ([]Session, error) {
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	rows, err := s.db.SQL().QueryContext(ctx, s.db.Rebind(`SELECT `+sessionColumns+` FROM qa_sessions ORDER BY id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("qa: list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("qa: scan session: %w", err)
		}
		out = append(out, sess)
	}
	return out, rows.Err()
}

// AskInput is a visitor's question.
type AskInput struct {
	SessionID int64
	Text      string
	FirstName string
	Lang      string
	// Client identifies the visitor for rate limits (an HMAC of address
	// and user agent, never the address).
	Client string
}

// Ask records a question as pending, or as hidden with the reason when
// the flagger holds it back. Either way nobody sees it before a moderator.
func (s *Service) Ask(ctx context.Context, in AskInput) (Question, error) {
	in.Text, in.FirstName = clean(in.Text), clean(in.FirstName)
	if in.Text == "" || utf8.RuneCountInString(in.Text) > MaxQuestion {
		return Question{}, errorf(incident.CodeInvalid, "a question needs 1 to %d characters", MaxQuestion)
	}
	if utf8.RuneCountInString(in.FirstName) > MaxFirstName {
		return Question{}, errorf(incident.CodeInvalid, "a first name has at most %d characters", MaxFirstName)
	}
	state, flag := Pending, ""
	if s.o.Flagger != nil {
		if reason, flagged := s.o.Flagger.Flag(in.Text + " " + in.FirstName); flagged {
			state, flag = Hidden, reason
		}
	}
	now := store.Timestamp(s.o.Now())
	q := Question{SessionID: in.SessionID, Text: in.Text, FirstName: in.FirstName, Lang: in.Lang, State: state, Flag: flag, AskedAt: now}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		sess, err := s.session(ctx, tx, in.SessionID)
		if err != nil {
			return err
		}
		if sess.State != SessionOpen {
			return errorf(incident.CodeTransition, "this session is closed")
		}
		n, err := s.countSince(ctx, tx, "qa_questions", "asked_at", in.Client, now.Add(-s.o.Limits.Window))
		if err != nil {
			return err
		}
		if n >= s.o.Limits.Questions {
			return ErrLimited
		}
		return tx.QueryRowContext(ctx, s.db.Rebind(`INSERT INTO qa_questions (session_id, text, first_name, lang, client_key, state, flag, asked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), in.SessionID, in.Text, in.FirstName, in.Lang, in.Client, state, flag, s.db.TimeArg(now)).Scan(&q.ID)
	})
	if err != nil {
		return Question{}, fmt.Errorf("qa: ask: %w", err)
	}
	return q, nil
}

// Vote adds the client's vote to a published question of the open
// session and returns the new count.
func (s *Service) Vote(ctx context.Context, questionID int64, client string) (int, error) {
	var votes int
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		q, err := s.question(ctx, tx, questionID)
		if err != nil {
			return err
		}
		if q.State != Published {
			return fmt.Errorf("qa: question %d: %w", questionID, ErrNotFound)
		}
		sess, err := s.session(ctx, tx, q.SessionID)
		if err != nil {
			return err
		}
		if sess.State != SessionOpen {
			return errorf(incident.CodeTransition, "this session is closed")
		}
		now := s.o.Now()
		var already int
		if err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT COUNT(*) FROM qa_votes WHERE question_id = ? AND client_key = ?`), questionID, client).Scan(&already); err != nil {
			return fmt.Errorf("qa: vote: %w", err)
		}
		if already > 0 {
			return ErrAlreadyVoted
		}
		n, err := s.countSince(ctx, tx, "qa_votes", "voted_at", client, now.Add(-s.o.Limits.Window))
		if err != nil {
			return err
		}
		if n >= s.o.Limits.Votes {
			return ErrLimited
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO qa_votes (question_id, client_key, voted_at) VALUES (?, ?, ?)`), questionID, client, s.db.TimeArg(now)); err != nil {
			if store.IsUniqueViolation(err) {
				return ErrAlreadyVoted
			}
			return fmt.Errorf("qa: vote: %w", err)
		}
		return tx.QueryRowContext(ctx, s.db.Rebind(`UPDATE qa_questions SET votes = votes + 1 WHERE id = ? RETURNING votes`), questionID).Scan(&votes)
	})
	if err != nil {
		return 0, err
	}
	s.hub.notify()
	return votes, nil
}

// Public returns what visitors see of a session: published questions,
// answered ones first (newest answer first), then the others by votes.
func (s *Service) Public(ctx context.Context, sessionID int64) ([]Question, error) {
	return s.questions(ctx, `session_id = ? AND state = 'published'
		ORDER BY CASE WHEN answered_at IS NULL THEN 1 ELSE 0 END, answered_at DESC, votes DESC, id`, sessionID)
}

// Queue returns every question of a session for moderators: pending ones
// first (oldest first), then published, then hidden.
func (s *Service) Queue(ctx context.Context, sessionID int64) ([]Question, error) {
	return s.questions(ctx, `session_id = ?
		ORDER BY CASE state WHEN 'pending' THEN 0 WHEN 'published' THEN 1 ELSE 2 END, id`, sessionID)
}

// Question returns one question, whatever its state (moderators only).
func (s *Service) Question(ctx context.Context, id int64) (Question, error) {
	return s.question(ctx, s.db.SQL(), id)
}

// Changes returns a channel that receives a value after every change
// visitors can see (coalesced: one value may stand for several changes),
// and a function to stop receiving.
func (s *Service) Changes() (<-chan struct{}, func()) { return s.hub.subscribe() }

// Version counts the visible changes so far; it grows with each one.
func (s *Service) Version() int64 { return s.hub.current() }

// clean trims spaces and drops control characters except line breaks.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
