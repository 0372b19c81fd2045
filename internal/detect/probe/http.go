package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
)

// HTTP fetches URL with GET and classifies the status code. Redirects are
// followed at most three times.
type HTTP struct {
	Spec
	URL string
	// RootCAs replaces the system roots (tests, private CAs).
	RootCAs *x509.CertPool
	// Client overrides the client built from RootCAs and the timeout.
	Client *http.Client
	Clock  Clock
}

var _ Probe = (*HTTP)(nil)

// Name returns the probe name.
func (p *HTTP) Name() string { return p.Spec.Name }

// Run fetches once; only the first bytes of the body are read.
func (p *HTTP) Run(ctx context.Context) Result {
	clk := clockOr(p.Clock)
	res := p.result(FamilyHTTP, p.URL, clk.Now())
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	client := p.Client
	if client == nil {
		client = newHTTPClient(p.RootCAs, p.timeout())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return finish(res, clk, ClassConfig, fmt.Sprintf("http probe url: %v", err))
	}
	req.Header.Set("User-Agent", "vigie-probe")
	resp, err := client.Do(req)
	if err != nil {
		return finish(res, clk, classifyErr(err), fmt.Sprintf("GET %s: %v", p.URL, err))
	}
	defer func() { _ = resp.Body.Close() }()
	// Read a little so a server that stalls after the headers still counts.
	if _, err := io.CopyN(io.Discard, resp.Body, 4096); err != nil && err != io.EOF {
		return finish(res, clk, classifyErr(err), fmt.Sprintf("GET %s: body: %v", p.URL, err))
	}
	return finish(res, clk, classifyStatus(resp.StatusCode), fmt.Sprintf("HTTP %d", resp.StatusCode))
}
