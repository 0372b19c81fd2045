package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
)

// sseEvent is one Server-Sent Event as read off the wire.
type sseEvent struct {
	ID, Event, Data string
}

// openStream connects to an incident's event stream and returns its
// events on a channel that closes when the stream ends.
func openStream(t *testing.T, ctx context.Context, c *client, path string, header ...string) (*http.Response, <-chan sseEvent) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.s.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// No client timeout: the stream lives until ctx ends.
	hc := &http.Client{Jar: c.http.Jar}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan sseEvent, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Data != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.Data += line[6:]
			}
		}
	}()
	return resp, out
}

// waitFor reads events until one satisfies ok, failing at the deadline.
func waitFor(t *testing.T, events <-chan sseEvent, deadline time.Duration, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	timeout := time.After(deadline)
	for {
		select {
		case ev, open := <-events:
			if !open {
				t.Fatal("event stream ended")
			}
			var data map[string]any
			if err := json.Unmarshal([]byte(ev.Data), &data); err != nil {
				t.Fatalf("event data %q: %v", ev.Data, err)
			}
			if ev.Event != "timeline" || ev.ID != fmt.Sprint(data["id"]) {
				t.Fatalf("malformed event: %+v", ev)
			}
			if ok(data) {
				return data
			}
		case <-timeout:
			t.Fatalf("no matching event within %s", deadline)
		}
	}
}

func TestEventStreamDeliversActions(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	marie := s.login("marie", account.RoleCommander, "marie")
	id, _ := marie.declare("whatsapp-outage")
	evs, err := s.app.Incidents().Timeline(context.Background(), id, 0, 0)
	if err != nil || len(evs) == 0 {
		t.Fatalf("timeline: %v", err)
	}
	last := evs[len(evs)-1].ID

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, stream := openStream(t, ctx, marie, fmt.Sprintf("%s/events?after=%d", roomURL(id), last))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// An action after connecting arrives, in words.
	marie.post(roomURL(id)+"/notes", url.Values{"text": {"Meta confirms the outage."}})
	ev := waitFor(t, stream, 10*time.Second, func(d map[string]any) bool { return d["kind"] == "note" })
	if ev["text"] != "Meta confirms the outage." || ev["actor"] != "marie" || ev["clock"] == "" {
		t.Fatalf("note event: %v", ev)
	}
	// Another incident's events are not sent on this stream.
	marie.declare("site-down")
	marie.post(roomURL(id)+"/state", url.Values{"state": {"identified"}})
	ev = waitFor(t, stream, 10*time.Second, func(d map[string]any) bool { return d["kind"] != "note" })
	if ev["kind"] != "state_changed" || !strings.Contains(ev["text"].(string), "identified") {
		t.Fatalf("first event after the note: %v", ev)
	}
}

func TestEventStreamResumesFromLastEventID(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	karim := s.login("karim", account.RoleCommunication, "karim")
	id, _ := karim.declare("whatsapp-outage")
	evs, _ := s.app.Incidents().Timeline(context.Background(), id, 0, 0)
	// Resume from the first event: every later one is replayed, in order,
	// before anything new. Last-Event-ID wins over ?after=.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, stream := openStream(t, ctx, karim, fmt.Sprintf("%s/events?after=%d", roomURL(id), evs[len(evs)-1].ID), "Last-Event-ID", fmt.Sprint(evs[0].ID))
	for _, want := range evs[1:] {
		got := waitFor(t, stream, 5*time.Second, func(map[string]any) bool { return true })
		if fmt.Sprint(got["id"]) != fmt.Sprint(want.ID) || got["kind"] != want.Kind {
			t.Fatalf("replayed %v, want event %d (%s)", got, want.ID, want.Kind)
		}
	}
}

func TestEventStreamNeedsSignIn(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	marie := s.login("marie", account.RoleCommander, "marie")
	id, _ := marie.declare("whatsapp-outage")
	anon := s.client()
	resp, _ := anon.get(roomURL(id) + "/events")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous stream: %d", resp.StatusCode)
	}
	if resp, _ := marie.get(roomURL(id+7) + "/events"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("stream of a missing incident: %d", resp.StatusCode)
	}
}

// TestShutdownEndsStreams checks that an open stream does not hold the
// server's graceful shutdown (newTestServer's cleanup fails after 10 s).
func TestShutdownEndsStreams(t *testing.T) {
	t.Parallel()
	// Registered first, so it runs after the server's shutdown: the client
	// keeps the stream open while the server stops.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := newTestServer(t)
	marie := s.login("marie", account.RoleCommander, "marie")
	id, _ := marie.declare("whatsapp-outage")
	resp, _ := openStream(t, ctx, marie, roomURL(id)+"/events")
	if resp.StatusCode != 200 {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
}
