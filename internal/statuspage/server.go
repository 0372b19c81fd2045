package statuspage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
)

// ReportSink records visitors' problem reports.
type ReportSink interface {
	ReportCounter
	// Add records a report; false means the same client already reported
	// this dependency recently and nothing was added.
	Add(ctx context.Context, dependency, category, client string) (bool, error)
}

// Options configure a Server.
type Options struct {
	Source  Source
	Reports ReportSink
	// Maintenances, when set, adds scheduled maintenance windows.
	Maintenances Maintenances
	Plan         func() *plan.Plan
	// Events are the crisis room's live events; any event triggers a rebuild.
	Events  *incident.Hub
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
	// ClientKey turns a request into an opaque client identifier for report
	// deduplication (an HMAC of address and user agent, never stored raw).
	ClientKey func(r *http.Request) string
	// Allow rate-limits public POSTs per client address.
	Allow func(r *http.Request) bool
	// MaxStreams bounds concurrent live-update connections.
	MaxStreams int
	// Subscribers and Mailer enable e-mail subscriptions (double opt-in);
	// Secret signs unsubscribe links; AllowSubscribe rate-limits the form.
	Subscribers    Subscribers
	Mailer         Mailer
	Secret         []byte
	AllowSubscribe func(r *http.Request) bool
	// PushAllowHTTP accepts browser subscriptions with an http endpoint
	// (a local push service; the allow_private_targets setting).
	PushAllowHTTP bool
	// ExportDir, when set, receives the site as static files after every
	// rebuild (see Snapshot.WriteDir).
	ExportDir string
	// Texter enables text-message subscriptions; SMSPerPrefixHour and
	// SMSPerDay cap confirmation texts [5 per prefix per hour, 500 a day].
	Texter           Texter
	SMSPerPrefixHour int
	SMSPerDay        int
	// Bucket, when set, receives the site (changed objects only) after
	// every rebuild, in the background (see Snapshot.Upload).
	Bucket Bucket
	// Cards, when set, serves social posts' image cards at /cards/.
	Cards Cards
	// Hooks enables webhook subscriptions.
	Hooks Hooks
	// PushKey (the VAPID public key) and Browsers enable web push.
	PushKey  string
	Browsers Browsers
}

// Server serves the public status page from in-memory snapshots.
type Server struct {
	o       Options
	current atomic.Pointer[Snapshot]
	// routedLangs are the page languages Routes registered (the fast path
	// serves the same ones).
	routedLangs []string
	version     atomic.Int64
	// refreshMu serialises rebuilds: a build that read the database
	// before a change must not replace one that read it after (a
	// crisis-room event and an explicit Refresh can overlap).
	refreshMu sync.Mutex
	last      *model // guarded by refreshMu
	kick      chan struct{}
	live      *streams
	smsGuard  *smsGuard
	// toUpload holds the newest snapshot not yet mirrored to the bucket.
	toUpload chan *Snapshot
}

// New returns a Server; call Refresh once before serving and Run to keep
// snapshots current.
func New(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxStreams == 0 {
		o.MaxStreams = 20000
	}
	if o.SMSPerPrefixHour <= 0 {
		o.SMSPerPrefixHour = 5
	}
	if o.SMSPerDay <= 0 {
		o.SMSPerDay = 500
	}
	return &Server{o: o, kick: make(chan struct{}, 1), live: newStreams(), smsGuard: newSMSGuard(o.SMSPerPrefixHour, o.SMSPerDay, o.Now),
		toUpload: make(chan *Snapshot, 1)}
}

// SetSubscribers enables subscriptions (call before serving).
func (s *Server) SetSubscribers(sub Subscribers) { s.o.Subscribers = sub }

// SetPush enables web-push subscriptions (call before serving).
func (s *Server) SetPush(publicKey string, b Browsers) { s.o.PushKey, s.o.Browsers = publicKey, b }

// SetHooks enables webhook subscriptions (call before serving).
func (s *Server) SetHooks(h Hooks) { s.o.Hooks = h }

// SetTexter enables text-message subscriptions (call before serving).
func (s *Server) SetTexter(t Texter) { s.o.Texter = t }

// Snapshot returns the snapshot being served.
func (s *Server) Snapshot() *Snapshot { return s.current.Load() }

