package probe

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Traffic defaults.
const (
	DefaultTrafficWindow     = 5 * time.Minute
	DefaultTrafficMinSamples = 20
	DefaultMaxFailureRatio   = 0.2
	DefaultMaxDeliveryP90    = 2 * time.Minute
	maxTrafficPending        = 50000
)

// Traffic watches the statuses of the business's real messages over a
// sliding window: the share that fail and how long sent→delivered takes.
// It is both a StatusObserver (fed by the webhook) and a Probe whose Run
// reports on the window; below MinSamples it reports ClassNoData.
type Traffic struct {
	Spec
	Window     time.Duration
	MinSamples int
	// MaxFailureRatio above which the window is reported undelivered.
	MaxFailureRatio float64
	// MaxDeliveryP90 above which the window is reported slow.
	MaxDeliveryP90 time.Duration
	// StuckAfter turns a sent message with no outcome into a failure;
	// defaults to Window.
	StuckAfter time.Duration
	Clock      Clock

	mu        sync.Mutex
	lastEvict time.Time
	pending   map[string]pendingMsg
	done      map[string]time.Time
	samples   []trafficSample
}

var (
	_ Probe          = (*Traffic)(nil)
	_ StatusObserver = (*Traffic)(nil)
)

type pendingMsg struct {
	sentAt   time.Time // Meta's timestamp, or arrival when absent
	received time.Time
}

type trafficSample struct {
	at      time.Time
	failed  bool
	latency time.Duration // -1 when unknown
}

// TrafficStats summarises the current window.
type TrafficStats struct {
	Samples      int
	Failures     int
	FailureRatio float64
	// P50 and P90 are sent→delivered latencies; zero without latency samples.
	P50, P90 time.Duration
}

// Name returns the probe name.
func (t *Traffic) Name() string { return t.Spec.Name }

func (t *Traffic) window() time.Duration {
	if t.Window > 0 {
		return t.Window
	}
	return DefaultTrafficWindow
}

// Observe records one status of a real message.
func (t *Traffic) Observe(s Status) {
	now := clockOr(t.Clock).Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending == nil {
		t.pending = make(map[string]pendingMsg)
		t.done = make(map[string]time.Time)
	}
	// Eviction walks every pending message: at most once a second here.
	if now.Sub(t.lastEvict) >= time.Second {
		t.evict(now)
	}
	if _, finished := t.done[s.ID]; finished {
		return // "read" after "delivered", or a retried notification
	}
	stamp := s.Timestamp
	if stamp.IsZero() {
		stamp = now
	}
	switch s.Status {
	case StatusSent:
		if _, ok := t.pending[s.ID]; !ok && len(t.pending) < maxTrafficPending {
			t.pending[s.ID] = pendingMsg{sentAt: stamp, received: now}
		}
	case StatusDelivered, StatusRead:
		lat := time.Duration(-1)
		if p, ok := t.pending[s.ID]; ok {
			lat = max(stamp.Sub(p.sentAt), 0)
		}
		t.finish(s.ID, now, false, lat)
	case StatusFailed:
		t.finish(s.ID, now, true, -1)
	}
}

func (t *Traffic) finish(id string, now time.Time, failed bool, lat time.Duration) {
	delete(t.pending, id)
	t.done[id] = now
	t.samples = append(t.samples, trafficSample{at: now, failed: failed, latency: lat})
}

// evict drops samples older than the window and turns stuck messages into
// failures. Callers hold t.mu.
func (t *Traffic) evict(now time.Time) {
	t.lastEvict = now
	stuck := t.StuckAfter
	if stuck <= 0 {
		stuck = t.window()
	}
	for id, p := range t.pending {
		if now.Sub(p.received) >= stuck {
			t.finish(id, now, true, -1)
		}
	}
	cut := now.Add(-t.window())
	i := 0
	for i < len(t.samples) && !t.samples[i].at.After(cut) {
		i++
	}
	t.samples = slices.Delete(t.samples, 0, i)
	for id, at := range t.done {
		if !at.After(cut) {
			delete(t.done, id)
		}
	}
}

// Stats summarises the window as of now.
func (t *Traffic) Stats() TrafficStats {
	now := clockOr(t.Clock).Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.evict(now)
	var st TrafficStats
	var lats []time.Duration
	for _, s := range t.samples {
		st.Samples++
		if s.failed {
			st.Failures++
		}
		if s.latency >= 0 {
			lats = append(lats, s.latency)
		}
	}
	if st.Samples > 0 {
		st.FailureRatio = float64(st.Failures) / float64(st.Samples)
	}
	if len(lats) > 0 {
		slices.Sort(lats)
		st.P50 = lats[(len(lats)-1)*50/100]
		st.P90 = lats[(len(lats)-1)*90/100]
	}
	return st
}

// Run reports on the window; Result.Latency is the median delivery latency.
func (t *Traffic) Run(_ context.Context) Result {
	clk := clockOr(t.Clock)
	res := t.result(FamilyTraffic, "webhook statuses", clk.Now())
	st := t.Stats()
	minSamples := t.MinSamples
	if minSamples <= 0 {
		minSamples = DefaultTrafficMinSamples
	}
	maxRatio := t.MaxFailureRatio
	if maxRatio <= 0 {
		maxRatio = DefaultMaxFailureRatio
	}
	maxP90 := t.MaxDeliveryP90
	if maxP90 <= 0 {
		maxP90 = DefaultMaxDeliveryP90
	}
	res.Latency = st.P50
	res.Detail = fmt.Sprintf("%d messages in %s, %d failed (%.0f%%), delivery p50 %s p90 %s",
		st.Samples, t.window(), st.Failures, st.FailureRatio*100, st.P50, st.P90)
	switch {
	case st.Samples < minSamples:
		res.Class = ClassNoData
		res.Detail = fmt.Sprintf("%d of %d messages needed in %s", st.Samples, minSamples, t.window())
	case st.FailureRatio > maxRatio:
		res.Class = ClassUndelivered
	case st.P90 > maxP90:
		res.Class = ClassSlow
	}
	res.OK = res.Class == ClassNone
	return res
}
