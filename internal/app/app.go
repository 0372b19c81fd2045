// Package app wires Vigie together: configuration, database, crisis plan and
// HTTP surfaces. It is the only package that knows all the others.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/api"
	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/channel/email"
	"github.com/vigie-hq/vigie/internal/channel/email/dkim"
	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/detect/watch"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/maintenance"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/planversion"
	"github.com/vigie-hq/vigie/internal/qa"
	"github.com/vigie-hq/vigie/internal/receipts"
	"github.com/vigie-hq/vigie/internal/s3"
	"github.com/vigie-hq/vigie/internal/social/publish"
	"github.com/vigie-hq/vigie/internal/statuspage"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/userreport"
	"github.com/vigie-hq/vigie/internal/vault"
	"github.com/vigie-hq/vigie/internal/web"
)

// App is a running Vigie instance.
type App struct {
	cfg       config.Config
	logger    *slog.Logger
	db        *store.DB
	accounts  *account.Store
	versions  *planversion.Store
	now       func() time.Time
	started   time.Time
	incidents *incident.Service
	api       *api.Server
	status    *statuspage.Server
	deliver   *deliver.Engine
	receipts  *receipts.Server
	sessions  *auth.Sessions
	console   *web.Console
	watch     *watch.Watcher
	qa        *qa.Server
	role      Role
	// social are the social accounts by platform; set once in New, read
	// afterwards (texts are checked against their rules).
	social map[string]*publish.Channel

	mu   sync.RWMutex
	plan *plan.Plan
}

// Role selects what a process runs (see vigie serve --role).
type Role string

// Roles.
const (
	RoleAll    Role = "all"
	RoleWeb    Role = "web"
	RoleWorker Role = "worker"
)

// Options are optional collaborators; zero values get sensible defaults.
type Options struct {
	// Role is RoleAll when empty.
	Role Role
	Now  func() time.Time
	// Getenv reads channel credentials named by the plan (default os.Getenv).
	Getenv func(string) string
}

