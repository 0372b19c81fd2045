// Package web is Vigie's admin console: server-rendered pages for signing
// in, the dashboard, the crisis room of an incident, the plan and the
// accounts. Every page works without JavaScript; a small embedded script
// keeps the crisis room live over Server-Sent Events.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/planversion"
	"github.com/vigie-hq/vigie/internal/qa"
)

// csp allows our own script and styles, and nothing from elsewhere.
const csp = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// maxForm bounds form bodies; message texts are the largest fields.
const maxForm = 256 << 10

// Deps are the console's collaborators.
type Deps struct {
	Accounts   *account.Store
	Versions   *planversion.Store
	Incidents  *incident.Service
	Plan       func() *plan.Plan
	Sessions   *auth.Sessions
	LoginLimit *auth.Limiter
	Logger     *slog.Logger
	Now        func() time.Time
	// Reach counts a published message's deliveries per channel and state
	// (nil: not shown).
	Reach func(ctx context.Context, messageID int64) (map[string]map[string]int, error)
	// Audience is the subscriber store behind /admin/audience (nil: the
	// page says it is not available).
	Audience *audience.Store
	// QA runs the live Q&A sessions behind /admin/qa (nil: the page says
	// it is not available).
	QA *qa.Service
	// Detection is the running Watcher behind /admin/detection (nil: the
	// page says detection is off and how to turn it on).
	Detection Detection
	// Posts are the incidents' social posts (nil: not shown).
	Posts Posts
	// Social lists and reconnects the social accounts (nil: none).
	Social SocialAccounts
}

// Console serves the admin console under /admin/.
type Console struct {
	Deps
	pages    *template.Template
	assets   *assets
	flashKey []byte
	cop      *http.CrossOriginProtection

	closeOnce sync.Once
	done      chan struct{}
}

// New parses the embedded templates and static files and returns the
// console; a template error fails here, at start-up, not on a page view.
func New(d Deps) (*Console, error) {
	if d.Accounts == nil || d.Incidents == nil || d.Plan == nil || d.Sessions == nil {
		return nil, errors.New("web: Accounts, Incidents, Plan and Sessions are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.LoginLimit == nil {
		d.LoginLimit = auth.NewLimiter(10, time.Minute, d.Now)
	}
	a, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, fmt.Errorf("web: parse templates: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("web: flash key: %w", err)
	}
	return &Console{Deps: d, pages: pages, assets: a, flashKey: key, cop: http.NewCrossOriginProtection(), done: make(chan struct{})}, nil
}

// Close ends the live event streams; call it when the server shuts down
// (http.Server.RegisterOnShutdown), since Shutdown waits for open streams.
func (c *Console) Close() { c.closeOnce.Do(func() { close(c.done) }) }

// Routes registers every console route on mux. Each POST goes through
// cross-origin protection and the double-submit CSRF check.
func (c *Console) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /admin/static/{file}", c.handleStatic)
	mux.HandleFunc("GET /admin/login", c.handleLoginForm)
	mux.Handle("POST /admin/login", c.cop.Handler(http.HandlerFunc(c.handleLogin)))
	mux.Handle("POST /admin/logout", c.cop.Handler(http.HandlerFunc(c.handleLogout)))
	mux.Handle("POST /admin/password", c.cop.Handler(http.HandlerFunc(c.handlePassword)))

	mux.HandleFunc("GET /admin/{$}", c.page(c.handleDashboard))
	mux.HandleFunc("GET /admin/plan", c.page(c.handlePlan))
	mux.HandleFunc("GET /admin/users", c.page(c.handleUsers))
	mux.HandleFunc("GET /admin/incidents/{id}", c.page(c.handleRoom))
	mux.HandleFunc("GET /admin/incidents/{id}/events", c.handleEvents)
	mux.HandleFunc("GET /admin/audience", c.page(c.handleAudience))
	mux.HandleFunc("GET /admin/audience/export.csv", c.page(c.handleAudienceExport))
	mux.HandleFunc("GET /admin/audience/{id}", c.page(c.handleSubscriber))
	mux.HandleFunc("GET /admin/qa", c.page(c.handleQA))
	mux.HandleFunc("GET /admin/qa/faq.yaml", c.page(c.handleQAExport))
	mux.HandleFunc("GET /admin/detection", c.page(c.handleDetection))
	mux.HandleFunc("GET /admin/social", c.page(c.handleSocial))

	mux.Handle("POST /admin/lang", c.post(c.handleLang))
	mux.Handle("POST /admin/users/{id}/profile", c.post(c.handleProfile))
	mux.Handle("POST /admin/team/{person}/availability", c.post(c.handleAvailability))
	mux.Handle("POST /admin/audience/{id}/erase", c.post(c.handleErase))
	mux.Handle("POST /admin/incidents", c.post(c.handleDeclare))
	mux.Handle("POST /admin/incidents/{id}/state", c.post(c.handleState))
	mux.Handle("POST /admin/incidents/{id}/severity", c.post(c.handleSeverity))
	mux.Handle("POST /admin/incidents/{id}/components", c.post(c.handleComponent))
	mux.Handle("POST /admin/incidents/{id}/roles", c.post(c.handleAssign))
	mux.Handle("POST /admin/incidents/{id}/tasks/{task}", c.post(c.handleTask))
	mux.Handle("POST /admin/incidents/{id}/notes", c.post(c.handleNote))
	mux.Handle("POST /admin/incidents/{id}/reports", c.post(c.handleReport))
	mux.Handle("POST /admin/incidents/{id}/messages", c.post(c.handleDraft))
	mux.Handle("POST /admin/incidents/{id}/messages/{msg}/edit", c.post(c.handleEdit))
	mux.Handle("POST /admin/incidents/{id}/messages/{msg}/approve", c.post(c.handleDecide("approve")))
	mux.Handle("POST /admin/incidents/{id}/messages/{msg}/reject", c.post(c.handleDecide("reject")))
	mux.Handle("POST /admin/incidents/{id}/messages/{msg}/publish", c.post(c.handlePublish))
	mux.Handle("POST /admin/incidents/{id}/posts/{post}/delete", c.post(c.handleTakeDown))
	mux.Handle("POST /admin/social/{platform}/reconnect", c.post(c.handleReconnect))
	mux.Handle("POST /admin/qa/sessions", c.post(c.qaAction(c.handleQAOpen)))
	mux.Handle("POST /admin/qa/sessions/{id}/close", c.post(c.qaAction(c.handleQAClose)))
	mux.Handle("POST /admin/qa/questions/{id}/publish", c.post(c.qaAction(c.handleQAPublish)))
	mux.Handle("POST /admin/qa/questions/{id}/hide", c.post(c.qaAction(c.handleQAHide)))
	mux.Handle("POST /admin/qa/questions/{id}/answer", c.post(c.qaAction(c.handleQAAnswer)))
	mux.Handle("POST /admin/qa/questions/{id}/faq", c.post(c.qaAction(c.handleQAProposeFAQ)))
	mux.Handle("POST /admin/qa/questions/{id}/mirror", c.post(c.qaAction(c.handleQAMirror)))
	mux.Handle("POST /admin/qa/faq/{id}/approve", c.post(c.qaAction(c.handleQADecide(true))))
	mux.Handle("POST /admin/qa/faq/{id}/reject", c.post(c.qaAction(c.handleQADecide(false))))
}

