package statuspage

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fast-path limits: a request head larger than fastHeadMax goes to
// net/http; a connection idle longer than fastIdle, or whose head takes
// longer than fastReadHead to arrive, is closed.
const (
	fastReadHead    = 5 * time.Second
	fastHeadMax     = 4096
	fastIdle        = 120 * time.Second
	fastWrite       = 60 * time.Second
	fastInlineLimit = 32 << 10 // bodies up to this size are copied into the head's write
)

// FastListener wraps ln for an http.Server that serves this status page.
// During a stampede nearly every request is a GET of a page, an API, a
// feed or an asset that the snapshot already holds; those are answered on
// the connection straight from the snapshot, without net/http's
// per-request machinery (request and header maps, contexts, a background
// read per request). The first request on a connection that is anything
// else — a form, the live stream, the console, a request net/http would
// refuse, an HTTP/1.0 client — hands the connection, with every byte
// already read, to the http.Server through Accept, and net/http serves it
// from then on. Responses are the ones net/http gives for the same
// requests (TestFastPathAnswersAsNetHTTP).
func (s *Server) FastListener(ln net.Listener) net.Listener {
	return s.fastListener(ln, true)
}

// fastListener is FastListener; without eventLoops every connection gets
// a goroutine (the only way off Linux).
func (s *Server) fastListener(ln net.Listener, eventLoops bool) *fastListener {
	f := &fastListener{ln: ln, s: s, handoff: make(chan net.Conn), done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	f.readHead.Store(int64(fastReadHead))
	if eventLoops {
		f.ep = newEpollServer(f)
	}
	go f.acceptLoop()
	return f
}

type fastListener struct {
	ln      net.Listener
	s       *Server
	handoff chan net.Conn
	done    chan struct{}
	once    sync.Once
	err     error // why accepting stopped, set before done closes

	mu    sync.Mutex
	conns map[net.Conn]struct{} // connections the fast path holds

	// handedOver counts connections given to net/http.
	handedOver atomic.Int64
	// readHead is fastReadHead, in nanoseconds (tests shorten it).
	readHead atomic.Int64
	// ep are the event loops (Linux), nil when connections get goroutines.
	ep *epollServer
}

func (f *fastListener) Addr() net.Addr { return f.ln.Addr() }

// Accept returns the connections handed over to net/http.
func (f *fastListener) Accept() (net.Conn, error) {
	select {
	case c := <-f.handoff:
		return c, nil
	case <-f.done:
		return nil, f.err
	}
}

// Close stops accepting and closes the idle fast connections (a request
// being answered finishes first).
func (f *fastListener) Close() error {
	err := f.stop(net.ErrClosed)
	if f.ep != nil {
		f.ep.wake()
	}
	f.mu.Lock()
	for c := range f.conns {
		_ = c.SetReadDeadline(time.Now())
	}
	f.mu.Unlock()
	return err
}

func (f *fastListener) stop(why error) error {
	var err error
	f.once.Do(func() {
		f.err = why
		err = f.ln.Close()
		close(f.done)
	})
	return err
}

func (f *fastListener) acceptLoop() {
	var delay time.Duration
	for {
		c, err := f.ln.Accept()
		if err != nil {
			select {
			case <-f.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			_ = f.stop(err)
			return
		}
		delay = 0
		if f.ep == nil || !f.ep.add(c) {
			go f.serveConn(c)
		}
	}
}

func (f *fastListener) track(c net.Conn, on bool) {
	f.mu.Lock()
	if on {
		f.conns[c] = struct{}{}
	} else {
		delete(f.conns, c)
	}
	f.mu.Unlock()
}

// serveConn answers fast requests until the connection closes or a
// request needs net/http.
func (f *fastListener) serveConn(c net.Conn) {
	f.track(c, true)
	br := fastReaders.Get().(*bufio.Reader)
	br.Reset(c)
	defer func() {
		br.Reset(nil)
		fastReaders.Put(br)
	}()
	var (
		out             []byte
		readBy, writeBy time.Time
	)
	for {
		select {
		case <-f.done:
			f.track(c, false)
			c.Close()
			return
		default:
		}
		// Deadlines move at most once a second: setting one costs a lock
		// and a timer update, more than answering the request.
		now := time.Now()
		if readBy.Sub(now) < fastIdle-time.Second {
			readBy = now.Add(fastIdle)
			_ = c.SetReadDeadline(readBy)
		}
		if _, err := br.Peek(1); err != nil {
			f.track(c, false)
			c.Close()
			return
		}
		head, ok, err := peekHead(br, func() {
			// The head is not all there: the rest must come soon.
			readBy = time.Now().Add(time.Duration(f.readHead.Load()))
			_ = c.SetReadDeadline(readBy)
		})
		if err != nil { // too slow, or gone
			f.track(c, false)
			c.Close()
			return
		}
		var req fastRequest
		if ok {
			ok = req.parse(head)
		}
		var resp []byte
		if ok {
			resp, ok = f.s.fastReply(&req, out[:0])
		}
		if !ok {
			f.track(c, false)
			f.handOver(c, br)
			return
		}
		out = resp
		_, _ = br.Discard(len(head))
		if writeBy.Sub(now) < fastWrite-time.Second {
			writeBy = now.Add(fastWrite)
			_ = c.SetWriteDeadline(writeBy)
		}
		if req.bigBody != nil {
			bufs := net.Buffers{resp, req.bigBody}
			_, err = bufs.WriteTo(c)
		} else {
			_, err = c.Write(resp)
		}
		if err != nil || req.close {
			f.track(c, false)
			c.Close()
			return
		}
		if cap(out) > 64<<10 {
			out = nil // do not keep a large buffer per idle connection
		}
	}
}

// fastReaders are the connections' read buffers: a connection handed to
// net/http (every live stream) gives its buffer back at once.
var fastReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, fastHeadMax) }}