// New builds an App on an open, migrated database and loads the plan. When
// the configured plan has errors and an earlier version is stored, that
// version is used and the errors are logged; with no earlier version, New
// fails with the diagnostics.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger, db *store.DB, opts Options) (*App, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	a := &App{
		cfg:      cfg,
		logger:   logger,
		db:       db,
		accounts: account.NewStore(db),
		versions: planversion.NewStore(db),
		now:      now,
		started:  now(),
		role:     opts.Role,
	}
	if a.role == "" {
		a.role = RoleAll
	}
	if len(cfg.SecretKey) < 32 {
		return nil, errors.New("app: secret key missing or shorter than 32 characters")
	}
	a.sessions = auth.NewSessions([]byte(cfg.SecretKey), strings.HasPrefix(cfg.PublicURL(), "https://"), now)
	notifier := &teamNotifier{logger: logger}
	// One audience store serves the page's forms, the engine and receipts.
	subscribers := audience.NewStore(db, now)
	var (
		mailer  statuspage.Mailer
		senders []deliver.Sender
	)
	if cfg.SMTPURL != "" {
		sender, err := email.New(cfg.SMTPURL, cfg.SMTPFrom)
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		if cfg.DKIMPrivateKey != "" {
			key, err := dkim.ParsePrivateKey([]byte(cfg.DKIMPrivateKey))
			if err != nil {
				return nil, fmt.Errorf("app: dkim_private_key: %w", err)
			}
			if err := sender.WithDKIM(cfg.DKIMDomain, cfg.DKIMSelector, key); err != nil {
				return nil, fmt.Errorf("app: %w", err)
			}
		}
		notifier.mail = sender
		mailer = smtpMailer{sender}
		senders = append(senders, email.NewBulk(sender, 16, 100))
	}
	a.incidents = incident.NewService(db, a.Plan, incident.Options{Now: now, Notifier: notifier, Logger: logger, CheckText: a.checkText})
	bucket, err := StatuspageBucket(cfg, opts.Getenv)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	reports := userreport.NewStore(db, now)
	maint := maintenance.NewService(db, a.Plan, now, func() { a.status.Trigger() })
	qaLimit := auth.NewLimiter(60, time.Minute, now)
	mirror := &qaMirror{}
	qaService := qa.NewService(db, qa.Options{Plan: a.Plan, Timeline: a.incidents, Flagger: &lazyFlagger{logger: logger}, Mirror: mirror, Logger: logger, Now: now})
	if a.qa, err = qa.NewServer(qa.ServerOptions{Service: qaService, Plan: a.Plan, ClientKey: clientKey([]byte(cfg.SecretKey)),
		Allow: func(r *http.Request) bool { return qaLimit.Allow(auth.ClientIP(r)) }, Logger: logger}); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	reportLimit := auth.NewLimiter(20, time.Minute, now)
	subscribeLimit := auth.NewLimiter(5, time.Hour, now)
	a.status = statuspage.New(statuspage.Options{
		Source:       a.incidents,
		Reports:      reports,
		Maintenances: maint,
		Plan:         a.Plan,
		Events:       a.incidents.Hub(),
		BaseURL:      cfg.PublicURL(),
		Logger:       logger,
		Now:          now,
		ClientKey:    clientKey([]byte(cfg.SecretKey)),
		Allow:        func(r *http.Request) bool { return reportLimit.Allow(auth.ClientIP(r)) },
		MaxStreams:   20000,
		ExportDir:    cfg.StatuspageExport,
		Bucket:       bucket,
		Mailer:       mailer,
		Secret:       []byte(cfg.SecretKey),
		AllowSubscribe: func(r *http.Request) bool {
			return subscribeLimit.Allow(auth.ClientIP(r))
		},
		PushAllowHTTP: cfg.AllowPrivateTargets,
	})
	if mailer != nil {
		a.status.SetSubscribers(subscribers)
	}
	a.api = &api.Server{
		Auth:         &auth.Authenticator{Accounts: a.accounts, Sessions: a.sessions},
		Incidents:    a.incidents,
		Maintenances: maint,
		Plan:         a.Plan,
		Logger:       logger,
		FailLimit:    auth.NewLimiter(30, time.Minute, now),
		Reach: func(ctx context.Context, id int64) (map[string]map[string]int, error) {
			return a.deliver.Reach(ctx, id)
		},
	}
	a.console, err = web.New(web.Deps{
		Accounts:   a.accounts,
		Versions:   a.versions,
		Audience:   subscribers,
		QA:         qaService,
		Incidents:  a.incidents,
		Plan:       a.Plan,
		Sessions:   a.sessions,
		LoginLimit: auth.NewLimiter(10, time.Minute, now),
		Logger:     logger,
		Now:        now,
		Reach: func(ctx context.Context, id int64) (map[string]map[string]int, error) {
			return a.deliver.Reach(ctx, id)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	if err := a.ReloadPlan(ctx, "startup"); err != nil {
		stored, ferr := a.storedPlan(ctx)
		if ferr != nil {
			return nil, err
		}
		logger.Error("configured plan rejected; serving the last stored version", "err", err, "plan_hash", stored.Hash())
		a.plan = stored
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	senders = append(senders, channelSenders(a.Plan(), getenv, cfg.AllowPrivateTargets, cfg.PublicURL(), logger)...)
	sealed, err := vault.New(db, []byte(cfg.SecretKey), now)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	images := publish.NewImages(db, now)
	a.status.SetCards(images)
	threads := publish.NewThreads(db, now)
	sdeps := socialDeps{vault: sealed, threads: threads, images: images, publicURL: cfg.PublicURL(), incidents: a.incidents, logger: logger}
	accounts := socialSenders(ctx, a.Plan(), getenv, sdeps)
	a.social = channelsOf(accounts)
	for _, s := range accounts {
		mirror.channels = append(mirror.channels, s.(deliver.Broadcaster))
	}
	senders = append(senders, accounts...)
	posts := &socialPosts{threads: threads, incidents: a.incidents, accounts: a.social}
	a.api.Posts = posts
	a.console.Posts = posts
	a.console.Social = &socialAccounts{db: db, deps: sdeps, plan: a.Plan, getenv: getenv, channels: a.social}
	for _, s := range senders {
		if ps, ok := s.(interface{ PublicKey() string }); ok && s.Channel() == "push" {
			a.status.SetPush(ps.PublicKey(), subscribers)
		}
		if hooks, ok := s.(statuspage.Hooks); ok && s.Channel() == "webhook" {
			a.status.SetHooks(hooks)
			a.status.SetSubscribers(subscribers)
		}
		if tc, ok := s.(teamChat); ok && s.Channel() == "slack" {
			// The team chat posts to its channel; pages go to each person.
			notifier.chat = map[string]deliver.Sender{"slack": tc.Sender}
		}
		if s.Channel() == "sms" && notifier.sms == nil {
			notifier.sms = s
			a.status.SetTexter(smsTexter{s})
			a.status.SetSubscribers(subscribers)
		}
	}
	if err := a.status.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("app: first status page snapshot: %w", err)
	}
	a.deliver = deliver.New(db, senders, deliver.Options{
		DefaultLang:    a.defaultLanguage(),
		UnsubscribeURL: a.status.UnsubscribeURL,
		Escalations:    a.escalations,
		RatePerSecond:  socialRates,
		ReachTTL:       2 * time.Second,
		Burst:          socialBursts,
		Now:            now,
		Logger:         logger,
		OnGone: func(ctx context.Context, channel, address string) {
			if _, err := subscribers.OptOut(ctx, channel, address); err != nil {
				logger.Error("drop a gone address", "channel", channel, "err", err)
			}
		},
	})
	if a.watch, err = a.newWatcher(cfg, getenv, reports, notifier, logger); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	if a.watch != nil { // never a typed nil: that would look like "detection on"
		a.api.Detection = a.watch
		a.console.Detection = a.watch
	}
	a.receipts = &receipts.Server{Ledger: a.deliver, Audience: subscribers, PublicURL: cfg.PublicURL(),
		TwilioAuthToken: twilioToken(a.Plan(), getenv), Logger: logger}
	return a, nil
}

// escalations are the plan's channel order for the delivery engine.
func (a *App) escalations() []deliver.Escalation {
	var out []deliver.Escalation
	for _, e := range a.Plan().Delivery.Escalation {
		out = append(out, deliver.Escalation{From: e.From, To: e.To, After: time.Duration(e.AfterMinutes) * time.Minute})
	}
	return out
}

// Plan returns the active crisis plan.
func (a *App) Plan() *plan.Plan {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.plan
}

// Incidents returns the crisis room.
func (a *App) Incidents() *incident.Service { return a.incidents }

// Accounts returns the account store.
func (a *App) Accounts() *account.Store { return a.accounts }

// Handler returns the HTTP handler of every surface (a worker serves
// health checks and detection's webhook and metrics only).
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", handleHealthz(a.started, a.now))
	mux.HandleFunc("GET /readyz", handleReadyz(a.db, string(a.db.Dialect())))
	if a.role == RoleWorker {
		// Detection runs here: Meta's status webhook, the probes' metrics
		// and the remote agents' results must reach this process.
		a.detectionRoutes(mux)
		a.api.DetectionRoutes(mux)
		return mux
	}
	a.status.Routes(mux)
	a.qa.Routes(mux)
	a.console.Routes(mux)
	a.api.Routes(mux)
	a.receipts.Routes(mux)
	a.detectionRoutes(mux)
	return mux
}

// Serve listens on the configured address and serves until ctx is done, then
// shuts down gracefully within the configured timeout. ready, when not nil,
// receives the bound address once the listener is open.
func (a *App) Serve(ctx context.Context, ready func(addr net.Addr)) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("app: listen on %s: %w", a.cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Shutdown waits for open requests; the console's live streams end
	// when it starts.
	srv.RegisterOnShutdown(a.console.Close)
	srv.RegisterOnShutdown(a.status.Close)
	srv.RegisterOnShutdown(a.qa.Close)
	if a.role != RoleWorker {
		// The status page's hot requests are answered from its snapshot
		// before net/http (see statuspage.FastListener).
		ln = a.status.FastListener(ln)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	workers, stopWorkers := context.WithCancel(ctx)
	var wg sync.WaitGroup
	background := a.role != RoleWeb
	if background {
		wg.Add(1)
		go func() { defer wg.Done(); a.runCadence(workers) }()
	}
	if a.role != RoleWorker {
		wg.Add(1)
		go func() { defer wg.Done(); a.status.Run(workers) }()
	}
	if background {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.deliver.Recover(workers); err != nil {
				a.logger.Error("recover delivery jobs", "err", err)
			}
			a.deliver.Run(workers)
		}()
	}
	if a.watch != nil && background {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.logger.Info("detection running", "probes", a.watch.Probes())
			if err := a.watch.Run(workers); err != nil {
				a.logger.Error("detection stopped", "err", err)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.incidents.RunBridge(workers); err != nil {
			a.logger.Error("cross-process event relay stopped", "err", err)
		}
	}()
	// Background jobs stop after HTTP has drained (deferred calls run last).
	defer func() { stopWorkers(); wg.Wait() }()
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("app: serve: %w", err)
	case <-ctx.Done():
	}
	a.logger.Info("shutting down", "timeout", a.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("app: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("app: serve: %w", err)
	}
	return nil
}

// cadenceInterval is how often reminders and escalations are checked.
const cadenceInterval = 10 * time.Second

// runCadence checks update cadences until ctx is done.
func (a *App) runCadence(ctx context.Context) {
	t := time.NewTicker(cadenceInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			tctx, cancel := context.WithTimeout(ctx, cadenceInterval)
			if err := a.incidents.Tick(tctx); err != nil && ctx.Err() == nil {
				a.logger.Error("cadence check", "err", err)
			}
			cancel()
		}
	}
}

// clientKey identifies a visitor for report deduplication without storing
// their address: an HMAC of address and user agent under the secret key.
func clientKey(secret []byte) func(r *http.Request) string {
	return func(r *http.Request) string {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("report\x00" + auth.ClientIP(r) + "\x00" + r.UserAgent()))
		return hex.EncodeToString(m.Sum(nil)[:16])
	}
}

