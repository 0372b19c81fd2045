package incident

import "time"

// MessageState is where a message stands in the approval flow.
type MessageState string

// Message states.
const (
	Draft     MessageState = "draft"
	Approved  MessageState = "approved"
	Rejected  MessageState = "rejected"
	Published MessageState = "published"
)

// Content is a message's text in one language.
type Content struct {
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text"`
}

// Message is a public or team message drafted for an incident from a plan
// template; one message covers its channels and languages and is approved
// once.
type Message struct {
	ID          int64              `json:"id"`
	IncidentID  int64              `json:"incident_id"`
	TemplateID  string             `json:"template_id"`
	Phase       string             `json:"phase"`
	Audience    string             `json:"audience"`
	Channels    []string           `json:"channels"`
	Content     map[string]Content `json:"content"`
	State       MessageState       `json:"state"`
	PreApproved bool               `json:"pre_approved"`
	Revision    int                `json:"revision"`
	Author      string             `json:"author"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	PublishedAt *time.Time         `json:"published_at,omitempty"`
	PublishedBy string             `json:"published_by,omitempty"`
	Approvals   []Approval         `json:"approvals"`
}

// Approval is one person's decision on one revision of a message.
type Approval struct {
	Username string    `json:"username"`
	Person   string    `json:"person,omitempty"`
	Roles    []string  `json:"roles"`
	Decision string    `json:"decision"`
	Comment  string    `json:"comment,omitempty"`
	Revision int       `json:"revision"`
	At       time.Time `json:"at"`
}

// Public reports whether the message goes to people outside the team.
func (m Message) Public() bool { return m.Audience != "staff" }
