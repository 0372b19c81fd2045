package probe

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// websocketGUID is the fixed suffix of RFC 6455 section 1.3.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// WebSocket performs the RFC 6455 opening handshake against a ws:// or
// wss:// URL and closes cleanly. It is hand-written (no library) because
// the probe needs only the handshake, never a message exchange.
type WebSocket struct {
	Spec
	URL string
	// Origin is sent when set; WhatsApp Web's server expects its own origin.
	Origin string
	// RootCAs replaces the system roots (tests, private CAs).
	RootCAs *x509.CertPool
	Clock   Clock
}

var _ Probe = (*WebSocket)(nil)

// Name returns the probe name.
func (p *WebSocket) Name() string { return p.Spec.Name }

// Run dials, upgrades and sends a close frame.
func (p *WebSocket) Run(ctx context.Context) Result {
	clk := clockOr(p.Clock)
	res := p.result(FamilyWebSocket, p.URL, clk.Now())
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	class, detail := p.handshake(ctx)
	return finish(res, clk, class, detail)
}

func (p *WebSocket) handshake(ctx context.Context) (Class, string) {
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") {
		return ClassConfig, fmt.Sprintf("websocket url %q must be ws:// or wss://", p.URL)
	}
	port := "80"
	if u.Scheme == "wss" {
		port = "443"
	}
	addr := splitHostPortDefault(u.Host, port)
	conn, err := p.dial(ctx, u.Scheme, addr, u.Hostname())
	if err != nil {
		return classifyErr(err), fmt.Sprintf("dial %s: %v", addr, err)
	}
	defer func() { _ = conn.Close() }()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}

	var raw [16]byte
	_, _ = rand.Read(raw[:])
	key := base64.StdEncoding.EncodeToString(raw[:])
	httpURL := *u
	httpURL.Scheme = map[string]string{"ws": "http", "wss": "https"}[u.Scheme]
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, httpURL.String(), nil)
	if err != nil {
		return ClassConfig, fmt.Sprintf("websocket request: %v", err)
	}
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", key)
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("User-Agent", "vigie-probe")
	if p.Origin != "" {
		req.Header.Set("Origin", p.Origin)
	}
	if err := req.Write(conn); err != nil {
		return classifyErr(err), fmt.Sprintf("write upgrade: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return classifyErr(err), fmt.Sprintf("read upgrade response: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		if c := classifyStatus(resp.StatusCode); c != ClassNone {
			return c, fmt.Sprintf("upgrade refused: HTTP %d", resp.StatusCode)
		}
		return ClassBadResponse, fmt.Sprintf("upgrade refused: HTTP %d", resp.StatusCode)
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") ||
		resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key) {
		return ClassBadResponse, "upgrade answered without a valid Sec-WebSocket-Accept"
	}
	// A masked close frame with status 1000, so the server sees a clean close.
	frame := []byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8}
	_, _ = conn.Write(frame)
	return ClassNone, "upgraded (HTTP 101)"
}

func (p *WebSocket) dial(ctx context.Context, scheme, addr, host string) (net.Conn, error) {
	if scheme == "wss" {
		// HTTP/1.1 only: the upgrade does not exist in HTTP/2 without RFC 8441.
		d := tls.Dialer{Config: &tls.Config{ServerName: host, RootCAs: p.RootCAs,
			MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}}
		return d.DialContext(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// acceptKey is the Sec-WebSocket-Accept value the server must return.
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + websocketGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}