// defaultLanguage is the language of subscribers whose own language a
// message lacks: the plan's default, before the plan is loaded "fr".
func (a *App) defaultLanguage() string {
	if p := a.Plan(); p != nil {
		return p.Organisation.DefaultLanguage
	}
	return "fr"
}

// StatuspageBucket opens the bucket the status page is mirrored to, if one
// is configured (nil otherwise); credentials come from the configuration or from the
// standard AWS variables, never from the plan.
func StatuspageBucket(cfg config.Config, getenv func(string) string) (statuspage.Bucket, error) {
	if cfg.StatuspageS3 == "" {
		return nil, nil
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	o, err := s3.ParseURL(cfg.StatuspageS3)
	if err != nil {
		return nil, fmt.Errorf("statuspage_s3: %w", err)
	}
	o.AccessKey, o.SecretKey = cfg.S3AccessKeyID, cfg.S3SecretAccessKey
	if o.AccessKey == "" {
		o.AccessKey = getenv("AWS_ACCESS_KEY_ID")
	}
	if o.SecretKey == "" {
		o.SecretKey = getenv("AWS_SECRET_ACCESS_KEY")
	}
	c, err := s3.New(o)
	if err != nil {
		return nil, fmt.Errorf("statuspage_s3: %w", err)
	}
	return c, nil
}
