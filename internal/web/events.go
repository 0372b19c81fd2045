package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
)

// heartbeat keeps idle streams open through proxies and notices clients
// that went away.
const heartbeat = 15 * time.Second

// handleEvents streams an incident's timeline as Server-Sent Events: first
// what the client missed (after Last-Event-ID, or ?after= for the first
// connection), then every new event. Hub events only wake the stream up;
// the events themselves are read from the timeline, so a burst the hub
// dropped for a slow client is still delivered, in order.
func (c *Console) handleEvents(w http.ResponseWriter, r *http.Request) {
	v, ok := c.signedIn(r)
	if !ok || v.User.MustChangePassword {
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	}
	if !incident.Can(v.Actor.Role, incident.ActRead) {
		http.Error(w, "this account may not read incidents", http.StatusForbidden)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	if _, err := c.Incidents.Get(ctx, id); err != nil {
		http.Error(w, "no such incident", statusOf(err))
		return
	}
	last := lastEventID(r)

	// Subscribe before reading the backlog so nothing falls in between.
	events, stop := c.Incidents.Hub().Subscribe()
	defer stop()

	rc := http.NewResponseController(w)
	// The server's write timeout would cut a long stream; writes are
	// bounded by the heartbeat instead.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 3000\n\n"); err != nil {
		return
	}
	catchUp := func() error {
		evs, err := c.timeline(ctx, id, last)
		if err != nil {
			return err
		}
		pg := c.textPage(v.Lang)
		for _, e := range evs {
			data, _ := json.Marshal(pg.eventView(e))
			if _, err := fmt.Fprintf(w, "id: %d\nevent: timeline\ndata: %s\n\n", e.ID, data); err != nil {
				return err
			}
			last = e.ID
		}
		return rc.Flush()
	}
	if err := catchUp(); err != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.done:
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			if e.IncidentID != id || e.ID <= last {
				continue
			}
			if err := catchUp(); err != nil {
				return
			}
		case <-tick.C:
			// A signed-out, expired or disabled account stops receiving.
			if _, ok := c.signedIn(r); !ok {
				return
			}
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
			if err := catchUp(); err != nil {
				return
			}
		}
	}
}

// lastEventID is where a stream resumes: the Last-Event-ID header the
// browser sends on reconnection, else ?after= from the page.
func lastEventID(r *http.Request) int64 {
	for _, s := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// textPage is a page without a request, to put events into words.
func (c *Console) textPage(lang string) *page {
	p := c.Plan()
	return &page{Lang: lang, Plan: p, Now: c.Now(), assets: c.assets, loc: location(p)}
}
