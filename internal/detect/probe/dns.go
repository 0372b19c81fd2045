package probe

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// DefaultWhatsAppHosts are the names whose resolution the DNS probes check
// by default: chat, voice, media, web and the Cloud API host.
func DefaultWhatsAppHosts() []string {
	return []string{"g.whatsapp.net", "v.whatsapp.net", "mmg.whatsapp.net", "web.whatsapp.com", "graph.facebook.com"}
}

// DefaultControlHosts are independent, well-known names for control
// probes: when they fail too, the fault is our network, not WhatsApp.
func DefaultControlHosts() []string {
	return []string{"www.google.com", "one.one.one.one", "www.wikipedia.org"}
}

// DNS resolves one name against configured resolvers, trying each resolver
// once in order (a bounded retry) until one gives a definitive answer.
type DNS struct {
	Spec
	Host string
	// Resolvers are host:port addresses; the system resolver is never used
	// so that results say which resolver failed.
	Resolvers []string
	// IPv6 queries AAAA instead of A.
	IPv6  bool
	Clock Clock
}

var _ Probe = (*DNS)(nil)

// Name returns the probe name.
func (p *DNS) Name() string { return p.Spec.Name }

// Run queries the name and classifies the outcome.
func (p *DNS) Run(ctx context.Context) Result {
	clk := clockOr(p.Clock)
	res := p.result(FamilyDNS, p.Host, clk.Now())
	if len(p.Resolvers) == 0 || p.Host == "" {
		return finish(res, clk, ClassConfig, "dns probe needs a host and at least one resolver")
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()

	qtype := dns.TypeA
	if p.IPv6 {
		qtype = dns.TypeAAAA
	}
	var failures []string
	class := ClassUnclassified
	for _, server := range p.Resolvers {
		server = splitHostPortDefault(server, "53")
		c, detail, definitive := p.query(ctx, server, qtype)
		if c == ClassNone {
			return finish(res, clk, ClassNone, detail)
		}
		class = c
		failures = append(failures, detail)
		if definitive || ctx.Err() != nil {
			break
		}
	}
	return finish(res, clk, class, strings.Join(failures, "; "))
}

// query asks one resolver. definitive is true when another resolver would
// not change the answer (the name does not exist).
func (p *DNS) query(ctx context.Context, server string, qtype uint16) (Class, string, bool) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(p.Host), qtype)
	m.RecursionDesired = true

	c := &dns.Client{Net: "udp", Timeout: p.timeout()}
	in, _, err := c.ExchangeContext(ctx, m, server)
	if err == nil && in.Truncated {
		c.Net = "tcp"
		in, _, err = c.ExchangeContext(ctx, m, server)
	}
	if err != nil {
		return classifyErr(err), fmt.Sprintf("%s: %v", server, err), false
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return ClassNXDomain, server + ": NXDOMAIN", true
	case dns.RcodeRefused:
		return ClassRefused, server + ": REFUSED", false
	default:
		return ClassServFail, server + ": " + dns.RcodeToString[in.Rcode], false
	}
	var addrs []string
	for _, rr := range in.Answer {
		switch v := rr.(type) {
		case *dns.A:
			addrs = append(addrs, v.A.String())
		case *dns.AAAA:
			addrs = append(addrs, v.AAAA.String())
		}
	}
	if len(addrs) == 0 {
		return ClassEmptyAnswer, server + ": no " + dns.TypeToString[qtype] + " record", false
	}
	return ClassNone, fmt.Sprintf("%s: %s", server, strings.Join(addrs, ",")), false
}

// splitHostPortDefault adds port to addr when it has none.
func splitHostPortDefault(addr, port string) string {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	return net.JoinHostPort(addr, port)
}