// Trigger asks for a rebuild soon (coalesced).
func (s *Server) Trigger() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Refresh builds a new snapshot now. When the source fails and an earlier
// model exists, the page is re-rendered from it and marked stale, so
// visitors see the last known state and when it was last updated.
func (s *Server) Refresh(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	p := s.o.Plan()
	m, err := buildModel(ctx, s.o.Source, s.o.Reports, s.o.Maintenances, p, s.o.Now())
	stale := false
	if err != nil {
		last := s.last
		if last == nil {
			return err
		}
		s.o.Logger.Warn("status page: source unavailable, serving the last known state", "err", err, "built", last.Built)
		if cur := s.current.Load(); cur != nil && cur.Stale {
			return err
		}
		m, stale = last, true
	} else {
		s.last = m
	}
	snap, rerr := s.render(m, stale)
	if rerr != nil {
		return rerr
	}
	s.current.Store(snap)
	s.broadcast()
	if s.o.ExportDir != "" {
		if _, werr := snap.WriteDir(s.o.ExportDir); werr != nil {
			s.o.Logger.Error("status page export", "dir", s.o.ExportDir, "err", werr)
		}
	}
	if s.o.Bucket != nil {
		// Keep only the newest snapshot waiting: an older one is obsolete.
		select {
		case <-s.toUpload:
		default:
		}
		s.toUpload <- snap
	}
	return err
}

func (s *Server) render(m *model, stale bool) (*Snapshot, error) {
	p := m.Plan
	base := strings.TrimRight(s.o.BaseURL, "/")
	langs := append([]string{p.Organisation.DefaultLanguage}, without(p.Organisation.Languages, p.Organisation.DefaultLanguage)...)
	snap := &Snapshot{Version: s.version.Add(1), Built: m.Built, Stale: stale, entries: map[string]*entry{}, live: map[string][]byte{}, frames: map[string][]byte{}, langs: langs}
	css, _ := files.ReadFile("assets/style.css")
	cssSum := sha256.Sum256(css)
	cssVersion := hex.EncodeToString(cssSum[:6])
	add := func(path string, body []byte, ctype, cache string) error {
		e, err := newEntry(body, ctype, cache)
		if err != nil {
			return err
		}
		snap.entries[path] = e
		return nil
	}
	for _, lang := range langs {
		faq := faqFor(p, lang)
		page, err := m.renderPage(lang, faq, cssVersion, stale, features{
			Subscribe: s.o.Subscribers != nil && (s.o.Mailer != nil || s.o.Texter != nil || s.o.Hooks != nil),
			Email:     s.o.Mailer != nil,
			SMS:       s.o.Texter != nil,
			Webhook:   s.o.Hooks != nil,
			PushKey:   s.o.PushKey,
		})
		if err != nil {
			return nil, err
		}
		if err := add("/"+lang+"/", page, "text/html; charset=utf-8", cacheDynamic); err != nil {
			return nil, err
		}
		if len(faq) > 0 {
			faqPage, err := m.renderFAQ(lang, faq, cssVersion)
			if err != nil {
				return nil, err
			}
			if err := add("/"+lang+"/faq/", faqPage, "text/html; charset=utf-8", cacheDynamic); err != nil {
				return nil, err
			}
		}
		live, err := m.renderLive(lang, faq, stale)
		if err != nil {
			return nil, err
		}
		snap.live[lang] = live
		data, err := json.Marshal(map[string]any{"version": snap.Version, "built": snap.Built.UTC(), "stale": snap.Stale, "html": string(live)})
		if err != nil {
			return nil, fmt.Errorf("statuspage: encode live update: %w", err)
		}
		snap.frames[lang] = []byte(fmt.Sprintf("id: %d\nevent: update\ndata: %s\n\n", snap.Version, data))
	}
	docs, err := m.v2Documents(langs[0], base)
	if err != nil {
		return nil, err
	}
	for name, body := range docs {
		if err := add("/api/v2/"+name, body, "application/json; charset=utf-8", cacheDynamic); err != nil {
			return nil, err
		}
	}
	rssBody, err := m.rssFeed(langs[0], base)
	if err != nil {
		return nil, err
	}
	atomBody, err := m.atom(langs[0], base)
	if err != nil {
		return nil, err
	}
	for path, e := range map[string]struct {
		body  []byte
		ctype string
	}{
		"/history.rss":  {rssBody, "application/rss+xml; charset=utf-8"},
		"/history.atom": {atomBody, "application/atom+xml; charset=utf-8"},
		"/badge.svg":    {m.badge(langs[0]), "image/svg+xml"},
	} {
		if err := add(path, e.body, e.ctype, cacheDynamic); err != nil {
			return nil, err
		}
	}
	for path, asset := range map[string]string{"/assets/live.js": "assets/live.js", "/widget.js": "assets/widget.js", "/sw.js": "assets/sw.js"} {
		js, _ := files.ReadFile(asset)
		if err := add(path, js, "text/javascript; charset=utf-8", cacheAsset); err != nil {
			return nil, err
		}
	}
	if err := add("/assets/style.css", css, "text/css; charset=utf-8", cacheAsset); err != nil {
		return nil, err
	}
	return snap, nil
}

