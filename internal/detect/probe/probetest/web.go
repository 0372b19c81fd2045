package probetest

import (
	"bufio"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// WebMode is how the web server treats new connections.
type WebMode int

// Web server behaviours.
const (
	WebUp    WebMode = iota // serve normally
	WebDown                 // listener closed: connections are refused
	WebStall                // accept TCP but never speak: TLS and HTTP time out
)

// WebServer is one HTTPS endpoint on 127.0.0.1 standing in for a WhatsApp
// host: TCP connect, TLS handshake, GET / and a WebSocket upgrade at /ws.
type WebServer struct {
	addr string
	cert tls.Certificate
	pool *x509.CertPool
	srv  *http.Server

	mu        sync.Mutex
	mode      WebMode
	raw       net.Listener
	status    int
	delay     time.Duration
	badAccept bool
	held      []net.Conn
	closed    bool
}

// StartWeb listens on a free 127.0.0.1 port with a certificate that is
// also valid for names.
func StartWeb(names ...string) (*WebServer, error) {
	cert, pool, err := selfSigned(names...)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("probetest: web listen: %w", err)
	}
	s := &WebServer{addr: ln.Addr().String(), cert: cert, pool: pool, status: http.StatusOK}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", s.serveWebSocket)
	mux.HandleFunc("/", s.serveRoot)
	// Handshake errors are the point of several tests; they are not news.
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
	s.serve(ln)
	return s, nil
}

func (s *WebServer) serve(ln net.Listener) {
	s.raw = ln
	// HTTP/1.1 only, so /ws can hijack the connection.
	cfg := &tls.Config{Certificates: []tls.Certificate{s.cert}, NextProtos: []string{"http/1.1"}}
	go func() { _ = s.srv.Serve(tls.NewListener(&gate{Listener: ln, s: s}, cfg)) }()
}

// Addr is the server's host:port.
func (s *WebServer) Addr() string { return s.addr }

// URL is the server's https:// base URL.
func (s *WebServer) URL() string { return "https://" + s.addr }

// WebSocketURL is the wss:// URL of the upgrade endpoint.
func (s *WebServer) WebSocketURL() string { return "wss://" + s.addr + "/ws" }

// RootCAs trusts the server's certificate.
func (s *WebServer) RootCAs() *x509.CertPool { return s.pool }

// SetMode switches the server; WebDown closes the port, and leaving it
// listens again on the same port.
func (s *WebServer) SetMode(m WebMode) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m == s.mode || s.closed {
		s.mode = m
		return nil
	}
	switch {
	case m == WebDown:
		if err := s.raw.Close(); err != nil {
			return fmt.Errorf("probetest: web down: %w", err)
		}
	case s.mode == WebDown:
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			return fmt.Errorf("probetest: web up again: %w", err)
		}
		s.serve(ln)
	}
	s.mode = m
	return nil
}

// SetStatus sets the status code of GET / (default 200).
func (s *WebServer) SetStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = code
}

// SetDelay makes every HTTP answer wait d first (a slow server).
func (s *WebServer) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetBadAccept makes the WebSocket upgrade answer a wrong accept key.
func (s *WebServer) SetBadAccept(bad bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.badAccept = bad
}

// Close stops the server and drops held connections.
func (s *WebServer) Close() error {
	s.mu.Lock()
	s.closed = true
	held := s.held
	s.held = nil
	s.mu.Unlock()
	for _, c := range held {
		_ = c.Close()
	}
	return s.srv.Close()
}

// gate holds connections in WebStall mode instead of handing them to TLS.
type gate struct {
	net.Listener
	s *WebServer
}

// Accept returns the next connection that is not held.
func (g *gate) Accept() (net.Conn, error) {
	for {
		c, err := g.Listener.Accept()
		if err != nil {
			return nil, err
		}
		g.s.mu.Lock()
		stall := g.s.mode == WebStall && !g.s.closed
		if stall {
			g.s.held = append(g.s.held, c)
		}
		g.s.mu.Unlock()
		if !stall {
			return c, nil
		}
	}
}

func (s *WebServer) wait(r *http.Request) bool {
	s.mu.Lock()
	d := s.delay
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func (s *WebServer) serveRoot(w http.ResponseWriter, r *http.Request) {
	if !s.wait(r) {
		return
	}
	s.mu.Lock()
	code := s.status
	s.mu.Unlock()
	w.WriteHeader(code)
	_, _ = io.WriteString(w, http.StatusText(code))
}

// serveWebSocket answers the RFC 6455 upgrade by hand and then waits for
// the client's close frame.
func (s *WebServer) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if !s.wait(r) {
		return
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || key == "" ||
		r.Header.Get("Sec-WebSocket-Version") != "13" {
		http.Error(w, "websocket upgrade expected", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	bad := s.badAccept
	s.mu.Unlock()
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	accept := base64.StdEncoding.EncodeToString(sum[:])
	if bad {
		accept = base64.StdEncoding.EncodeToString([]byte("wrong"))
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "hijack unsupported", http.StatusInternalServerError)
		return
	}
	defer func() { _ = conn.Close() }()
	_, _ = fmt.Fprintf(buf, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept)
	if err := buf.Flush(); err != nil {
		return
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _ = readFrameHeader(buf.Reader)
}

// readFrameHeader reads the first two bytes of a frame; enough to see the
// client's close.
func readFrameHeader(r *bufio.Reader) ([2]byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return h, errors.Join(errors.New("probetest: read frame"), err)
	}
	return h, nil
}

// Leaf returns the server's certificate, to trust several test servers
// from one pool.
func (s *WebServer) Leaf() *x509.Certificate {
	c, err := x509.ParseCertificate(s.cert.Certificate[0])
	if err != nil {
		panic("probetest: own certificate does not parse: " + err.Error())
	}
	return c
}
