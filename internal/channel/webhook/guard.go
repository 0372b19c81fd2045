package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrBlocked is returned for a target whose address is loopback, private,
// link-local, CGNAT, multicast, unspecified or reserved while private
// targets are not allowed.
var ErrBlocked = errors.New("address not allowed for webhooks")

// blockedPrefixes are the ranges netip's predicates do not cover.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, and broadcast
}

// Prefixes whose IPv6 addresses carry an IPv4 address that a gateway may
// reach on our behalf.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// CheckAddr returns ErrBlocked (wrapped) when a is not a public unicast
// address.
func CheckAddr(a netip.Addr) error {
	a = a.Unmap().WithZone("")
	blocked := !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() ||
		a.IsMulticast() || a.IsUnspecified()
	for _, p := range blockedPrefixes {
		blocked = blocked || p.Contains(a)
	}
	if blocked {
		return fmt.Errorf("%w: %s", ErrBlocked, a)
	}
	if b := a.As16(); a.Is6() && nat64.Contains(a) {
		return CheckAddr(netip.AddrFrom4([4]byte(b[12:16])))
	} else if a.Is6() && sixToFour.Contains(a) {
		return CheckAddr(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return nil
}

// control runs after name resolution and before connect, on the address
// actually dialled, so a name that resolves to a public address when
// checked and to a private one when used (DNS rebinding) is still refused.
func control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unreadable address %q", ErrBlocked, address)
	}
	return CheckAddr(ap.Addr())
}

// GuardedClient copies c (or a default client), refuses redirects (a
// target that moved must be updated, not followed blindly) and, unless
// private targets are allowed, installs the address guard and drops any
// proxy, which would otherwise connect on our behalf past the guard. The
// transport keeps at least perHost idle connections to each host: a fan-out
// sends many requests to few hosts. The web-push channel shares it.
func GuardedClient(c *http.Client, allowPrivate bool, perHost int) (*http.Client, error) {
	out := &http.Client{}
	if c != nil {
		*out = *c
	}
	var tr *http.Transport
	switch t := out.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		if !allowPrivate {
			return nil, errors.New("the client's transport is not an *http.Transport, so the private-address guard cannot be installed")
		}
	}
	if tr != nil && !allowPrivate {
		if tr.DialTLSContext != nil || tr.DialTLS != nil { //nolint:staticcheck // DialTLS would bypass the guard too
			return nil, errors.New("the client's transport has its own TLS dialer, so the private-address guard cannot be installed")
		}
		d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: control}
		tr.DialContext = d.DialContext
		tr.Proxy = nil
	}
	if tr != nil {
		tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, perHost)
		tr.MaxIdleConns = max(tr.MaxIdleConns, 4*perHost)
		out.Transport = tr
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return out, nil
}
