package qa

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
)

// queryer is a connection pool or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

const sessionColumns = `id, COALESCE(incident_id, 0), title, answerer, state, opened_by, opened_at, closed_at`

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var (
		s      Session
		closed store.NullTime
	)
	if err := row.Scan(&s.ID, &s.IncidentID, &s.Title, &s.Answerer, &s.State, &s.OpenedBy, store.ScanTime(&s.OpenedAt), closed.Scanner()); err != nil {
		return Session{}, err
	}
	s.ClosedAt = closed.Ptr()
	return s, nil
}

const questionColumns = `id, session_id, text, first_name, lang, state, flag, votes, answer, answered_by, answerer, answered_at, moderated_by, moderated_at, mirrored_at, asked_at`

func scanQuestion(row interface{ Scan(...any) error }) (Question, error) {
	var (
		q                            Question
		answered, moderated, mirrord store.NullTime
	)
	if err := row.Scan(&q.ID, &q.SessionID, &q.Text, &q.FirstName, &q.Lang, &q.State, &q.Flag, &q.Votes, &q.Answer, &q.AnsweredBy, &q.Answerer,
		answered.Scanner(), &q.ModeratedBy, moderated.Scanner(), mirrord.Scanner(), store.ScanTime(&q.AskedAt)); err != nil {
		return Question{}, err
	}
	q.AnsweredAt, q.ModeratedAt, q.MirroredAt = answered.Ptr(), moderated.Ptr(), mirrord.Ptr()
	return q, nil
}

const draftColumns = `id, question_id, lang, question, answer, state, proposed_by, proposed_at, decided_by, decided_at`

func scanDraft(row interface{ Scan(...any) error }) (FAQDraft, error) {
	var (
		d       FAQDraft
		decided store.NullTime
	)
	if err := row.Scan(&d.ID, &d.QuestionID, &d.Lang, &d.Question, &d.Answer, &d.State, &d.ProposedBy, store.ScanTime(&d.ProposedAt), &d.DecidedBy, decided.Scanner()); err != nil {
		return FAQDraft{}, err
	}
	d.DecidedAt = decided.Ptr()
	return d, nil
}

func (s *Service) session(ctx context.Context, q queryer, id int64) (Session, error) {
	sess, err := scanSession(q.QueryRowContext(ctx, s.db.Rebind(`SELECT `+sessionColumns+` FROM qa_sessions WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("qa: session %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("qa: session %d: %w", id, err)
	}
	return sess, nil
}

func (s *Service) question(ctx context.Context, q queryer, id int64) (Question, error) {
	qu, err := scanQuestion(q.QueryRowContext(ctx, s.db.Rebind(`SELECT `+questionColumns+` FROM qa_questions WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Question{}, fmt.Errorf("qa: question %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Question{}, fmt.Errorf("qa: question %d: %w", id, err)
	}
	return qu, nil
}

func (s *Service) draft(ctx context.Context, q queryer, id int64) (FAQDraft, error) {
	d, err := scanDraft(q.QueryRowContext(ctx, s.db.Rebind(`SELECT `+draftColumns+` FROM qa_faq_drafts WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return FAQDraft{}, fmt.Errorf("qa: FAQ draft %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return FAQDraft{}, fmt.Errorf("qa: FAQ draft %d: %w", id, err)
	}
	return d, nil
}

func (s *Service) questions(ctx context.Context, where string, args ...any) ([]Question, error) {
	rows, err := s.db.SQL().QueryContext(ctx, s.db.Rebind(`SELECT `+questionColumns+` FROM qa_questions WHERE `+where), args...)
	if err != nil {
		return nil, fmt.Errorf("qa: list questions: %w", err)
	}
	defer rows.Close()
	var out []Question
	for rows.Next() {
		q, err := scanQuestion(rows)
		if err != nil {
			return nil, fmt.Errorf("qa: scan question: %w", err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// countSince counts a client's rows in table since t (questions or votes).
func (s *Service) countSince(ctx context.Context, q queryer, table, column, client string, since time.Time) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, s.db.Rebind(`SELECT COUNT(*) FROM `+table+` WHERE client_key = ? AND `+column+` >= ?`), client, s.db.TimeArg(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("qa: count recent %s: %w", table, err)
	}
	return n, nil
}
