package qa

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
)

//go:embed templates/*.html assets/*
var files embed.FS

// ServerOptions configure the public page.
type ServerOptions struct {
	Service *Service
	Plan    func() *plan.Plan
	// ClientKey turns a request into an opaque client identifier (an HMAC
	// of address and user agent); nil uses one under a random key.
	ClientKey func(r *http.Request) string
	// Allow, when set, rate-limits public POSTs per address on top of the
	// per-client limits of the Service.
	Allow func(r *http.Request) bool
	// MaxStreams bounds concurrent live connections [5000].
	MaxStreams int
	// Heartbeat is how often idle live connections get a comment [25 s].
	Heartbeat time.Duration
	Logger    *slog.Logger
}

// Server serves the public Q&A page under /qa.
type Server struct {
	o       ServerOptions
	page    *template.Template
	cop     *http.CrossOriginProtection
	assets  map[string]asset
	streams atomic.Int64

	framesMu sync.Mutex
	frames   map[string]frame

	closeOnce sync.Once
	done      chan struct{}
}

type asset struct {
	body  []byte
	ctype string
	hash  string
}

type frame struct {
	version int64
	data    []byte
}

// NewServer parses the embedded templates; an error here is a bug caught
// at start-up.
func NewServer(o ServerOptions) (*Server, error) {
	if o.Service == nil || o.Plan == nil {
		return nil, errors.New("qa: server needs Service and Plan")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = 5000
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 25 * time.Second
	}
	if o.ClientKey == nil {
		o.ClientKey = randomClientKey()
	}
	s := &Server{o: o, cop: http.NewCrossOriginProtection(), assets: map[string]asset{}, frames: map[string]frame{}, done: make(chan struct{})}
	for name, ctype := range map[string]string{"qa.js": "text/javascript; charset=utf-8", "qa.css": "text/css; charset=utf-8"} {
		b, err := files.ReadFile("assets/" + name)
		if err != nil {
			return nil, fmt.Errorf("qa: asset %s: %w", name, err)
		}
		sum := sha256.Sum256(b)
		s.assets[name] = asset{body: b, ctype: ctype, hash: hex.EncodeToString(sum[:4])}
	}
	var err error
	s.page, err = template.New("").Funcs(template.FuncMap{
		"asset": func(name string) string { return "/qa/" + name + "?v=" + s.assets[name].hash },
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
	}).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("qa: parse templates: %w", err)
	}
	return s, nil
}

// Routes registers the public Q&A routes on mux. POSTs are checked for
// same origin (no CSRF token: visitors have no session).
func (s *Server) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /qa", s.handlePage)
	mux.HandleFunc("GET /qa/events", s.handleEvents)
	mux.HandleFunc("GET /qa/{asset}", s.handleAsset)
	mux.Handle("POST /qa/questions", s.cop.Handler(http.HandlerFunc(s.handleAsk)))
	mux.Handle("POST /qa/questions/{id}/vote", s.cop.Handler(http.HandlerFunc(s.handleVote)))
}

// Close ends the live streams (http.Server.Shutdown waits for them).
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.done) }) }

// lang picks the page language among the plan's: ?lang=, then the
// browser's Accept-Language, then the plan's default.
func (s *Server) lang(r *http.Request, p *plan.Plan) string {
	if l := r.FormValue("lang"); slices.Contains(p.Organisation.Languages, l) {
		return l
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if slices.Contains(p.Organisation.Languages, base) {
			return base
		}
	}
	return p.Organisation.DefaultLanguage
}

// form is what a visitor typed, kept when the page is shown again.
type form struct {
	Text, FirstName string
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	p := s.o.Plan()
	lang := s.lang(r, p)
	notice := ""
	for _, k := range []string{"sent", "voted", "already"} {
		if r.URL.Query().Has(k) {
			notice = words(lang)[k]
		}
	}
	s.render(w, r, http.StatusOK, lang, notice, "", form{})
}

