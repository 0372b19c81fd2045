package watch

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigie-hq/vigie/internal/detect"
	"github.com/vigie-hq/vigie/internal/detect/probe"
)

// Agent runs the server's network probes from another network and pushes
// the results: vigie probe-agent.
type Agent struct {
	// Server is the Vigie server's base URL; Token an API token with the
	// write scope (never logged).
	Server, Token, Name string
	// Interval overrides the configured probe interval when positive.
	Interval time.Duration
	// PushEvery is the batching period [5 s]; ConfigEvery how often the
	// configuration is fetched again [5 min].
	PushEvery, ConfigEvery time.Duration
	// MaxPending bounds unsent results; the oldest go first [5000].
	MaxPending int
	// Retries per push before waiting for the next period [3].
	Retries int
	// RootCAs are extra trusted roots for the probes (besides the
	// configuration's), e.g. --ca-file.
	RootCAs      *x509.CertPool
	ProbeTimeout time.Duration
	// Client talks to the server [10 s timeout per call].
	Client *http.Client
	Clock  probe.Clock
	Logger *slog.Logger

	mu      sync.Mutex
	pending []RemoteResult
	stats   AgentStats
}

// AgentStats counts what an agent did.
type AgentStats struct {
	Pushed, Dropped, Rejected, Pending int
}

// Stats returns the agent's counters.
func (a *Agent) Stats() AgentStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.stats
	s.Pending = len(a.pending)
	return s
}

