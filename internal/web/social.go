package web

import (
	"context"
	"net/http"

	"github.com/vigie-hq/vigie/internal/incident"
)

// SocialAccount is one of the organisation's social accounts as the
// console shows it.
type SocialAccount struct {
	Platform, Name, Account string
	// Secrets are the credentials that can be replaced here.
	Secrets []string
	// Connected says a client was built from the credentials.
	Connected bool
	// LastState and LastError are the outcome of the account's latest post.
	LastState, LastError string
}

// SocialAccounts lists the accounts and reconnects one.
type SocialAccounts interface {
	Accounts(ctx context.Context) []SocialAccount
	Reconnect(ctx context.Context, actor incident.Actor, platform string, secrets map[string]string) error
}

type socialView struct {
	*page
	Accounts []SocialAccount
	CanEdit  bool
}

func (c *Console) handleSocial(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	view := socialView{page: c.newPage(w, r, v, "Social accounts", "social"), CanEdit: incident.Can(v.Actor.Role, incident.ActPublish)}
	if c.Social != nil {
		view.Accounts = c.Social.Accounts(ctx)
	}
	c.render(w, r, http.StatusOK, "social.html", view)
}

func (c *Console) handleReconnect(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	if c.Social == nil {
		c.fail(w, r, v, "/admin/social", &incident.Error{Code: incident.CodeConflict, Message: "no social account is configured"})
		return
	}
	platform := r.PathValue("platform")
	secrets := map[string]string{}
	for _, k := range []string{"access_token", "refresh_token", "app_password", "page_access_token"} {
		secrets[k] = r.PostFormValue(k)
	}
	err := c.Social.Reconnect(ctx, v.Actor, platform, secrets)
	c.finish(w, r, v, "/admin/social", err, tr(v.Lang, "The %s account is reconnected; the next post uses the new credentials.", platform))
}
