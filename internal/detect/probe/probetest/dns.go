package probetest

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// DNSMode is how the DNS server answers every query.
type DNSMode int

// DNS server behaviours.
const (
	DNSAnswer   DNSMode = iota // A/AAAA records (127.0.0.1 / ::1 unless set)
	DNSNXDomain                // NXDOMAIN
	DNSServFail                // SERVFAIL
	DNSRefused                 // REFUSED
	DNSEmpty                   // NOERROR without records
	DNSSilent                  // no reply at all: clients time out
)

// DNSServer is an authoritative-looking DNS server on 127.0.0.1, UDP and
// TCP on the same port, whose behaviour can be switched at runtime.
type DNSServer struct {
	udp, tcp *dns.Server
	addr     string

	mu      sync.Mutex
	mode    DNSMode
	records map[string]net.IP
	queries int
}

// StartDNS listens on a free 127.0.0.1 port and serves until Close.
func StartDNS() (*DNSServer, error) {
	s := &DNSServer{records: make(map[string]net.IP)}
	var lastErr error
	// The TCP port may be taken by someone else; a few tries are enough.
	for range 5 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("probetest: dns udp listen: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			_ = pc.Close()
			lastErr = err
			continue
		}
		s.addr = pc.LocalAddr().String()
		s.udp = &dns.Server{PacketConn: pc, Handler: s}
		s.tcp = &dns.Server{Listener: ln, Handler: s}
		if err := start(s.udp); err != nil {
			return nil, err
		}
		if err := start(s.tcp); err != nil {
			_ = s.udp.Shutdown()
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("probetest: dns tcp listen: %w", lastErr)
}

func start(srv *dns.Server) error {
	started := make(chan struct{})
	failed := make(chan error, 1)
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { failed <- srv.ActivateAndServe() }()
	select {
	case <-started:
		return nil
	case err := <-failed:
		return fmt.Errorf("probetest: dns serve: %w", err)
	}
}

// Addr is the host:port to use as a resolver.
func (s *DNSServer) Addr() string { return s.addr }

// SetMode switches how the next queries are answered.
func (s *DNSServer) SetMode(m DNSMode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = m
}

// SetRecord makes name resolve to ip in DNSAnswer mode.
func (s *DNSServer) SetRecord(name string, ip net.IP) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[strings.ToLower(dns.Fqdn(name))] = ip
}

// Queries returns how many queries arrived.
func (s *DNSServer) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

// Close stops both listeners.
func (s *DNSServer) Close() error {
	return errors.Join(s.udp.Shutdown(), s.tcp.Shutdown())
}

// ServeDNS answers one query according to the current mode.
func (s *DNSServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.mu.Lock()
	s.queries++
	mode := s.mode
	var ip net.IP
	if len(req.Question) == 1 {
		ip = s.records[strings.ToLower(req.Question[0].Name)]
	}
	s.mu.Unlock()

	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	switch mode {
	case DNSSilent:
		return
	case DNSNXDomain:
		m.Rcode = dns.RcodeNameError
	case DNSServFail:
		m.Rcode = dns.RcodeServerFailure
	case DNSRefused:
		m.Rcode = dns.RcodeRefused
	case DNSAnswer:
		if len(req.Question) == 1 {
			if rr := answer(req.Question[0], ip); rr != nil {
				m.Answer = append(m.Answer, rr)
			}
		}
	}
	_ = w.WriteMsg(m)
}

func answer(q dns.Question, ip net.IP) dns.RR {
	hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Rrtype: q.Qtype, Ttl: 60}
	switch q.Qtype {
	case dns.TypeA:
		if ip == nil || ip.To4() == nil {
			ip = net.IPv4(127, 0, 0, 1)
		}
		return &dns.A{Hdr: hdr, A: ip.To4()}
	case dns.TypeAAAA:
		if ip == nil || ip.To4() != nil {
			ip = net.IPv6loopback
		}
		return &dns.AAAA{Hdr: hdr, AAAA: ip}
	}
	return nil
}