func (a *Agent) defaults() {
	if a.PushEvery <= 0 {
		a.PushEvery = 5 * time.Second
	}
	if a.ConfigEvery <= 0 {
		a.ConfigEvery = 5 * time.Minute
	}
	if a.MaxPending <= 0 {
		a.MaxPending = 5000
	}
	if a.Retries <= 0 {
		a.Retries = 3
	}
	if a.Client == nil {
		a.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if a.Clock == nil {
		a.Clock = probe.SystemClock{}
	}
	if a.Logger == nil {
		a.Logger = slog.New(slog.DiscardHandler)
	}
	a.Server = strings.TrimRight(a.Server, "/")
}

// ServerError is a refusal by the server: its status and what it said.
type ServerError struct {
	Status  int
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Fatal reports whether retrying cannot help: a bad token, a forbidden
// account, or no detection API at that address.
func (e *ServerError) Fatal() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden || e.Status == http.StatusNotFound
}

// Invalid reports whether the server refused the request's content.
func (e *ServerError) Invalid() bool {
	return e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity || e.Status == http.StatusRequestEntityTooLarge
}

func isFatal(err error) bool {
	var se *ServerError
	return errors.As(err, &se) && se.Fatal()
}

func isInvalid(err error) bool {
	var se *ServerError
	return errors.As(err, &se) && se.Invalid()
}

// Run fetches the configuration, probes and pushes until ctx is done. It
// fails only when the server refuses the token from the start.
func (a *Agent) Run(ctx context.Context) error {
	a.defaults()
	var cfg AgentConfig
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		var err error
		if cfg, err = a.FetchConfig(ctx); err == nil {
			break
		} else if isFatal(err) {
			return err
		}
		a.Logger.Warn("probe agent: fetch configuration", "err", err, "retry_in", wait.String())
		select {
		case <-ctx.Done():
			return nil
		case <-a.Clock.After(wait):
		}
	}
	stopProbes, err := a.start(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { stopProbes() }()
	nextConfig := a.Clock.Now().Add(a.ConfigEvery)
	for {
		select {
		case <-ctx.Done():
			stopProbes()
			// One last push of what was measured, bounded in time.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			a.Flush(fctx)
			cancel()
			return nil
		case <-a.Clock.After(a.PushEvery):
		}
		refetch := a.Flush(ctx)
		if refetch || !a.Clock.Now().Before(nextConfig) {
			nextConfig = a.Clock.Now().Add(a.ConfigEvery)
			fresh, err := a.FetchConfig(ctx)
			if err != nil {
				a.Logger.Warn("probe agent: fetch configuration", "err", err)
				continue
			}
			if !sameProbes(fresh, cfg) {
				a.Logger.Info("probe agent: configuration changed", "probes", len(fresh.Probes))
				stopProbes()
				if stopProbes, err = a.start(ctx, fresh); err != nil {
					return err
				}
				cfg = fresh
			}
		}
	}
}

func sameProbes(a, b AgentConfig) bool {
	return a.IntervalSeconds == b.IntervalSeconds && a.CAPEM == b.CAPEM && slices.Equal(a.Resolvers, b.Resolvers) && slices.Equal(a.Probes, b.Probes)
}

// start runs the configuration's probes in the background; the returned
// function stops them and waits.
func (a *Agent) start(ctx context.Context, cfg AgentConfig) (func(), error) {
	jobs, err := a.jobs(cfg)
	if err != nil {
		return nil, err
	}
	a.Logger.Info("probe agent: probing", "agent", a.Name, "probes", len(jobs))
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	runner := &probe.Runner{OnResult: a.add, Clock: a.Clock, Logger: a.Logger}
	go func() {
		defer close(done)
		if err := runner.Run(ctx, jobs); err != nil {
			a.Logger.Error("probe agent: runner", "err", err)
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }, nil
}

// jobs builds the probes of a configuration.
func (a *Agent) jobs(cfg AgentConfig) ([]probe.Scheduled, error) {
	every := time.Duration(cfg.IntervalSeconds) * time.Second
	if a.Interval > 0 {
		every = a.Interval
	}
	if every <= 0 {
		every = detect.RoundInterval
	}
	roots := a.RootCAs
	if cfg.CAPEM != "" {
		if roots == nil {
			var err error
			if roots, err = x509.SystemCertPool(); err != nil {
				roots = x509.NewCertPool()
			}
		} else {
			roots = roots.Clone()
		}
		if !roots.AppendCertsFromPEM([]byte(cfg.CAPEM)) {
			return nil, errors.New("probe agent: the server's ca_pem holds no certificate")
		}
	}
	var jobs []probe.Scheduled
	for _, p := range cfg.Probes {
		spec := probe.Spec{Name: p.Name, Dependency: p.Dependency, Control: p.Control, Timeout: a.ProbeTimeout}
		var pr probe.Probe
		switch p.Family {
		case probe.FamilyDNS:
			pr = &probe.DNS{Spec: spec, Host: p.Target, Resolvers: cfg.Resolvers, Clock: a.Clock}
		case probe.FamilyTCP:
			pr = &probe.TCP{Spec: spec, Addr: p.Target, Clock: a.Clock}
		case probe.FamilyTLS:
			pr = &probe.TLS{Spec: spec, Addr: p.Target, ServerName: p.ServerName, RootCAs: roots, Clock: a.Clock}
		case probe.FamilyHTTP:
			pr = &probe.HTTP{Spec: spec, URL: p.Target, RootCAs: roots, Clock: a.Clock}
		case probe.FamilyWebSocket:
			pr = &probe.WebSocket{Spec: spec, URL: p.Target, RootCAs: roots, Clock: a.Clock}
		default:
			a.Logger.Warn("probe agent: unknown probe family, skipped", "probe", p.Name, "family", string(p.Family))
			continue
		}
		jobs = append(jobs, probe.Scheduled{Probe: pr, Interval: every})
	}
	return jobs, nil
}

// add queues a result, dropping the oldest beyond MaxPending.
func (a *Agent) add(r probe.Result) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending = append(a.pending, RemoteResult{Probe: r.Probe, Family: string(r.Family), Dependency: r.Dependency, Control: r.Control,
		Target: r.Target, Start: r.Start, LatencyMS: float64(r.Latency) / float64(time.Millisecond), OK: r.OK, Class: string(r.Class), Detail: r.Detail})
	if over := len(a.pending) - a.MaxPending; over > 0 {
		a.pending = slices.Delete(a.pending, 0, over)
		a.stats.Dropped += over
	}
}

// Flush pushes the pending results in batches, retrying each failed push
// with backoff a bounded number of times. It reports whether the server
// refused a batch as invalid (the configuration may have changed).
func (a *Agent) Flush(ctx context.Context) (refetch bool) {
	a.defaults()
	for {
		a.mu.Lock()
		// The server refuses results older than MaxResultAge: drop them
		// here, with a margin, rather than have a whole batch refused.
		cut := a.Clock.Now().Add(-MaxResultAge + time.Minute)
		keep := a.pending[:0]
		for _, r := range a.pending {
			if r.Start.Before(cut) {
				a.stats.Dropped++
				continue
			}
			keep = append(keep, r)
		}
		a.pending = keep
		n := min(len(a.pending), MaxBatch)
		batch := Batch{Agent: a.Name, Results: slices.Clone(a.pending[:n])}
		a.mu.Unlock()
		if n == 0 {
			return refetch
		}
		var err error
		for try, wait := 0, time.Second; try < a.Retries; try, wait = try+1, 2*wait {
			if err = a.push(ctx, batch); err == nil || isFatal(err) || isInvalid(err) {
				break
			}
			a.Logger.Warn("probe agent: push failed", "err", err, "try", try+1, "pending", a.Stats().Pending)
			if try+1 < a.Retries {
				select {
				case <-ctx.Done():
					return refetch
				case <-a.Clock.After(wait):
				}
			}
		}
		a.mu.Lock()
		switch {
		case err == nil:
			a.pending = slices.Delete(a.pending, 0, n)
			a.stats.Pushed += n
		case isInvalid(err):
			a.Logger.Error("probe agent: the server refused a batch", "err", err, "results", n)
			a.pending = slices.Delete(a.pending, 0, n)
			a.stats.Rejected += n
			refetch = true
		}
		a.mu.Unlock()
		if err != nil && !isInvalid(err) {
			if isFatal(err) {
				a.Logger.Error("probe agent: push refused", "err", err)
			}
			return refetch
		}
	}
}

func (a *Agent) push(ctx context.Context, b Batch) error {
	body, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return a.call(ctx, http.MethodPost, "/api/v1/detect/results", body, nil)
}

// FetchConfig reads GET /api/v1/detect/config.
func (a *Agent) FetchConfig(ctx context.Context) (AgentConfig, error) {
	a.defaults()
	var cfg AgentConfig
	err := a.call(ctx, http.MethodGet, "/api/v1/detect/config", nil, &cfg)
	return cfg, err
}

// call sends one request with the token and decodes the JSON answer; an
// error says what the server said, never the token.
func (a *Agent) call(ctx context.Context, method, path string, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, a.Server+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		msg := strings.TrimSpace(truncate(string(raw), 200))
		if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
			msg = e.Error.Message
		}
		if resp.StatusCode == http.StatusNotFound {
			msg += " (is this a Vigie server, with detection on?)"
		}
		return fmt.Errorf("%s %s: %w", method, path, &ServerError{Status: resp.StatusCode, Message: msg})
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}
