package watch

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/vigie-hq/vigie/internal/detect"
	"github.com/vigie-hq/vigie/internal/detect/probe"
	"github.com/vigie-hq/vigie/internal/plan"
)

// controlDependency names the control probes' results.
const controlDependency = "controls"

// built is what the plan's detection section turns into.
type built struct {
	jobs     []probe.Scheduled
	webhook  *probe.Webhook
	traffic  map[string]*probe.Traffic // dependency → real-traffic window
	warnings []string
}

// build turns the plan's detection section into scheduled probes. A probe
// whose secret is missing is left out with a warning, so the others run.
func (w *Watcher) build(p *plan.Plan) (built, error) {
	var b built
	d := p.Detection
	if d == nil {
		return b, nil
	}
	interval := time.Duration(d.IntervalSeconds) * time.Second
	if interval <= 0 {
		interval = detect.RoundInterval
	}
	roots := w.o.RootCAs
	if d.CAFile != "" {
		pem, err := os.ReadFile(d.CAFile)
		if err != nil {
			return b, fmt.Errorf("watch: detection.ca_file: %w", err)
		}
		if roots == nil {
			if roots, err = x509.SystemCertPool(); err != nil {
				roots = x509.NewCertPool()
			}
		}
		if !roots.AppendCertsFromPEM(pem) {
			return b, fmt.Errorf("watch: detection.ca_file %s holds no PEM certificate", d.CAFile)
		}
	}
	clock := w.o.Clock
	add := func(pr probe.Probe, every time.Duration) {
		b.jobs = append(b.jobs, probe.Scheduled{Probe: pr, Interval: every})
	}
	network := func(dep string, control bool, t plan.ProbeTargets) {
		spec := func(kind, target string) probe.Spec {
			return probe.Spec{Name: dep + "/" + kind + "/" + target, Dependency: dep, Control: control, Timeout: w.o.ProbeTimeout}
		}
		for _, h := range t.DNS {
			add(&probe.DNS{Spec: spec("dns", h), Host: h, Resolvers: d.Resolvers, Clock: clock}, interval)
		}
		for _, a := range t.TCP {
			add(&probe.TCP{Spec: spec("tcp", a), Addr: a, Clock: clock}, interval)
		}
		for _, u := range t.HTTPS {
			add(&probe.HTTP{Spec: spec("https", u), URL: u, RootCAs: roots, Clock: clock}, interval)
			if pu, err := url.Parse(u); err == nil && pu.Host != "" {
				addr := pu.Host
				if pu.Port() == "" {
					addr = net.JoinHostPort(pu.Hostname(), "443")
				}
				add(&probe.TLS{Spec: spec("tls", addr), Addr: addr, ServerName: pu.Hostname(), RootCAs: roots, Clock: clock}, interval)
			}
		}
		for _, u := range t.WebSocket {
			add(&probe.WebSocket{Spec: spec("websocket", u), URL: u, RootCAs: roots, Clock: clock}, interval)
		}
	}
	network(controlDependency, true, d.Controls)
	b.traffic = map[string]*probe.Traffic{}
	var observers []probe.StatusObserver
	tracker := probe.NewTracker()
	var appSecret, verifyToken string
	for _, dp := range d.Dependencies {
		network(dp.ID, false, dp.ProbeTargets)
		c := dp.CloudAPI
		if c == nil {
			continue
		}
		token, err := w.o.Secret(c.Token)
		if err != nil {
			b.warnings = append(b.warnings, fmt.Sprintf("%s: Cloud API probes disabled: token: %v", dp.ID, err))
			continue
		}
		api := probe.CloudAPI{BaseURL: c.BaseURL, Version: c.Version, PhoneNumberID: c.PhoneNumberID, Token: token, Client: w.o.HTTPClient}
		if api.BaseURL == "" {
			api.BaseURL = "https://graph.facebook.com"
		}
		add(&probe.Health{Spec: probe.Spec{Name: dp.ID + "/cloudapi/health", Dependency: dp.ID}, API: api, Clock: clock}, interval)
		if s, err := w.o.Secret(c.AppSecret); err == nil {
			appSecret = s
		} else if c.AppSecret != (plan.SecretRef{}) {
			b.warnings = append(b.warnings, fmt.Sprintf("%s: status webhook disabled: app_secret: %v", dp.ID, err))
		}
		if s, err := w.o.Secret(c.VerifyToken); err == nil {
			verifyToken = s
		}
		if appSecret == "" {
			continue // without verified statuses, neither canary nor traffic can be judged
		}
		tr := &probe.Traffic{Spec: probe.Spec{Name: dp.ID + "/traffic", Dependency: dp.ID}, Window: 5 * time.Minute, MinSamples: 5,
			MaxFailureRatio: 0.5, MaxDeliveryP90: 2 * time.Minute, Clock: clock}
		b.traffic[dp.ID] = tr
		observers = append(observers, tr)
		add(tr, interval)
		if c.CanaryTo != "" && c.CanaryTemplate != "" {
			every := time.Duration(c.CanaryIntervalSeconds) * time.Second
			if every <= 0 {
				every = detect.CanaryInterval
			}
			lang := c.CanaryLanguage
			if lang == "" {
				lang = "en"
			}
			add(&probe.Canary{Spec: probe.Spec{Name: dp.ID + "/canary", Dependency: dp.ID, Timeout: detect.CanaryTimeout + 5*time.Second}, API: api,
				To: c.CanaryTo, Template: c.CanaryTemplate, Language: lang, Deadline: detect.CanaryTimeout, Tracker: tracker, Clock: clock}, every)
		}
	}
	if appSecret != "" {
		observers = append(observers, tracker)
		if w.o.Receipt != nil {
			observers = append(observers, receipts{record: w.o.Receipt, logger: w.o.Logger})
		}
		b.webhook = &probe.Webhook{VerifyToken: verifyToken, AppSecret: appSecret, Observers: observers, Logger: w.o.Logger}
	}
	return b, nil
}

