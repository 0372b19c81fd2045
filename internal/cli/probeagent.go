package cli

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/detect/watch"
)

type probeAgentCmd struct {
	Server      string        `name:"server" placeholder:"URL" help:"The Vigie server's base URL. Env: VIGIE_AGENT_SERVER."`
	Token       string        `name:"token" placeholder:"TOKEN" help:"API token with the write scope. Prefer the environment (VIGIE_AGENT_TOKEN or VIGIE_AGENT_TOKEN_FILE): a flag shows in the process list."`
	Name        string        `name:"name" placeholder:"NAME" help:"This vantage point's name, e.g. paris-1 (letters, digits, . _ -). Env: VIGIE_AGENT_NAME. Default: the host name."`
	Interval    time.Duration `name:"interval" default:"0s" placeholder:"DURATION" help:"Time between two runs of each probe; 0 uses the plan's (15s by default)."`
	PushEvery   time.Duration `name:"push-every" default:"5s" placeholder:"DURATION" help:"How often results are sent."`
	ConfigEvery time.Duration `name:"config-every" default:"5m" placeholder:"DURATION" help:"How often the probe list is fetched again."`
	MaxPending  int           `name:"max-pending" default:"5000" placeholder:"N" help:"Unsent results kept while the server is unreachable; the oldest are dropped first."`
	Timeout     time.Duration `name:"timeout" default:"5s" placeholder:"DURATION" help:"Timeout of one probe run."`
	CAFile      string        `name:"ca-file" placeholder:"FILE" help:"Extra trusted roots (PEM) for the probes' TLS checks."`
}

func (probeAgentCmd) Help() string {
	return `Runs the server's network probes (DNS, TCP, TLS, HTTPS, WebSocket and the
control probes) from another network and pushes the results to the server,
where each agent counts as a separate vantage point: detection then needs a
majority of vantages to call a dependency down, so one site's bad link is
not an outage. The agent needs nothing but the server's URL and a token:
the probe list comes from GET /api/v1/detect/config (never the Cloud API's
secrets) and is fetched again every few minutes.

Create an account per agent; an account named agent-NAME may push only as
NAME, so a leaked agent token cannot speak for the other vantages:

  vigie user add --username agent-paris-1 --role responder
  vigie token create --user agent-paris-1 --scope write --name "probe agent"

Example:

  VIGIE_AGENT_TOKEN=vigie_… vigie probe-agent --server https://vigie.example.com --name paris-1

Stops cleanly on Ctrl-C or SIGTERM after a last push.`
}

func (c *probeAgentCmd) Run(rt *Runtime) error {
	server := firstNonEmpty(c.Server, rt.Env.Getenv("VIGIE_AGENT_SERVER"))
	u, err := url.Parse(server)
	if server == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &ExitError{Code: 2, Err: fmt.Errorf("probe-agent: --server must be the server's http(s) URL, got %q", server)}
	}
	token, err := agentToken(c.Token, rt.Env.Getenv)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	name := firstNonEmpty(c.Name, rt.Env.Getenv("VIGIE_AGENT_NAME"))
	if name == "" {
		host, _ := os.Hostname()
		name, _, _ = strings.Cut(host, ".")
	}
	var roots *x509.CertPool
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return &ExitError{Code: 2, Err: fmt.Errorf("probe-agent: --ca-file: %w", err)}
		}
		if roots, err = x509.SystemCertPool(); err != nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return &ExitError{Code: 2, Err: fmt.Errorf("probe-agent: --ca-file %s holds no PEM certificate", c.CAFile)}
		}
	}
	a := &watch.Agent{Server: server, Token: token, Name: name, Interval: c.Interval, PushEvery: c.PushEvery, ConfigEvery: c.ConfigEvery,
		MaxPending: c.MaxPending, ProbeTimeout: c.Timeout, RootCAs: roots, Logger: rt.Logger.With("component", "probe_agent")}
	rt.Logger.Info("probe agent starting", "agent", name, "server", server)
	err = a.Run(rt.Ctx)
	st := a.Stats()
	rt.Logger.Info("probe agent stopped", "agent", name, "pushed", st.Pushed, "dropped", st.Dropped, "rejected", st.Rejected, "unsent", st.Pending)
	if err != nil {
		return fmt.Errorf("probe-agent: %w", err)
	}
	return nil
}

// agentToken reads the token from the flag, VIGIE_AGENT_TOKEN or the file
// named by VIGIE_AGENT_TOKEN_FILE.
func agentToken(flag string, getenv func(string) string) (string, error) {
	if t := firstNonEmpty(flag, getenv("VIGIE_AGENT_TOKEN")); t != "" {
		return strings.TrimSpace(t), nil
	}
	if f := getenv("VIGIE_AGENT_TOKEN_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("probe-agent: VIGIE_AGENT_TOKEN_FILE: %w", err)
		}
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, nil
		}
		return "", fmt.Errorf("probe-agent: %s is empty", f)
	}
	return "", errors.New("probe-agent: no token: set VIGIE_AGENT_TOKEN (or VIGIE_AGENT_TOKEN_FILE, or --token) to a write token (vigie token create --scope write)")
}