// visitor is the signed-in user of a request.
type visitor struct {
	User  account.User
	Actor incident.Actor
	Lang  string
}

// signedIn returns the request's user, or false when there is none (or the
// account is disabled).
func (c *Console) signedIn(r *http.Request) (*visitor, bool) {
	id := c.Sessions.UserID(r)
	if id == 0 {
		return nil, false
	}
	u, err := c.Accounts.ByID(r.Context(), id)
	if err != nil || u.Disabled {
		return nil, false
	}
	p := auth.Principal{User: u, Via: "session", Scope: account.ScopeWrite}
	return &visitor{User: u, Actor: p.Actor(), Lang: pickLang(r, u.Lang)}, true
}

type pageHandler func(w http.ResponseWriter, r *http.Request, v *visitor)

// page serves a GET page to signed-in users; others go to the sign-in
// form, and users with a one-time password to the password form.
func (c *Console) page(h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := c.signedIn(r)
		if !ok {
			c.Sessions.Clear(w)
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return
		}
		if v.User.MustChangePassword {
			if r.URL.Path != "/admin/" {
				http.Redirect(w, r, "/admin/", http.StatusSeeOther)
				return
			}
			c.render(w, r, http.StatusOK, "password.html", c.newPage(w, r, v, "Choose your password", ""))
			return
		}
		h(w, r, v)
	}
}

// post guards a form action: same-origin, bounded body, valid CSRF token,
// signed in with a changed password.
func (c *Console) post(h pageHandler) http.Handler {
	return c.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "form too large or malformed", http.StatusRequestEntityTooLarge)
			return
		}
		v, ok := c.signedIn(r)
		if !ok {
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return
		}
		if !c.Sessions.CheckCSRF(r) {
			c.forbidden(w, r, v)
			return
		}
		if v.User.MustChangePassword {
			http.Redirect(w, r, "/admin/", http.StatusSeeOther)
			return
		}
		h(w, r, v)
	}))
}

// forbidden answers a POST whose CSRF token is missing or stale.
func (c *Console) forbidden(w http.ResponseWriter, r *http.Request, v *visitor) {
	p := c.newPage(w, r, v, "Form expired", "")
	p.Flash = flash{Kind: "error", Text: p.T("Your form expired or came from another page. Go back, reload the page and try again.")}
	c.render(w, r, http.StatusForbidden, "error.html", p)
}

// render executes a template into a buffer first, so a failing template
// never sends half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	var b bytes.Buffer
	if err := c.pages.ExecuteTemplate(&b, name, data); err != nil {
		c.Logger.Error("render console page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

// redirect ends a successful or failed action (POST-redirect-GET) with a
// flash message for the next page.
func (c *Console) redirect(w http.ResponseWriter, r *http.Request, to string, f flash) {
	c.setFlash(w, f)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// fail turns an error into a flash message in plain words and goes back.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, v *visitor, to string, err error) {
	c.redirect(w, r, to, flash{Kind: "error", Text: c.plainError(r, v.Lang, err)})
}

// pathID reads a positive integer path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, &formError{fmt.Sprintf("%s %q is not a valid number", name, r.PathValue(name))}
	}
	return id, nil
}

// requestContext bounds the work of one request.
func requestContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 30*time.Second)
}