func without(list []string, v string) []string {
	var out []string
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// refreshInterval rebuilds even without events, so that relative figures
// (reports in the last 30 minutes, today's bar) stay current.
const refreshInterval = 30 * time.Second

// Run keeps the snapshot current until ctx is done: a crisis-room event or
// a Trigger rebuilds it within about 50 ms, and it is rebuilt every 30 s
// anyway.
func (s *Server) Run(ctx context.Context) {
	var events <-chan incident.Event
	if s.o.Events != nil {
		ch, stop := s.o.Events.Subscribe()
		defer stop()
		events = ch
	}
	if s.o.Bucket != nil {
		go s.uploadLoop(ctx)
	}
	tick := time.NewTicker(refreshInterval)
	defer tick.Stop()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	defer s.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			s.live.write(func(*stream) []byte { return heartbeatFrame })
			continue
		case <-events:
		case <-s.kick:
		case <-tick.C:
		}
		// Coalesce bursts (a declaration emits a dozen events).
		timer := time.NewTimer(50 * time.Millisecond)
	drain:
		for {
			select {
			case <-events:
			case <-s.kick:
			case <-timer.C:
				break drain
			case <-ctx.Done():
				timer.Stop()
				return
			}
		}
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := s.Refresh(rctx); err != nil && ctx.Err() == nil {
			s.o.Logger.Error("status page refresh", "err", err)
		}
		cancel()
	}
}

// broadcast pushes the current snapshot to every live connection.
func (s *Server) broadcast() {
	snap := s.current.Load()
	if snap == nil {
		return
	}
	s.live.write(func(st *stream) []byte { return snap.frames[st.lang] })
}

// pickLang returns the snapshot language for a request's Accept-Language.
func (snap *Snapshot) pickLang(r *http.Request) string {
	return snap.pickLangHeader(r.Header.Get("Accept-Language"))
}

// Routes registers the public site on mux. Pages exist per language of the
// plan at that time (/fr/, /en/); a language added later by a plan reload
// gets its URL at the next start, and is served at / meanwhile.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.handleRoot)
	s.routedLangs = append([]string(nil), s.o.Plan().Organisation.Languages...)
	for _, lang := range s.routedLangs {
		mux.HandleFunc("GET /"+lang+"/{$}", s.handleStatic)
		mux.HandleFunc("GET /"+lang+"/faq/{$}", s.handleStatic)
	}
	mux.HandleFunc("GET /api/v2/", s.handleStatic)
	mux.HandleFunc("GET /history.rss", s.handleStatic)
	mux.HandleFunc("GET /history.atom", s.handleStatic)
	mux.HandleFunc("GET /badge.svg", s.handleStatic)
	mux.HandleFunc("GET /widget.js", s.handleStatic)
	mux.HandleFunc("GET /sw.js", s.handleStatic)
	mux.HandleFunc("POST /push/subscribe", s.handlePushSubscribe)
	mux.HandleFunc("POST /push/unsubscribe", s.handlePushUnsubscribe)
	mux.HandleFunc("GET /assets/", s.handleStatic)
	mux.HandleFunc("GET /events", s.handleEvents)
	mux.HandleFunc("POST /report", s.handleReport)
	mux.HandleFunc("POST /subscribe", s.handleSubscribe)
	mux.HandleFunc("GET /subscribe/confirm", s.handleConfirmForm)
	mux.HandleFunc("POST /subscribe/confirm", s.handleConfirm)
	mux.HandleFunc("GET /unsubscribe", s.handleUnsubscribeForm)
	mux.HandleFunc("POST /unsubscribe", s.handleUnsubscribe)
	mux.HandleFunc("GET /cards/{file}", s.handleCard)
}

func (s *Server) unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "5")
	http.Error(w, "status page is starting", http.StatusServiceUnavailable)
}

// cspValue is the pages' Content-Security-Policy.
const cspValue = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors *"

func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", cspValue)
	h.Set("Referrer-Policy", "no-referrer")
}

func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	snap := s.current.Load()
	if snap == nil {
		s.unavailable(w)
		return
	}
	e := snap.entries["/"+snap.pickLang(r)+"/"]
	securityHeaders(w)
	w.Header().Set("Content-Language", snap.pickLang(r))
	serve(w, r, e, varyLanguage)
}

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	snap := s.current.Load()
	if snap == nil {
		s.unavailable(w)
		return
	}
	e, ok := snap.entries[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if strings.HasPrefix(e.ctype, "text/html") {
		securityHeaders(w)
	}
	if strings.HasPrefix(r.URL.Path, "/api/v2/") || r.URL.Path == "/badge.svg" || r.URL.Path == "/widget.js" {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}
	serve(w, r, e, nil)
}

