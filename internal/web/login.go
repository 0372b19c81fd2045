package web

import (
	"errors"
	"net/http"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/auth"
)

// loginView is the sign-in form.
type loginView struct {
	*page
	Username string
}

func (c *Console) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.signedIn(r); ok {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "login.html", loginView{page: c.newPage(w, r, nil, "Sign in", "")})
}

func (c *Console) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	v := loginView{page: c.newPage(w, r, nil, "Sign in", ""), Username: r.PostFormValue("username")}
	if !c.Sessions.CheckCSRF(r) {
		v.Flash = flash{Kind: "error", Text: v.T("Your form expired; please try again.")}
		c.render(w, r, http.StatusForbidden, "login.html", v)
		return
	}
	if !c.LoginLimit.Allow(auth.ClientIP(r)) {
		w.Header().Set("Retry-After", "60")
		v.Flash = flash{Kind: "error", Text: v.T("Too many attempts; wait a minute.")}
		c.render(w, r, http.StatusTooManyRequests, "login.html", v)
		return
	}
	u, err := c.Accounts.Authenticate(r.Context(), r.PostFormValue("username"), r.PostFormValue("password"))
	if err != nil {
		if !errors.Is(err, account.ErrInvalidCredentials) {
			c.Logger.Error("authenticate", "err", err)
		}
		c.Logger.Warn("console sign-in failed", "username", v.Username, "ip", auth.ClientIP(r))
		v.Flash = flash{Kind: "error", Text: v.T("Wrong username or password.")}
		c.render(w, r, http.StatusUnauthorized, "login.html", v)
		return
	}
	c.Logger.Info("console sign-in", "username", u.Username, "ip", auth.ClientIP(r))
	c.Sessions.Issue(w, u.ID)
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

func (c *Console) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c.Sessions.CheckCSRF(r) {
		c.Sessions.Clear(w)
	}
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

func (c *Console) handlePassword(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	v, ok := c.signedIn(r)
	if !ok || !c.Sessions.CheckCSRF(r) {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	pg := c.newPage(w, r, v, "Choose your password", "")
	if _, err := c.Accounts.Authenticate(r.Context(), v.User.Username, r.PostFormValue("current")); err != nil {
		pg.Flash = flash{Kind: "error", Text: pg.T("The current password is wrong.")}
		c.render(w, r, http.StatusUnauthorized, "password.html", pg)
		return
	}
	pw := r.PostFormValue("new")
	if pw != r.PostFormValue("confirm") {
		pg.Flash = flash{Kind: "error", Text: pg.T("The two new passwords differ.")}
		c.render(w, r, http.StatusBadRequest, "password.html", pg)
		return
	}
	if err := c.Accounts.SetPassword(r.Context(), v.User.Username, v.User.ID, pw, false); err != nil {
		pg.Flash = flash{Kind: "error", Text: err.Error()}
		c.render(w, r, http.StatusBadRequest, "password.html", pg)
		return
	}
	c.redirect(w, r, "/admin/", flash{Kind: "ok", Text: pg.T("Password changed.")})
}
