package statuspage

import (
	"net"
	"sync"
	"time"
)

// streams holds the live-update connections. They are hijacked from
// net/http once their headers are written, so an idle connection costs a
// socket and a few hundred bytes — no goroutine, no buffers — and ten
// thousand open pages fit in a small memory budget. Updates and heartbeats
// are written by a bounded pool of workers with a write deadline; a
// connection that fails a write is closed and forgotten.
type streams struct {
	mu    sync.Mutex
	conns map[*stream]struct{}
}

type stream struct {
	conn net.Conn
	lang string
	mu   sync.Mutex // serialises writes to conn
}

const (
	streamWorkers      = 64
	streamWriteTimeout = 5 * time.Second
)

var heartbeatFrame = []byte(": keep-alive\n\n")

func newStreams() *streams { return &streams{conns: map[*stream]struct{}{}} }

func (ss *streams) count() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.conns)
}

func (ss *streams) add(s *stream) {
	ss.mu.Lock()
	ss.conns[s] = struct{}{}
	ss.mu.Unlock()
}

func (ss *streams) drop(s *stream) {
	ss.mu.Lock()
	delete(ss.conns, s)
	ss.mu.Unlock()
	_ = s.conn.Close()
}

func (ss *streams) snapshot() []*stream {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make([]*stream, 0, len(ss.conns))
	for s := range ss.conns {
		out = append(out, s)
	}
	return out
}

// write sends frame(s) to every stream with a bounded pool of workers.
func (ss *streams) write(frame func(*stream) []byte) {
	all := ss.snapshot()
	if len(all) == 0 {
		return
	}
	work := make(chan *stream)
	var wg sync.WaitGroup
	for i := 0; i < min(streamWorkers, len(all)); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range work {
				if err := s.send(frame(s)); err != nil {
					ss.drop(s)
				}
			}
		}()
	}
	for _, s := range all {
		work <- s
	}
	close(work)
	wg.Wait()
}

func (s *stream) send(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.conn.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	_, err := s.conn.Write(b)
	return err
}

// closeAll closes every stream (server shutdown).
func (ss *streams) closeAll() {
	for _, s := range ss.snapshot() {
		ss.drop(s)
	}
}
