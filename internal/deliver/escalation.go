package deliver

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Escalation is one step of the plan's channel order: a contact subscribed
// on From and To gets a message that has both channels on From first, and
// on To only if From has not reached them After later.
type Escalation struct {
	From, To string
	After    time.Duration
}

// escalation returns the step that applies to an outbox row, or nil: the
// message must carry both channels, and critical incidents send on every
// channel at once.
func (e *Engine) escalation(ctx context.Context, tx *sql.Tx, r outboxRow) (*Escalation, error) {
	if e.o.Escalations == nil {
		return nil, nil
	}
	var found *Escalation
	for _, s := range e.o.Escalations() {
		if s.To == r.channel && s.After > 0 {
			found = &s
			break
		}
	}
	if found == nil {
		return nil, nil
	}
	var channels, severity string
	err := tx.QueryRowContext(ctx, e.q(`SELECT m.channels, i.severity FROM messages m JOIN incidents i ON i.id = m.incident_id WHERE m.id = ?`), r.messageID).
		Scan(&channels, &severity)
	if err != nil {
		return nil, fmt.Errorf("deliver: message %d channels: %w", r.messageID, err)
	}
	var list []string
	if err := json.Unmarshal([]byte(channels), &list); err != nil {
		return nil, fmt.Errorf("deliver: message %d channels: %w", r.messageID, err)
	}
	if severity == "critical" || !slices.Contains(list, found.From) {
		return nil, nil
	}
	return found, nil
}

// clause restricts the recipients of r: first everyone except the contacts
// the first channel can reach; then, once the delay is over, those of them
// it did not reach (nothing sent or delivered to any of their addresses on
// the first channel).
func (s *Escalation) clause(r outboxRow) (string, []any) {
	reachable := ` AND contact <> '' AND EXISTS (SELECT 1 FROM subscribers f WHERE f.contact = subscribers.contact AND f.channel = ? AND f.state = 'confirmed')`
	if r.state != "escalating" {
		return ` AND NOT (contact <> '' AND EXISTS (SELECT 1 FROM subscribers f WHERE f.contact = subscribers.contact AND f.channel = ? AND f.state = 'confirmed'))`, []any{s.From}
	}
	return reachable + ` AND NOT EXISTS (SELECT 1 FROM deliveries d JOIN subscribers f ON f.id = d.subscriber_id
		WHERE d.message_id = ? AND d.channel = ? AND f.contact = subscribers.contact AND d.state IN ('sent', 'delivered'))`, []any{s.From, r.messageID, s.From}
}
