package probe

import (
	"sync"
	"time"
)

// Message statuses reported by Meta's messages webhook.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
)

// Status is one status update of an outgoing message, from the webhook.
type Status struct {
	// ID is the message's wamid.
	ID          string
	Status      string
	Timestamp   time.Time
	RecipientID string
	Errors      []StatusError
}

// StatusError is an entry of a status's errors array.
type StatusError struct {
	Code    int
	Title   string
	Message string
	Details string
}

// StatusObserver receives every status the webhook accepts.
type StatusObserver interface {
	Observe(s Status)
}

// trackerEarly bounds the statuses kept for messages nobody watches yet.
const trackerEarly = 1024

// Tracker routes webhook statuses to canaries waiting for their message.
// A status may arrive before the send call returns the wamid, so recent
// unclaimed statuses are kept (bounded) and replayed to a late Watch.
type Tracker struct {
	mu      sync.Mutex
	waiters map[string]chan Status
	early   []Status
}

var _ StatusObserver = (*Tracker)(nil)

// NewTracker returns an empty Tracker.
func NewTracker() *Tracker {
	return &Tracker{waiters: make(map[string]chan Status)}
}

// Observe hands s to its waiter, or keeps it for a later Watch.
func (t *Tracker) Observe(s Status) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ch, ok := t.waiters[s.ID]; ok {
		offer(ch, s)
		return
	}
	if len(t.early) >= trackerEarly {
		t.early = t.early[1:]
	}
	t.early = append(t.early, s)
}

// Watch returns the statuses of message id, including ones already
// received, until stop is called.
func (t *Tracker) Watch(id string) (statuses <-chan Status, stop func()) {
	ch := make(chan Status, 16)
	t.mu.Lock()
	defer t.mu.Unlock()
	kept := t.early[:0]
	for _, s := range t.early {
		if s.ID == id {
			offer(ch, s)
			continue
		}
		kept = append(kept, s)
	}
	t.early = kept
	t.waiters[id] = ch
	return ch, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.waiters, id)
	}
}

// offer never blocks the webhook: a message gets only a handful of
// statuses, far fewer than the buffer.
func offer(ch chan Status, s Status) {
	select {
	case ch <- s:
	default:
	}
}
