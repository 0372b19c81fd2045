package app

import (
	"errors"
	"net/http"
	"strings"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/planversion"
)

type adminView struct {
	CSRF     string
	Error    string
	Username string
	User     account.User
	Summary  string
	Versions []planversion.Version
	Users    []account.User
	Notice   string
}

func (a *App) handleAdmin(w http.ResponseWriter, r *http.Request) {
	id := a.sessions.UserID(r)
	if id == 0 {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	u, err := a.accounts.ByID(r.Context(), id)
	if err != nil || u.Disabled {
		a.sessions.Clear(w)
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	v := adminView{CSRF: a.sessions.CSRFToken(w, r), User: u, Notice: r.URL.Query().Get("notice")}
	if u.MustChangePassword {
		a.render(w, r, http.StatusOK, "password.html", v)
		return
	}
	var b strings.Builder
	if err := a.Plan().WriteSummary(&b, ""); err != nil {
		a.logger.Error("plan summary", "err", err)
	}
	v.Summary = b.String()
	if v.Versions, err = a.versions.List(r.Context(), 20); err != nil {
		a.logger.Error("list plan versions", "err", err)
	}
	if v.Users, err = a.accounts.List(r.Context()); err != nil {
		a.logger.Error("list users", "err", err)
	}
	a.render(w, r, http.StatusOK, "admin.html", v)
}

func (a *App) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if a.sessions.UserID(r) != 0 {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return
	}
	a.render(w, r, http.StatusOK, "login.html", adminView{CSRF: a.sessions.CSRFToken(w, r)})
}

func (a *App) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	v := adminView{CSRF: a.sessions.CSRFToken(w, r), Username: r.PostFormValue("username")}
	if !a.sessions.CheckCSRF(r) {
		v.Error = "Your form expired; please try again."
		a.render(w, r, http.StatusForbidden, "login.html", v)
		return
	}
	if !a.loginLimit.Allow(auth.ClientIP(r)) {
		w.Header().Set("Retry-After", "60")
		v.Error = "Too many attempts; wait a minute."
		a.render(w, r, http.StatusTooManyRequests, "login.html", v)
		return
	}
	u, err := a.accounts.Authenticate(r.Context(), r.PostFormValue("username"), r.PostFormValue("password"))
	if err != nil {
		if !errors.Is(err, account.ErrInvalidCredentials) {
			a.logger.Error("authenticate", "err", err)
		}
		a.logger.Warn("console sign-in failed", "username", v.Username, "ip", auth.ClientIP(r))
		v.Error = "Wrong username or password."
		a.render(w, r, http.StatusUnauthorized, "login.html", v)
		return
	}
	a.logger.Info("console sign-in", "username", u.Username, "ip", auth.ClientIP(r))
	a.sessions.Issue(w, u.ID)
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

func (a *App) handleLogout(w http.ResponseWriter, r *http.Request) {
	if a.sessions.CheckCSRF(r) {
		a.sessions.Clear(w)
	}
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

func (a *App) handlePassword(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := a.sessions.UserID(r)
	if id == 0 || !a.sessions.CheckCSRF(r) {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	u, err := a.accounts.ByID(r.Context(), id)
	if err != nil {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	v := adminView{CSRF: a.sessions.CSRFToken(w, r), User: u}
	if _, err := a.accounts.Authenticate(r.Context(), u.Username, r.PostFormValue("current")); err != nil {
		v.Error = "The current password is wrong."
		a.render(w, r, http.StatusUnauthorized, "password.html", v)
		return
	}
	pw := r.PostFormValue("new")
	if pw != r.PostFormValue("confirm") {
		v.Error = "The two new passwords differ."
		a.render(w, r, http.StatusBadRequest, "password.html", v)
		return
	}
	if err := a.accounts.SetPassword(r.Context(), u.Username, u.ID, pw, false); err != nil {
		v.Error = err.Error()
		a.render(w, r, http.StatusBadRequest, "password.html", v)
		return
	}
	http.Redirect(w, r, "/admin/?notice=password-changed", http.StatusSeeOther)
}