// heartbeat keeps idle live connections open through proxies and finds
// the ones whose reader went away.
const heartbeat = 25 * time.Second

// handleEvents opens a Server-Sent Events stream of snapshot changes: each
// event carries the live region's HTML in the requested language. A client
// reconnecting with an older Last-Event-ID gets the current state at once.
// The connection is then handed over to the stream pool (see streams).
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	snap := s.current.Load()
	if snap == nil {
		s.unavailable(w)
		return
	}
	if s.live.count() >= s.o.MaxStreams {
		w.Header().Set("Retry-After", "30")
		http.Error(w, "too many live connections; the page still refreshes itself", http.StatusServiceUnavailable)
		return
	}
	lang := r.URL.Query().Get("lang")
	if _, ok := snap.frames[lang]; !ok {
		lang = snap.langs[0]
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "live updates need HTTP/1.1; the page refreshes itself", http.StatusHTTPVersionNotSupported)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	st := &stream{conn: conn, lang: lang}
	head := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\nretry: 3000\n\n"
	frame := []byte(head)
	if last := r.Header.Get("Last-Event-ID"); last != "" && last != strconv.FormatInt(snap.Version, 10) {
		frame = append(frame, snap.frames[lang]...)
	}
	if err := st.send(frame); err != nil {
		_ = conn.Close()
		return
	}
	s.live.add(st)
}

// Close closes the live connections (they are not tracked by
// http.Server.Shutdown once hijacked).
func (s *Server) Close() { s.live.closeAll() }

var categories = map[string]bool{"": true, "send": true, "receive": true, "connect": true, "calls": true}

// handleReport records "I have a problem with …" from the page (form post,
// answered with a redirect) or from scripts (Accept: application/json).
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	wantJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	reply := func(code int, msg string) {
		if wantJSON {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": code < 300, "message": msg})
			return
		}
		http.Error(w, msg, code)
	}
	if err := r.ParseForm(); err != nil {
		reply(http.StatusBadRequest, "malformed form")
		return
	}
	if s.o.Allow != nil && !s.o.Allow(r) {
		w.Header().Set("Retry-After", "60")
		reply(http.StatusTooManyRequests, "too many reports from your address; try again in a minute")
		return
	}
	dep, cat, lang := r.PostFormValue("dependency"), r.PostFormValue("category"), r.PostFormValue("lang")
	p := s.o.Plan()
	if p.Dependency(dep) == nil {
		reply(http.StatusUnprocessableEntity, fmt.Sprintf("unknown dependency %q", dep))
		return
	}
	if !categories[cat] {
		reply(http.StatusUnprocessableEntity, fmt.Sprintf("unknown category %q (send, receive, connect, calls)", cat))
		return
	}
	if !containsStr(p.Organisation.Languages, lang) {
		lang = p.Organisation.DefaultLanguage
	}
	// The honeypot field is invisible to people; bots fill it. Answer as if
	// accepted so they learn nothing.
	if r.PostFormValue("website") == "" && s.o.Reports != nil {
		client := ""
		if s.o.ClientKey != nil {
			client = s.o.ClientKey(r)
		}
		added, err := s.o.Reports.Add(r.Context(), dep, cat, client)
		if err != nil {
			s.o.Logger.Error("record problem report", "err", err)
			reply(http.StatusServiceUnavailable, "could not record your report; please try again")
			return
		}
		if added {
			s.Trigger()
		}
	}
	if wantJSON {
		reply(http.StatusAccepted, "recorded")
		return
	}
	http.Redirect(w, r, "/"+lang+"/#reported", http.StatusSeeOther)
}

// uploadLoop mirrors snapshots to the bucket, one at a time, newest first.
// A failed upload is tried again with the next snapshot (at the latest at
// the next periodic rebuild); what the bucket already holds is not sent
// again.
func (s *Server) uploadLoop(ctx context.Context) {
	known := map[string]string{}
	for {
		select {
		case <-ctx.Done():
			return
		case snap := <-s.toUpload:
			uctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			n, err := snap.Upload(uctx, s.o.Bucket, known)
			cancel()
			switch {
			case err != nil && ctx.Err() == nil:
				s.o.Logger.Error("status page upload to the bucket", "version", snap.Version, "uploaded", n, "err", err)
			case n > 0:
				s.o.Logger.Debug("status page uploaded to the bucket", "version", snap.Version, "objects", n)
			}
		}
	}
}
