// Package qa runs live question-and-answer sessions with a member of the
// technical team: visitors ask and upvote questions on the public /qa
// page, moderators publish or hide them (hateful or provocative ones are
// flagged by the language engine and never shown or answered), answers
// appear live, and answered questions can be mirrored to the social
// accounts and proposed as FAQ entries. Every step of a session that
// belongs to an incident is recorded on that incident's timeline.
package qa

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
)

// Limits of what visitors may send.
const (
	// MaxQuestion is the longest question, in characters.
	MaxQuestion = 500
	// MaxFirstName is the longest optional first name, in characters.
	MaxFirstName = 40
	// MaxAnswer is the longest answer, in characters.
	MaxAnswer = 4000
)

// Session states.
const (
	SessionOpen   = "open"
	SessionClosed = "closed"
)

// Question states: a question is pending until a moderator publishes or
// hides it; a hidden question is never shown again and never answered.
const (
	Pending   = "pending"
	Published = "published"
	Hidden    = "hidden"
)

// FAQ draft states.
const (
	FAQProposed = "proposed"
	FAQApproved = "approved"
	FAQRejected = "rejected"
)

// Session is one live Q&A: it belongs to an incident (IncidentID > 0) or
// stands alone, and one plan person answers.
type Session struct {
	ID         int64
	IncidentID int64
	Title      string
	// Answerer is the plan person id of the member of the technical team
	// who answers.
	Answerer string
	State    string
	OpenedBy string
	OpenedAt time.Time
	ClosedAt *time.Time
}

// Question is a visitor's question and, once given, its answer.
type Question struct {
	ID        int64
	SessionID int64
	Text      string
	FirstName string
	Lang      string
	State     string
	// Flag is why the language engine held the question back ("" when it
	// did not); only moderators see it.
	Flag        string
	Votes       int
	Answer      string
	AnsweredBy  string // username
	Answerer    string // plan person id shown as the author
	AnsweredAt  *time.Time
	ModeratedBy string
	ModeratedAt *time.Time
	MirroredAt  *time.Time
	AskedAt     time.Time
}

// Answered reports whether the question has an answer.
func (q Question) Answered() bool { return q.AnsweredAt != nil }

// FAQDraft is a FAQ entry proposed from an answered question, waiting for
// an approver; approved drafts are exported as plan YAML (the plan file is
// code: Vigie never rewrites it).
type FAQDraft struct {
	ID         int64
	QuestionID int64
	Lang       string
	Question   string
	Answer     string
	State      string
	ProposedBy string
	ProposedAt time.Time
	DecidedBy  string
	DecidedAt  *time.Time
}

// Timeline records Q&A steps on an incident; *incident.Service is one.
type Timeline interface {
	Get(ctx context.Context, id int64) (incident.Incident, error)
	RecordSignal(ctx context.Context, id int64, source string, payload map[string]any) (incident.Event, error)
}

// Mirror publishes a text in the incident's thread on the social accounts.
type Mirror interface {
	Mirror(ctx context.Context, incidentID int64, text string) error
}

// Flagger says whether a question must be held back, and why.
type Flagger interface {
	Flag(text string) (reason string, flagged bool)
}

// Errors carry the crisis room's codes, so every surface words them alike.
var (
	// ErrNotFound: no such session, question or draft (or no open session).
	ErrNotFound = &incident.Error{Code: incident.CodeNotFound, Message: "not found"}
	// ErrLimited: the client sent too many questions or votes lately.
	ErrLimited = &incident.Error{Code: incident.CodeConflict, Message: "too many requests from this client; try again in a few minutes"}
	// ErrAlreadyVoted: this client already voted for this question.
	ErrAlreadyVoted = &incident.Error{Code: incident.CodeConflict, Message: "this client already voted for this question"}
)

// IsNotFound reports whether err means a session, question or draft does
// not exist (or that no session is open).
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

func errorf(code, format string, args ...any) error {
	return &incident.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