// handOver gives the connection to net/http with the bytes already read.
func (f *fastListener) handOver(c net.Conn, br *bufio.Reader) {
	_ = c.SetDeadline(time.Time{})
	pending, _ := br.Peek(br.Buffered())
	rc := &replayConn{Conn: c, pending: bytes.Clone(pending)}
	f.handedOver.Add(1)
	select {
	case f.handoff <- rc:
	case <-f.done:
		c.Close()
	}
}

// replayConn is a connection whose first reads return bytes read earlier.
type replayConn struct {
	net.Conn
	pending []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// headLength finds a complete request head at the start of buf. It
// returns its length, or 0 when more bytes are needed; netHTTP says the
// head is one for net/http (longer than the fast path's buffer, or with
// lines ending in a bare LF).
func headLength(buf []byte) (n int, netHTTP bool) {
	if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
		return i + 4, false
	}
	return 0, len(buf) >= fastHeadMax || bytes.Contains(buf, []byte("\n\n"))
}

// peekHead returns the request head (through the empty line) without
// consuming it. It reports false, for net/http to answer, when headLength
// says so; an error when the connection fails or the rest of the head
// does not come in time. beforeWait is called once if it has to wait for
// more bytes.
func peekHead(br *bufio.Reader, beforeWait func()) ([]byte, bool, error) {
	waited := false
	for {
		buf, _ := br.Peek(br.Buffered())
		n, netHTTP := headLength(buf)
		if n > 0 {
			return buf[:n], true, nil
		}
		if netHTTP {
			return nil, false, nil
		}
		if !waited {
			beforeWait()
			waited = true
		}
		if _, err := br.Peek(br.Buffered() + 1); err != nil {
			return nil, false, err
		}
	}
}

// fastRequest is the little of a request the fast path looks at.
type fastRequest struct {
	head                                        bool // HEAD rather than GET
	path                                        string
	acceptEncoding, acceptLanguage, ifNoneMatch string
	close                                       bool
	bigBody                                     []byte // a body written apart from the head
}

// parse reads a request head; it reports false for anything but a plain
// HTTP/1.1 GET or HEAD without a body, with one Host, and header fields
// net/http would take as they are.
func (r *fastRequest) parse(head []byte) bool {
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	method, line, ok1 := bytes.Cut(line, []byte(" "))
	target, version, ok2 := bytes.Cut(line, []byte(" "))
	if !ok1 || !ok2 || string(version) != "HTTP/1.1" || len(target) == 0 || target[0] != '/' || bytes.ContainsAny(target, "?%#\\ ") {
		return false
	}
	switch string(method) {
	case "GET":
	case "HEAD":
		r.head = true
	default:
		return false
	}
	r.path = string(target)
	hosts := 0
	seen := 0
	for len(rest) > 2 {
		var field []byte
		field, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(field, []byte(":"))
		if !ok || !validName(name) || !validValue(value) {
			return false
		}
		v := string(bytes.Trim(value, " \t"))
		var bit int
		switch {
		case asciiEqualFold(name, "host"):
			hosts++
			continue
		case asciiEqualFold(name, "accept-encoding"):
			bit, r.acceptEncoding = 1, v
		case asciiEqualFold(name, "accept-language"):
			bit, r.acceptLanguage = 2, v
		case asciiEqualFold(name, "if-none-match"):
			bit, r.ifNoneMatch = 4, v
		case asciiEqualFold(name, "connection"):
			bit = 8
			switch {
			case strings.EqualFold(v, "close"):
				r.close = true
			case strings.EqualFold(v, "keep-alive"), v == "":
			default:
				return false
			}
		case asciiEqualFold(name, "content-length"):
			if v != "0" {
				return false
			}
			bit = 16
		case asciiEqualFold(name, "transfer-encoding"), asciiEqualFold(name, "expect"), asciiEqualFold(name, "upgrade"),
			asciiEqualFold(name, "te"), asciiEqualFold(name, "trailer"):
			return false
		}
		if seen&bit != 0 { // a repeated field: let net/http combine it
			return false
		}
		seen |= bit
	}
	return hosts == 1
}

