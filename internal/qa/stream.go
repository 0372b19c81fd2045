package qa

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// streamWriteTimeout bounds one write to a live connection, so a reader
// that went away is noticed.
const streamWriteTimeout = 10 * time.Second

// handleEvents streams the live region over Server-Sent Events: an
// "update" event carries the list's HTML in the page language after every
// visible change. A client that saw an older version (Last-Event-ID, or
// ?since= from the page it loaded) gets the current list at once.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if n := s.streams.Add(1); n > int64(s.o.MaxStreams) {
		s.streams.Add(-1)
		w.Header().Set("Retry-After", "30")
		http.Error(w, "too many live connections; reload the page for news", http.StatusServiceUnavailable)
		return
	}
	defer s.streams.Add(-1)
	lang := s.lang(r, s.o.Plan())
	changes, stop := s.o.Service.Changes()
	defer stop()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(b []byte) error {
		// The server's WriteTimeout would end the stream; each write is
		// bounded instead.
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := write([]byte("retry: 3000\n\n")); err != nil {
		return
	}
	seen := r.Header.Get("Last-Event-ID")
	if seen == "" {
		seen = r.URL.Query().Get("since")
	}
	send := func() error {
		f, err := s.frame(r.Context(), lang)
		if err != nil {
			s.o.Logger.Error("qa: live update", "err", err)
			return nil // keep the stream; the next change tries again
		}
		if strconv.FormatInt(f.version, 10) == seen {
			return nil
		}
		seen = strconv.FormatInt(f.version, 10)
		return write(f.data)
	}
	if seen != "" {
		if err := send(); err != nil {
			return
		}
	} else {
		seen = strconv.FormatInt(s.o.Service.Version(), 10)
	}
	tick := time.NewTicker(s.o.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-changes:
			if err := send(); err != nil {
				return
			}
		case <-tick.C:
			if err := write([]byte(": keep-alive\n\n")); err != nil {
				return
			}
		}
	}
}

// frame returns the update event for lang at the current version,
// rendered once per version and language whatever the number of streams.
func (s *Server) frame(ctx context.Context, lang string) (frame, error) {
	version := s.o.Service.Version()
	s.framesMu.Lock()
	defer s.framesMu.Unlock()
	if f, ok := s.frames[lang]; ok && f.version == version {
		return f, nil
	}
	body := map[string]any{"version": version, "html": ""}
	sess, err := s.o.Service.Current(ctx)
	switch {
	case err == nil:
		lv, err := s.list(ctx, s.o.Plan(), sess, lang)
		if err != nil {
			return frame{}, err
		}
		html, err := s.renderList(lv)
		if err != nil {
			return frame{}, err
		}
		body["html"], body["session"] = html, sess.ID
	case IsNotFound(err):
		body["closed"] = true
	default:
		return frame{}, err
	}
	data, err := json.Marshal(body)
	if err != nil {
		return frame{}, fmt.Errorf("qa: encode live update: %w", err)
	}
	f := frame{version: version, data: fmt.Appendf(nil, "id: %d\nevent: update\ndata: %s\n\n", version, data)}
	s.frames[lang] = f
	return f, nil
}
