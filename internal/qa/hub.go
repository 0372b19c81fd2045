package qa

import "sync"

// hub tells listeners that something visitors see changed. Notifications
// coalesce: a listener busy with one change gets one more notification,
// not one per change, and reads the current state then.
type hub struct {
	mu      sync.Mutex
	version int64
	subs    map[chan struct{}]struct{}
}

func newHub() *hub { return &hub{subs: map[chan struct{}]struct{}{}} }

func (h *hub) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, ch)
			h.mu.Unlock()
		})
	}
}

func (h *hub) notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.version++
	for ch := range h.subs {
		select {
		case ch <- struct{}{}:
		default: // already notified, not yet read
		}
	}
}

func (h *hub) current() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.version
}