// validName reports whether b is a header field name token.
func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validValue refuses control characters (obs-fold lines start with space
// and fail validName on the next line instead).
func validValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// fastPath reports whether path is one of the snapshot routes Routes
// registered.
func (s *Server) fastPath(path string) bool {
	switch path {
	case "/history.rss", "/history.atom", "/badge.svg", "/widget.js", "/sw.js":
		return true
	}
	if strings.HasPrefix(path, "/api/v2/") || strings.HasPrefix(path, "/assets/") {
		return true
	}
	for _, l := range s.routedLangs {
		if len(path) > len(l)+1 && path[0] == '/' && path[1:1+len(l)] == l && (path[1+len(l):] == "/" || path[1+len(l):] == "/faq/") {
			return true
		}
	}
	return false
}

// fastReply appends the response head (and the body, when small) for r
// to out; false when net/http should answer.
func (s *Server) fastReply(r *fastRequest, out []byte) ([]byte, bool) {
	snap := s.current.Load()
	if snap == nil {
		return nil, false
	}
	var (
		e    *entry
		vary []string
		root bool
		lang string
	)
	switch {
	case r.path == "/":
		root = true
		lang = snap.pickLangHeader(r.acceptLanguage)
		e, vary = snap.entries["/"+lang+"/"], varyLanguage
	case s.fastPath(r.path):
		e = snap.entries[r.path]
	}
	if e == nil {
		return nil, false
	}
	v, vary := e.pick(r.acceptEncoding, vary)
	body, etag, length := v.body, v.etag[0], v.length[0]
	notModified := r.ifNoneMatch != "" && etagMatch(r.ifNoneMatch, etag)
	if notModified {
		out = append(out, "HTTP/1.1 304 Not Modified\r\n"...)
	} else {
		out = append(out, "HTTP/1.1 200 OK\r\n"...)
	}
	if root || strings.HasPrefix(e.ctype, "text/html") {
		out = append(out, "Content-Security-Policy: "+cspValue+"\r\nReferrer-Policy: no-referrer\r\n"...)
	}
	if root {
		out = append(out, "Content-Language: "...)
		out = append(out, lang...)
		out = append(out, "\r\n"...)
	}
	if strings.HasPrefix(r.path, "/api/v2/") || r.path == "/badge.svg" || r.path == "/widget.js" {
		out = append(out, "Access-Control-Allow-Origin: *\r\n"...)
	}
	out = append(out, "Cache-Control: "...)
	out = append(out, e.cache...)
	if v.enc != nil {
		out = append(out, "\r\nContent-Encoding: "...)
		out = append(out, v.enc[0]...)
	}
	if !notModified {
		out = append(out, "\r\nContent-Length: "...)
		out = append(out, length...)
		out = append(out, "\r\nContent-Type: "...)
		out = append(out, e.ctype...)
	}
	out = append(out, "\r\nDate: "...)
	out = append(out, httpDate()...)
	out = append(out, "\r\nEtag: "...)
	out = append(out, etag...)
	if vary != nil {
		out = append(out, "\r\nVary: "...)
		out = append(out, vary[0]...)
	}
	out = append(out, "\r\nX-Content-Type-Options: nosniff\r\n"...)
	if r.close {
		out = append(out, "Connection: close\r\n"...)
	}
	out = append(out, "\r\n"...)
	if notModified || r.head {
		return out, true
	}
	if len(body) <= fastInlineLimit {
		return append(out, body...), true
	}
	r.bigBody = body
	return out, true
}

// pickLangHeader is pickLang for an Accept-Language value.
func (snap *Snapshot) pickLangHeader(acceptLanguage string) string {
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		for _, l := range snap.langs {
			if l == base {
				return l
			}
		}
	}
	return snap.langs[0]
}

// dateCache holds the Date header of the current second.
var dateCache atomic.Pointer[cachedDate]

type cachedDate struct {
	sec int64
	s   string
}

func httpDate() string {
	now := time.Now()
	if d := dateCache.Load(); d != nil && d.sec == now.Unix() {
		return d.s
	}
	d := &cachedDate{sec: now.Unix(), s: now.UTC().Format(http.TimeFormat)}
	dateCache.Store(d)
	return d.s
}
