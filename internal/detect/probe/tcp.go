package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"
)

// TCP opens a TCP connection to Addr (host:port) and closes it.
type TCP struct {
	Spec
	Addr  string
	Clock Clock
}

var _ Probe = (*TCP)(nil)

// Name returns the probe name.
func (p *TCP) Name() string { return p.Spec.Name }

// Run connects once.
func (p *TCP) Run(ctx context.Context) Result {
	clk := clockOr(p.Clock)
	res := p.result(FamilyTCP, p.Addr, clk.Now())
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", p.Addr)
	if err != nil {
		return finish(res, clk, classifyErr(err), fmt.Sprintf("connect %s: %v", p.Addr, err))
	}
	remote := conn.RemoteAddr().String()
	_ = conn.Close()
	return finish(res, clk, ClassNone, "connected to "+remote)
}

// TLS completes a TLS handshake with Addr and verifies the certificate
// for ServerName.
type TLS struct {
	Spec
	Addr string
	// ServerName is the name verified and sent in SNI; defaults to Addr's host.
	ServerName string
	// RootCAs replaces the system roots (tests, private CAs).
	RootCAs *x509.CertPool
	Clock   Clock
}

var _ Probe = (*TLS)(nil)

// Name returns the probe name.
func (p *TLS) Name() string { return p.Spec.Name }

// Run handshakes once.
func (p *TLS) Run(ctx context.Context) Result {
	clk := clockOr(p.Clock)
	res := p.result(FamilyTLS, p.Addr, clk.Now())
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	name := p.ServerName
	if name == "" {
		host, _, err := net.SplitHostPort(p.Addr)
		if err != nil {
			return finish(res, clk, ClassConfig, fmt.Sprintf("tls probe address %q: %v", p.Addr, err))
		}
		name = host
	}
	d := tls.Dialer{Config: &tls.Config{ServerName: name, RootCAs: p.RootCAs, MinVersion: tls.VersionTLS12}}
	conn, err := d.DialContext(ctx, "tcp", p.Addr)
	if err != nil {
		return finish(res, clk, classifyErr(err), fmt.Sprintf("tls %s (%s): %v", p.Addr, name, err))
	}
	defer func() { _ = conn.Close() }()
	state := conn.(*tls.Conn).ConnectionState()
	detail := tls.VersionName(state.Version)
	if len(state.PeerCertificates) > 0 {
		left := state.PeerCertificates[0].NotAfter.Sub(clk.Now()).Round(time.Hour)
		detail += fmt.Sprintf(", certificate valid %s more", left)
	}
	return finish(res, clk, ClassNone, detail)
}