// signal turns a probe result into evidence for the evaluator. Results
// that say nothing about the dependency (our configuration, our rate
// limit, too few samples, a cancelled run) are unknown, never bad.
func signal(r probe.Result) detect.Signal {
	s := detect.Signal{Dependency: r.Dependency, Family: detect.Family(r.Family), Source: "local", Control: r.Control, At: r.Start.Add(r.Latency),
		Status: detect.StatusGood, Detail: r.Detail}
	if r.Probe != "" {
		s.Source = r.Probe
	}
	if r.Control {
		s.Dependency = ""
	}
	if !r.OK {
		s.Status = detect.StatusBad
		switch r.Class {
		case probe.ClassNoData, probe.ClassConfig, probe.ClassRateLimited, probe.ClassLimited, probe.ClassCanceled:
			s.Status = detect.StatusUnknown
		}
		if r.Class != "" {
			s.Detail = string(r.Class) + ": " + r.Detail
		}
	}
	return s
}

// receipts turns Meta's statuses into delivery receipts of the WhatsApp
// channel, found by the message's wamid.
type receipts struct {
	record func(ctx context.Context, provider, providerID, state, reason string) (bool, error)
	logger *slog.Logger
}

// whatsappProvider is the WhatsApp channel's provider name in the ledger.
const whatsappProvider = "whatsapp_cloud"

func (r receipts) Observe(s probe.Status) {
	state, reason := "", ""
	switch s.Status {
	case probe.StatusDelivered, probe.StatusRead:
		state = "delivered"
	case probe.StatusFailed:
		state = "failed"
		for _, e := range s.Errors {
			reason = fmt.Sprintf("%d %s", e.Code, e.Title)
			break
		}
	default:
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := r.record(ctx, whatsappProvider, s.ID, state, reason); err != nil {
		r.logger.Warn("record a WhatsApp receipt", "err", err)
	}
}
