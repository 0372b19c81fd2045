//go:build linux

package statuspage

import (
	"bytes"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// On Linux the fast path runs event loops, one per processor, as nginx
// does: each owns an epoll set and the sockets in it, reads and answers on
// its own thread. A goroutine per connection costs a park and a wake-up per
// request, and under load a ready connection can wait for the Go scheduler:
// on two cores shared with the load generator that tail was 1.5x nginx's
// p99, the event loops' is below it.

// epollServer is the fast path's event loops.
type epollServer struct {
	f     *fastListener
	loops []*eloop
	next  int
}

// eloop is one event loop.
type eloop struct {
	f         *fastListener
	epfd      int
	wakeR     int // read end of the pipe that wakes the loop on Close
	wakeW     int
	mu        sync.Mutex
	conns     map[int]*econn
	events    []syscall.EpollEvent
	scratch   []byte
	lastSweep time.Time
}

// econn is a connection a loop owns (its own duplicate of the socket).
type econn struct {
	fd                int
	in                []byte // request bytes not answered yet
	pending           []byte // answer bytes the socket did not take yet
	lastActive        time.Time
	headStarted       time.Time // a partial head is waiting since
	writeStarted      time.Time // pending output is waiting since
	closeAfterPending bool
}

func newEpollServer(f *fastListener) *epollServer {
	n := runtime.GOMAXPROCS(0)
	s := &epollServer{f: f}
	for range n {
		l, err := newLoop(f)
		if err != nil {
			for _, l := range s.loops {
				l.shutdown()
			}
			return nil // the goroutine path serves instead
		}
		s.loops = append(s.loops, l)
		go l.run()
	}
	return s
}

func newLoop(f *fastListener) (*eloop, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(p[0])}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p[0], &ev); err != nil {
		syscall.Close(epfd)
		syscall.Close(p[0])
		syscall.Close(p[1])
		return nil, err
	}
	return &eloop{f: f, epfd: epfd, wakeR: p[0], wakeW: p[1], conns: map[int]*econn{}, events: make([]syscall.EpollEvent, 256)}, nil
}

// add gives a new connection to a loop; false if it cannot (the goroutine
// path then serves it).
func (s *epollServer) add(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	fd := -1
	if cerr := raw.Control(func(s uintptr) {
		fd, err = syscall.Dup(int(s))
	}); cerr != nil || err != nil {
		return false
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return false
	}
	l := s.loops[s.next%len(s.loops)]
	s.next++
	ec := &econn{fd: fd, in: (*inBuffers.Get().(*[]byte))[:0], lastActive: time.Now()}
	l.mu.Lock()
	l.conns[fd] = ec
	l.mu.Unlock()
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		l.mu.Lock()
		delete(l.conns, fd)
		l.mu.Unlock()
		syscall.Close(fd)
		return false
	}
	c.Close() // the loop's duplicate keeps the socket open
	return true
}

// wake interrupts the loops (Close).
func (s *epollServer) wake() {
	for _, l := range s.loops {
		_, _ = syscall.Write(l.wakeW, []byte{1})
	}
}

func (l *eloop) run() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for {
		n, err := l.pollReady()
		if n == 0 && err == nil {
			n, err = syscall.EpollWait(l.epfd, l.events, 1000)
		}
		if err != nil && err != syscall.EINTR {
			l.shutdown()
			return
		}
		select {
		case <-l.f.done:
			l.shutdown()
			return
		default:
		}
		now := time.Now()
		for i := 0; i < n; i++ {
			ev := l.events[i]
			fd := int(ev.Fd)
			if fd == l.wakeR {
				continue
			}
			l.mu.Lock()
			c := l.conns[fd]
			l.mu.Unlock()
			if c == nil {
				continue
			}
			if ev.Events&(syscall.EPOLLERR|syscall.EPOLLHUP) != 0 {
				l.closeConn(c)
				continue
			}
			if ev.Events&syscall.EPOLLOUT != 0 && len(c.pending) > 0 {
				if !l.flush(c, now) {
					continue
				}
			}
			if ev.Events&(syscall.EPOLLIN|syscall.EPOLLRDHUP) != 0 {
				l.readAndServe(c, now)
			}
		}
		if now.Sub(l.lastSweep) >= time.Second {
			l.sweep(now)
			l.lastSweep = now
		}
	}
}

