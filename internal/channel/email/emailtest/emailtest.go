// Package emailtest runs a small SMTP server on loopback for tests: it
// speaks enough of RFC 5321 (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) for
// real clients and keeps the messages it receives.
package emailtest

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Message is one received message.
type Message struct {
	From string
	To   []string
	Data string
}

// Server is a loopback SMTP server.
type Server struct {
	ln       net.Listener
	mu       sync.Mutex
	reject   string
	stall    bool
	auth     []string
	messages []Message
	arrived  chan struct{}
}

// SetReject makes RCPT TO fail for addresses containing s.
func (s *Server) SetReject(v string) { s.mu.Lock(); s.reject = v; s.mu.Unlock() }

// SetStall makes the server accept connections and say nothing.
func (s *Server) SetStall(v bool) { s.mu.Lock(); s.stall = v; s.mu.Unlock() }

// Auth returns the AUTH PLAIN payloads received.
func (s *Server) Auth() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

// Start runs a server until t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, arrived: make(chan struct{}, 1000)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is an smtp:// relay URL for the server.
func (s *Server) URL() string { return "smtp://" + s.Addr() }

// Messages returns what was received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait waits until n messages arrived or the timeout passes.
func (s *Server) Wait(n int, timeout time.Duration) []Message {
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.arrived:
		case <-deadline:
			return s.Messages()
		}
	}
}

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { _, _ = c.Write([]byte(line + "\r\n")) }
	s.mu.Lock()
	stall := s.stall
	s.mu.Unlock()
	if stall {
		time.Sleep(3 * time.Second)
		return
	}
	say("220 emailtest ESMTP")
	var cur Message
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-emailtest")
			say("250-8BITMIME")
			say("250-PIPELINING")
			say("250 AUTH PLAIN")
		case strings.HasPrefix(cmd, "AUTH PLAIN"):
			s.mu.Lock()
			s.auth = append(s.auth, strings.TrimSpace(line[len("AUTH PLAIN"):]))
			s.mu.Unlock()
			say("235 2.7.0 accepted")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			cur = Message{From: strings.TrimSpace(line[len("MAIL FROM:"):])}
			say("250 2.1.0 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			addr := strings.Trim(strings.TrimSpace(line[len("RCPT TO:"):]), "<>")
			s.mu.Lock()
			reject := s.reject
			s.mu.Unlock()
			if reject != "" && strings.Contains(addr, reject) {
				say("550 5.1.1 no such user")
				continue
			}
			cur.To = append(cur.To, addr)
			say("250 2.1.5 ok")
		case cmd == "DATA":
			if len(cur.To) == 0 {
				say("554 5.5.1 no valid recipients")
				continue
			}
			say("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = b.String()
			s.mu.Lock()
			s.messages = append(s.messages, cur)
			s.mu.Unlock()
			select {
			case s.arrived <- struct{}{}:
			default:
			}
			say("250 2.0.0 queued")
			cur = Message{}
		case cmd == "RSET":
			cur = Message{}
			say("250 ok")
		case cmd == "NOOP":
			say("250 ok")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 5.5.2 unknown command")
		}
	}
}
