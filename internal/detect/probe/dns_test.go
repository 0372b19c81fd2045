package probe_test

import (
	"net"
	"testing"

	"github.com/vigie-hq/vigie/internal/detect/probe"
	"github.com/vigie-hq/vigie/internal/detect/probe/probetest"
)

func startDNS(t *testing.T) *probetest.DNSServer {
	t.Helper()
	s, err := probetest.StartDNS()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestDNSClasses(t *testing.T) {
	srv := startDNS(t)
	srv.SetRecord("g.whatsapp.net", net.IPv4(127, 0, 0, 9))
	tests := []struct {
		name      string
		mode      probetest.DNSMode
		ipv6      bool
		wantOK    bool
		wantClass probe.Class
		wantIn    string
	}{
		{"answer A", probetest.DNSAnswer, false, true, probe.ClassNone, "127.0.0.9"},
		{"answer AAAA", probetest.DNSAnswer, true, true, probe.ClassNone, "::1"},
		{"nxdomain", probetest.DNSNXDomain, false, false, probe.ClassNXDomain, "NXDOMAIN"},
		{"servfail", probetest.DNSServFail, false, false, probe.ClassServFail, "SERVFAIL"},
		{"refused", probetest.DNSRefused, false, false, probe.ClassRefused, "REFUSED"},
		{"empty answer", probetest.DNSEmpty, false, false, probe.ClassEmptyAnswer, "no A record"},
		{"no reply", probetest.DNSSilent, false, false, probe.ClassTimeout, srv.Addr()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetMode(tt.mode)
			p := &probe.DNS{
				Spec:      probe.Spec{Name: "dns-g", Dependency: "whatsapp", Timeout: short},
				Host:      "g.whatsapp.net",
				Resolvers: []string{srv.Addr()},
				IPv6:      tt.ipv6,
			}
			got := p.Run(ctx(t))
			check(t, got, tt.wantOK, tt.wantClass)
			mustContain(t, got.Detail, tt.wantIn)
			if got.Probe != "dns-g" || got.Family != probe.FamilyDNS || got.Dependency != "whatsapp" || got.Target != "g.whatsapp.net" {
				t.Fatalf("identity not carried: %+v", got)
			}
		})
	}
}

func TestDNSFallsBackToNextResolver(t *testing.T) {
	bad, good := startDNS(t), startDNS(t)
	bad.SetMode(probetest.DNSServFail)
	p := &probe.DNS{Spec: probe.Spec{Name: "dns", Timeout: short}, Host: "web.whatsapp.com",
		Resolvers: []string{bad.Addr(), good.Addr()}}
	check(t, p.Run(ctx(t)), true, probe.ClassNone)
	if bad.Queries() != 1 || good.Queries() != 1 {
		t.Fatalf("queries bad=%d good=%d, want 1 and 1", bad.Queries(), good.Queries())
	}
}

func TestDNSNXDomainIsDefinitive(t *testing.T) {
	first, second := startDNS(t), startDNS(t)
	first.SetMode(probetest.DNSNXDomain)
	p := &probe.DNS{Spec: probe.Spec{Name: "dns", Timeout: short}, Host: "v.whatsapp.net",
		Resolvers: []string{first.Addr(), second.Addr()}}
	check(t, p.Run(ctx(t)), false, probe.ClassNXDomain)
	if second.Queries() != 0 {
		t.Fatalf("second resolver asked %d times after NXDOMAIN", second.Queries())
	}
}

func TestDNSNeedsResolvers(t *testing.T) {
	p := &probe.DNS{Spec: probe.Spec{Name: "dns"}, Host: "g.whatsapp.net"}
	check(t, p.Run(ctx(t)), false, probe.ClassConfig)
}

func TestDefaultWhatsAppHosts(t *testing.T) {
	hosts := probe.DefaultWhatsAppHosts()
	if len(hosts) != 5 || hosts[0] != "g.whatsapp.net" {
		t.Fatalf("DefaultWhatsAppHosts() = %v", hosts)
	}
	hosts[0] = "changed"
	if probe.DefaultWhatsAppHosts()[0] != "g.whatsapp.net" {
		t.Fatal("DefaultWhatsAppHosts shares its slice")
	}
}
