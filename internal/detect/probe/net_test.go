package probe_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/detect/probe"
	"github.com/vigie-hq/vigie/internal/detect/probe/probetest"
)

func startWeb(t *testing.T) *probetest.WebServer {
	t.Helper()
	s, err := probetest.StartWeb("web.whatsapp.com")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// webCase sets the server up, then expects one outcome from a probe.
type webCase struct {
	name      string
	setup     func(t *testing.T, s *probetest.WebServer)
	wantOK    bool
	wantClass probe.Class
}

func down(t *testing.T, s *probetest.WebServer) {
	if err := s.SetMode(probetest.WebDown); err != nil {
		t.Fatal(err)
	}
}

func stall(t *testing.T, s *probetest.WebServer) {
	if err := s.SetMode(probetest.WebStall); err != nil {
		t.Fatal(err)
	}
}

func status(code int) func(*testing.T, *probetest.WebServer) {
	return func(_ *testing.T, s *probetest.WebServer) { s.SetStatus(code) }
}

func runWebCases(t *testing.T, cases []webCase, build func(s *probetest.WebServer) probe.Probe) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			s := startWeb(t)
			if tt.setup != nil {
				tt.setup(t, s)
			}
			check(t, build(s).Run(ctx(t)), tt.wantOK, tt.wantClass)
		})
	}
}

func TestTCP(t *testing.T) {
	runWebCases(t, []webCase{
		{"connects", nil, true, probe.ClassNone},
		{"refused when down", down, false, probe.ClassRefused},
	}, func(s *probetest.WebServer) probe.Probe {
		return &probe.TCP{Spec: probe.Spec{Name: "tcp", Timeout: short}, Addr: s.Addr()}
	})
}

func TestTCPUpAgain(t *testing.T) {
	s := startWeb(t)
	p := &probe.TCP{Spec: probe.Spec{Name: "tcp", Timeout: short}, Addr: s.Addr()}
	down(t, s)
	check(t, p.Run(ctx(t)), false, probe.ClassRefused)
	if err := s.SetMode(probetest.WebUp); err != nil {
		t.Fatal(err)
	}
	check(t, p.Run(ctx(t)), true, probe.ClassNone)
}

func TestTLS(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(*testing.T, *probetest.WebServer)
		serverName string
		untrusted  bool
		wantOK     bool
		wantClass  probe.Class
	}{
		{name: "handshake", serverName: "web.whatsapp.com", wantOK: true},
		{name: "unknown authority", serverName: "web.whatsapp.com", untrusted: true, wantClass: probe.ClassTLS},
		{name: "wrong name", serverName: "g.whatsapp.net", wantClass: probe.ClassTLS},
		{name: "stalled", setup: stall, serverName: "web.whatsapp.com", wantClass: probe.ClassTimeout},
		{name: "down", setup: down, serverName: "web.whatsapp.com", wantClass: probe.ClassRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startWeb(t)
			if tt.setup != nil {
				tt.setup(t, s)
			}
			p := &probe.TLS{Spec: probe.Spec{Name: "tls", Timeout: short}, Addr: s.Addr(), ServerName: tt.serverName}
			if !tt.untrusted {
				p.RootCAs = s.RootCAs()
			}
			got := p.Run(ctx(t))
			check(t, got, tt.wantOK, tt.wantClass)
			if tt.wantOK {
				mustContain(t, got.Detail, "TLS 1.3")
			}
		})
	}
}

func TestHTTP(t *testing.T) {
	slow := func(_ *testing.T, s *probetest.WebServer) { s.SetDelay(2 * time.Second) }
	runWebCases(t, []webCase{
		{"200", nil, true, probe.ClassNone},
		{"503", status(http.StatusServiceUnavailable), false, probe.ClassHTTP5xx},
		{"404", status(http.StatusNotFound), false, probe.ClassHTTP4xx},
		{"429", status(http.StatusTooManyRequests), false, probe.ClassRateLimited},
		{"slow", slow, false, probe.ClassTimeout},
		{"stalled", stall, false, probe.ClassTimeout},
		{"down", down, false, probe.ClassRefused},
	}, func(s *probetest.WebServer) probe.Probe {
		return &probe.HTTP{Spec: probe.Spec{Name: "https", Timeout: short}, URL: s.URL() + "/", RootCAs: s.RootCAs()}
	})
}

func TestHTTPUntrusted(t *testing.T) {
	s := startWeb(t)
	p := &probe.HTTP{Spec: probe.Spec{Name: "https", Timeout: short}, URL: s.URL()}
	check(t, p.Run(ctx(t)), false, probe.ClassTLS)
}

func TestWebSocket(t *testing.T) {
	badAccept := func(_ *testing.T, s *probetest.WebServer) { s.SetBadAccept(true) }
	slow := func(_ *testing.T, s *probetest.WebServer) { s.SetDelay(2 * time.Second) }
	runWebCases(t, []webCase{
		{"upgrades", nil, true, probe.ClassNone},
		{"bad accept key", badAccept, false, probe.ClassBadResponse},
		{"slow", slow, false, probe.ClassTimeout},
		{"stalled", stall, false, probe.ClassTimeout},
		{"down", down, false, probe.ClassRefused},
	}, func(s *probetest.WebServer) probe.Probe {
		return &probe.WebSocket{Spec: probe.Spec{Name: "ws", Timeout: short}, URL: s.WebSocketURL(),
			Origin: "https://web.whatsapp.com", RootCAs: s.RootCAs()}
	})
}

func TestWebSocketRefusedUpgrade(t *testing.T) {
	s := startWeb(t)
	// GET / never upgrades: the probe must not mistake a 200 for success.
	p := &probe.WebSocket{Spec: probe.Spec{Name: "ws", Timeout: short}, URL: "wss://" + s.Addr() + "/", RootCAs: s.RootCAs()}
	check(t, p.Run(ctx(t)), false, probe.ClassBadResponse)
	p.URL = "https://" + s.Addr() + "/ws"
	check(t, p.Run(ctx(t)), false, probe.ClassConfig)
}
