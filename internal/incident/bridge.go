package incident

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/vigie-hq/vigie/internal/store"
)

// notifyChannel is the PostgreSQL channel timeline events travel on.
const notifyChannel = "vigie_events"

// RunBridge relays timeline events between Vigie processes sharing one
// PostgreSQL database, so a change made through any of them reaches the
// live pages and consoles of all of them: local events are announced with
// NOTIFY (incident and event id only), and announced events from other
// processes are read from the timeline and published on the local hub
// marked Remote. It returns at once on SQLite (one process) and otherwise
// runs until ctx is done.
func (s *Service) RunBridge(ctx context.Context) error {
	if s.db.Dialect() != store.Postgres {
		return nil
	}
	sent := newRecent(4096)
	local, stop := s.hub.Subscribe()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for e := range local {
			if e.Remote || e.ID == 0 {
				continue
			}
			sent.add(e.ID)
			if err := s.db.Notify(ctx, notifyChannel, fmt.Sprintf("%d:%d", e.IncidentID, e.ID)); err != nil && ctx.Err() == nil {
				s.logger.Warn("announce event to other processes", "event", e.ID, "err", err)
			}
		}
	}()
	err := s.db.Listen(ctx, notifyChannel, func(payload string) {
		inc, ev, ok := strings.Cut(payload, ":")
		if !ok {
			return
		}
		id, err1 := strconv.ParseInt(ev, 10, 64)
		incID, err2 := strconv.ParseInt(inc, 10, 64)
		if err1 != nil || err2 != nil || sent.has(id) {
			return
		}
		events, err := s.Timeline(ctx, incID, id-1, 1)
		if err != nil || len(events) == 0 || events[0].ID != id {
			s.hub.Publish(Event{Kind: EventResync, IncidentID: incID, Remote: true})
			return
		}
		e := events[0]
		e.Remote = true
		s.hub.Publish(e)
	}, func() { s.hub.Publish(Event{Kind: EventResync, Remote: true}) })
	stop()
	wg.Wait()
	return err
}

// recent is a bounded set of event ids this process announced.
type recent struct {
	mu   sync.Mutex
	ids  map[int64]struct{}
	ring []int64
	next int
}

func newRecent(n int) *recent { return &recent{ids: map[int64]struct{}{}, ring: make([]int64, n)} }

func (r *recent) add(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.ids, r.ring[r.next])
	r.ring[r.next] = id
	r.ids[id] = struct{}{}
	r.next = (r.next + 1) % len(r.ring)
}

func (r *recent) has(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.ids[id]
	return ok
}