// pollReady returns the events ready now, without blocking. Under load
// something is nearly always ready, and this call keeps the loop on its Go
// processor: a blocking system call may lose the processor to the
// scheduler and then wait to win it back, which showed in the tail
// latency. The loop blocks (in EpollWait) only when nothing is ready.
func (l *eloop) pollReady() (int, error) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(l.epfd), uintptr(unsafe.Pointer(&l.events[0])), uintptr(len(l.events)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// rawIO is read(2) (syscall.SYS_READ) or write(2) (syscall.SYS_WRITE)
// on a non-blocking socket: it never blocks, so it need not tell the
// scheduler (see pollReady).
func rawIO(trap uintptr, fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	r, _, e := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// readAndServe reads what the socket has and answers complete requests.
func (l *eloop) readAndServe(c *econn, now time.Time) {
	if len(c.pending) > 0 {
		return // answers first: read more once the client takes them
	}
	for len(c.in) < cap(c.in) {
		m, err := rawIO(syscall.SYS_READ, c.fd, c.in[len(c.in):cap(c.in)])
		if err == syscall.EAGAIN || err == syscall.EINTR {
			break
		}
		if err != nil || m <= 0 {
			l.closeConn(c)
			return
		}
		c.in = c.in[:len(c.in)+m]
		c.lastActive = now
		if len(c.in) < cap(c.in) {
			break
		}
	}
	l.serve(c, now)
}

// serve answers the complete requests in c.in, in order.
func (l *eloop) serve(c *econn, now time.Time) {
	for len(c.pending) == 0 && len(c.in) > 0 {
		n, netHTTP := headLength(c.in)
		if netHTTP {
			l.handOver(c)
			return
		}
		if n == 0 {
			if c.headStarted.IsZero() {
				c.headStarted = now
			}
			return
		}
		head := c.in[:n]
		var req fastRequest
		ok := req.parse(head)
		var resp []byte
		if ok {
			resp, ok = l.f.s.fastReply(&req, l.scratch[:0])
		}
		if !ok {
			l.handOver(c)
			return
		}
		l.scratch = resp
		c.in = c.in[:copy(c.in, c.in[n:])]
		c.headStarted = time.Time{}
		c.closeAfterPending = req.close
		if !l.write(c, resp, now) {
			return
		}
		if req.bigBody != nil && !l.write(c, req.bigBody, now) {
			return
		}
		if req.close {
			l.closeConn(c)
			return
		}
	}
	if cap(l.scratch) > 64<<10 {
		l.scratch = nil
	}
}

// write sends b; what the socket does not take waits for EPOLLOUT. It
// reports whether everything went (false also when the connection died).
func (l *eloop) write(c *econn, b []byte, now time.Time) bool {
	if len(c.pending) > 0 {
		c.pending = append(c.pending, b...)
		return false
	}
	for len(b) > 0 {
		n, err := rawIO(syscall.SYS_WRITE, c.fd, b)
		if err == syscall.EAGAIN || err == syscall.EINTR {
			break
		}
		if err != nil {
			l.closeConn(c)
			return false
		}
		b = b[n:]
	}
	if len(b) == 0 {
		return true
	}
	c.pending = append(c.pending[:0], b...)
	c.writeStarted = now
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLOUT, Fd: int32(c.fd)}
	_ = syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_MOD, c.fd, &ev)
	return false
}

// flush sends pending output; it reports whether it all went and the
// connection lives on.
func (l *eloop) flush(c *econn, now time.Time) bool {
	b := c.pending
	for len(b) > 0 {
		n, err := rawIO(syscall.SYS_WRITE, c.fd, b)
		if err == syscall.EAGAIN || err == syscall.EINTR {
			c.pending = c.pending[:copy(c.pending, b)]
			return false
		}
		if err != nil {
			l.closeConn(c)
			return false
		}
		b = b[n:]
	}
	c.pending = c.pending[:0]
	if c.closeAfterPending {
		l.closeConn(c)
		return false
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(c.fd)}
	_ = syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_MOD, c.fd, &ev)
	l.serve(c, now) // requests that arrived meanwhile
	return true
}

// inBuffers are the connections' request buffers: a connection handed to
// net/http (every live stream) or closed gives its buffer back.
var inBuffers = sync.Pool{New: func() any { b := make([]byte, 0, fastHeadMax); return &b }}

// handOver gives the connection and its unanswered bytes to net/http.
func (l *eloop) handOver(c *econn) {
	pending := bytes.Clone(c.in)
	l.forget(c)
	f := os.NewFile(uintptr(c.fd), "")
	conn, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return
	}
	rc := &replayConn{Conn: conn, pending: pending}
	l.f.handedOver.Add(1)
	go func() {
		select {
		case l.f.handoff <- rc:
		case <-l.f.done:
			conn.Close()
		}
	}()
}

func (l *eloop) forget(c *econn) {
	_ = syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	l.mu.Lock()
	delete(l.conns, c.fd)
	l.mu.Unlock()
	if c.in != nil {
		b := c.in[:0]
		inBuffers.Put(&b)
		c.in = nil
	}
}

func (l *eloop) closeConn(c *econn) {
	l.forget(c)
	syscall.Close(c.fd)
}

// sweep closes connections idle too long, heads that stall and answers
// the client does not take.
func (l *eloop) sweep(now time.Time) {
	l.mu.Lock()
	var expired []*econn
	for _, c := range l.conns {
		switch {
		case !c.headStarted.IsZero() && now.Sub(c.headStarted) > time.Duration(l.f.readHead.Load()),
			len(c.pending) > 0 && now.Sub(c.writeStarted) > fastWrite,
			len(c.pending) == 0 && len(c.in) == 0 && now.Sub(c.lastActive) > fastIdle:
			expired = append(expired, c)
		}
	}
	l.mu.Unlock()
	for _, c := range expired {
		l.closeConn(c)
	}
}

// shutdown closes every connection of the loop and the loop itself.
func (l *eloop) shutdown() {
	l.mu.Lock()
	conns := make([]*econn, 0, len(l.conns))
	for _, c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		l.closeConn(c)
	}
	syscall.Close(l.epfd)
	syscall.Close(l.wakeR)
	syscall.Close(l.wakeW)
}