// render shows the page with a notice (role=status) or an error
// (role=alert) and the form as typed.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, lang, notice, problem string, f form) {
	v, err := s.view(r, lang)
	if err != nil {
		s.o.Logger.Error("qa: build page", "err", err)
		http.Error(w, words(lang)["failed"], http.StatusServiceUnavailable)
		return
	}
	v.Notice, v.Error, v.Form = notice, problem, f
	var b bytes.Buffer
	if err := s.page.ExecuteTemplate(&b, "page.html", v); err != nil {
		s.o.Logger.Error("qa: render page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept-Language")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

func (s *Server) handleAsk(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "form too large or malformed", http.StatusRequestEntityTooLarge)
		return
	}
	p := s.o.Plan()
	lang := s.lang(r, p)
	wd := words(lang)
	f := form{Text: r.PostFormValue("question"), FirstName: r.PostFormValue("first_name")}
	sent := func() { http.Redirect(w, r, "/qa?lang="+url.QueryEscape(lang)+"&sent=1#ask", http.StatusSeeOther) }
	// The honeypot field is invisible to people; bots fill it. Answer as
	// if accepted so they learn nothing.
	if r.PostFormValue("website") != "" {
		sent()
		return
	}
	if s.o.Allow != nil && !s.o.Allow(r) {
		w.Header().Set("Retry-After", "600")
		s.render(w, r, http.StatusTooManyRequests, lang, "", wd["limited"], f)
		return
	}
	sessionID, _ := strconv.ParseInt(r.PostFormValue("session"), 10, 64)
	_, err := s.o.Service.Ask(r.Context(), AskInput{SessionID: sessionID, Text: f.Text, FirstName: f.FirstName, Lang: lang, Client: s.o.ClientKey(r)})
	if err != nil {
		code, msg := s.problem(err, wd)
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "600")
		}
		s.render(w, r, code, lang, "", msg, f)
		return
	}
	sent()
}

func (s *Server) handleVote(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "form too large or malformed", http.StatusRequestEntityTooLarge)
		return
	}
	lang := s.lang(r, s.o.Plan())
	wd := words(lang)
	wantJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.NotFound(w, r)
		return
	}
	var votes int
	if s.o.Allow != nil && !s.o.Allow(r) {
		err = ErrLimited
	} else {
		votes, err = s.o.Service.Vote(r.Context(), id, s.o.ClientKey(r))
	}
	back := "/qa?lang=" + url.QueryEscape(lang)
	if wantJSON {
		code, msg := http.StatusOK, wd["voted"]
		if err != nil {
			code, msg = s.problem(err, wd)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": err == nil, "votes": votes, "message": msg})
		return
	}
	switch {
	case err == nil:
		http.Redirect(w, r, fmt.Sprintf("%s&voted=1#q-%d", back, id), http.StatusSeeOther)
	case errors.Is(err, ErrAlreadyVoted):
		http.Redirect(w, r, fmt.Sprintf("%s&already=1#q-%d", back, id), http.StatusSeeOther)
	default:
		code, msg := s.problem(err, wd)
		s.render(w, r, code, lang, "", msg, form{})
	}
}

// problem maps a Service error to a status and a message for visitors;
// unexpected causes are logged, never shown.
func (s *Server) problem(err error, wd map[string]string) (int, string) {
	switch {
	case errors.Is(err, ErrLimited):
		return http.StatusTooManyRequests, wd["limited"]
	case errors.Is(err, ErrAlreadyVoted):
		return http.StatusConflict, wd["already"]
	}
	switch incident.CodeOf(err) {
	case incident.CodeInvalid:
		return http.StatusUnprocessableEntity, wd["invalid"]
	case incident.CodeNotFound, incident.CodeTransition:
		return http.StatusConflict, wd["closed"]
	}
	s.o.Logger.Error("qa: public request failed", "err", err)
	return http.StatusServiceUnavailable, wd["failed"]
}

func (s *Server) handleAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets[r.PathValue("asset")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == a.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(a.body)
}

// randomClientKey keys clients by address and user agent under a key
// that lives as long as the process.
func randomClientKey() func(r *http.Request) string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return func(r *http.Request) string {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte("qa\x00" + host + "\x00" + r.UserAgent()))
		return hex.EncodeToString(m.Sum(nil)[:16])
	}
}
