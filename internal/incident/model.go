// Package incident is the crisis room: incidents declared from a plan
// scenario, their state machine, affected components, roles and tasks,
// messages with the plan's approval policy, publication into the delivery
// outbox, update cadence, and the append-only timeline that records every
// step.
package incident

import (
	"time"

	"github.com/vigie-hq/vigie/internal/plan"
)

// State is an incident's lifecycle state.
type State string

// Incident states, in order.
const (
	Investigating State = "investigating"
	Identified    State = "identified"
	Monitoring    State = "monitoring"
	Resolved      State = "resolved"
	Closed        State = "closed"
)

// States lists the states in lifecycle order.
var States = []State{Investigating, Identified, Monitoring, Resolved, Closed}

// ComponentStatus is the status of a component during an incident.
type ComponentStatus string

// Component statuses, from best to worst.
const (
	Operational      ComponentStatus = "operational"
	Degraded         ComponentStatus = "degraded"
	PartialOutage    ComponentStatus = "partial_outage"
	MajorOutage      ComponentStatus = "major_outage"
	UnderMaintenance ComponentStatus = "under_maintenance"
)

// ComponentStatuses lists the valid statuses.
var ComponentStatuses = []ComponentStatus{Operational, Degraded, PartialOutage, MajorOutage, UnderMaintenance}

// Incident is a declared crisis.
type Incident struct {
	ID            int64            `json:"id"`
	Scenario      string           `json:"scenario"`
	Title         plan.Text        `json:"title"`
	Severity      string           `json:"severity"`
	State         State            `json:"state"`
	Drill         bool             `json:"drill"`
	PlanHash      string           `json:"plan_hash"`
	DeclaredBy    string           `json:"declared_by"`
	DeclaredAt    time.Time        `json:"declared_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
	ResolvedAt    *time.Time       `json:"resolved_at,omitempty"`
	ClosedAt      *time.Time       `json:"closed_at,omitempty"`
	NextUpdateDue *time.Time       `json:"next_update_due,omitempty"`
	NextReportDue *time.Time       `json:"next_report_due,omitempty"`
	Components    []ComponentState `json:"components"`
	Roles         []RoleAssignment `json:"roles"`
	remindedFor   *time.Time
	escalatedFor  *time.Time
	reportFor     *time.Time
}

// ComponentState is a component's status within an incident.
type ComponentState struct {
	Component string          `json:"component"`
	Status    ComponentStatus `json:"status"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// RoleAssignment says who holds a plan role for an incident.
type RoleAssignment struct {
	Role       string    `json:"role"`
	Person     string    `json:"person"`
	AssignedAt time.Time `json:"assigned_at"`
}

// Task is a checklist item created from the plan when an incident is declared.
type Task struct {
	ID         int64      `json:"id"`
	IncidentID int64      `json:"incident_id"`
	Role       string     `json:"role"`
	Key        string     `json:"key"`
	Title      plan.Text  `json:"title"`
	Owner      string     `json:"owner"`
	DueAt      time.Time  `json:"due_at"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
	DoneBy     string     `json:"done_by,omitempty"`
}

// Overdue reports whether the task is not done after its due time.
func (t Task) Overdue(now time.Time) bool { return t.DoneAt == nil && now.After(t.DueAt) }

// Event is one entry of an incident's timeline.
type Event struct {
	ID         int64          `json:"id"`
	IncidentID int64          `json:"incident_id"`
	At         time.Time      `json:"at"`
	Actor      string         `json:"actor"`
	Kind       string         `json:"kind"`
	Payload    map[string]any `json:"payload"`
	// Remote marks an event relayed from another process (see RunBridge).
	Remote bool `json:"-"`
}

// Timeline event kinds.
const (
	EventDeclared         = "declared"
	EventStateChanged     = "state_changed"
	EventSeverityChanged  = "severity_changed"
	EventComponentChanged = "component_changed"
	EventRoleAssigned     = "role_assigned"
	EventTaskDone         = "task_done"
	EventTaskReopened     = "task_reopened"
	EventTeamNotified     = "team_notified"
	EventMessageDrafted   = "message_drafted"
	EventMessageEdited    = "message_edited"
	EventMessageApproved  = "message_approved"
	EventMessageRejected  = "message_rejected"
	EventMessagePublished = "message_published"
	EventReminderSent     = "reminder_sent"
	EventUpdateOverdue    = "update_overdue"
	EventReportDue        = "report_due"
	EventTacticalReport   = "tactical_report"
	EventNote             = "note"
	EventSignal           = "signal"
	// EventResync is published locally after the cross-process relay
	// reconnected: listeners should reload what they show.
	EventResync = "resync"
)

// Actor is who does something: a console or API user, the CLI, or Vigie itself.
type Actor struct {
	Username string
	// Person is the plan person id the account is linked to, if any.
	Person string
	// Role is the account role (admin, commander, communication, approver,
	// responder, viewer).
	Role string
}

// System is the actor for automatic actions.
var System = Actor{Username: "vigie", Role: "system"}
