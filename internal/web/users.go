package web

import (
	"net/http"
	"strings"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/incident"
)

// usersView lists the accounts; admins may link each to a plan person and
// set its language.
type usersView struct {
	*page
	Users []account.User
}

func (c *Console) handleUsers(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	view := usersView{page: c.newPage(w, r, v, "Users", "users")}
	var err error
	if view.Users, err = c.Accounts.List(ctx); err != nil {
		c.Logger.Error("list users", "err", err)
		view.Flash = flash{Kind: "error", Text: view.T("The account list could not be read; the details are in the server log.")}
	}
	c.render(w, r, http.StatusOK, "users.html", view)
}

func (c *Console) handleProfile(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	if v.User.Role != account.RoleAdmin {
		c.fail(w, r, v, "/admin/users", &incident.Error{Code: incident.CodeForbidden, Message: "only admins change other accounts"})
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, v, "/admin/users", err)
		return
	}
	person, lang := strings.TrimSpace(r.PostFormValue("person")), r.PostFormValue("lang")
	if person != "" && c.Plan().Person(person) == nil {
		c.fail(w, r, v, "/admin/users", &formError{tr(v.Lang, "%q is not a person of the plan", person)})
		return
	}
	if lang != "" && !validLang(lang) {
		lang = ""
	}
	u, err := c.Accounts.ByID(ctx, id)
	if err == nil {
		err = c.Accounts.SetProfile(ctx, v.User.Username, id, person, lang)
	}
	c.finish(w, r, v, "/admin/users", err, tr(v.Lang, "Account %s saved.", u.Username))
}

// handleLang stores the visitor's console language and goes back.
func (c *Console) handleLang(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	lang := r.PostFormValue("lang")
	to := r.PostFormValue("return")
	if !strings.HasPrefix(to, "/admin/") || strings.HasPrefix(to, "//") || strings.ContainsAny(to, "\\\r\n") {
		to = "/admin/"
	}
	if !validLang(lang) {
		c.fail(w, r, v, to, &formError{"unknown language"})
		return
	}
	if err := c.Accounts.SetProfile(ctx, v.User.Username, v.User.ID, v.User.Person, lang); err != nil {
		c.fail(w, r, v, to, err)
		return
	}
	c.redirect(w, r, to, flash{Kind: "ok", Text: tr(lang, "The console is now in English.")})
}
