package email

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpServer is a small RFC 5321 server on loopback that records what it
// receives; it can refuse recipients to test error paths.
type smtpServer struct {
	ln     net.Listener
	mu     sync.Mutex
	data   []string
	auth   []string
	reject string
	stall  bool
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
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

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { _, _ = c.Write([]byte(line + "\r\n")) }
	if s.stall {
		time.Sleep(3 * time.Second)
		return
	}
	say("220 test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-test")
			say("250 AUTH PLAIN")
		case strings.HasPrefix(cmd, "AUTH PLAIN"):
			s.mu.Lock()
			s.auth = append(s.auth, strings.TrimSpace(line[len("AUTH PLAIN"):]))
			s.mu.Unlock()
			say("235 ok")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO"):
			if s.reject != "" && strings.Contains(line, s.reject) {
				say("550 5.1.1 no such user")
				continue
			}
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.data = append(s.data, b.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 unknown")
		}
	}
}

func TestSendOverSMTP(t *testing.T) {
	srv := startSMTP(t)
	s, err := New("smtp://vigie:s3cret@"+srv.ln.Addr().String(), "Vigie <alerts@cafe-express.fr>")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), Mail{To: "lea@cafe-express.fr", Subject: "Panne WhatsApp : rôle technique", Body: "- Confirmer le périmètre\n- Vérifier les SMS"})
	if err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.data) != 1 {
		t.Fatalf("server received %d messages", len(srv.data))
	}
	msg := srv.data[0]
	for _, want := range []string{"To: <lea@cafe-express.fr>", "Subject: =?utf-8?q?", "Content-Type: text/plain; charset=utf-8", "- Confirmer le p\u00e9rim\u00e8tre\r\n"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if len(srv.auth) != 1 {
		t.Errorf("no AUTH PLAIN")
	}
}

func TestSendErrors(t *testing.T) {
	srv := startSMTP(t)
	srv.reject = "nobody@"
	s, _ := New("smtp://"+srv.ln.Addr().String(), "alerts@cafe-express.fr")
	if err := s.Send(context.Background(), Mail{To: "nobody@cafe-express.fr", Subject: "x", Body: "y"}); err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("rejected recipient: %v", err)
	}
	if err := s.Send(context.Background(), Mail{To: "not an address", Subject: "x"}); err == nil {
		t.Fatal("bad address accepted")
	}
	if err := s.Send(context.Background(), Mail{To: "a@b.c", Subject: "x\r\nBcc: evil@example.com"}); err == nil {
		t.Fatal("header injection accepted")
	}
	stalled := startSMTP(t)
	stalled.stall = true
	s2, _ := New("smtp://"+stalled.ln.Addr().String(), "alerts@cafe-express.fr")
	s2.timeout = 300 * time.Millisecond
	start := time.Now()
	if err := s2.Send(context.Background(), Mail{To: "a@b.c", Subject: "x", Body: "y"}); err == nil {
		t.Fatal("stalled server: no error")
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("timeout not applied: %s", time.Since(start))
	}
	for _, bad := range []string{"http://x", "smtp://", "::"} {
		if _, err := New(bad, "a@b.c"); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
}
