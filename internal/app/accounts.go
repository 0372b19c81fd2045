package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/social"
	"github.com/vigie-hq/vigie/internal/social/publish"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/web"
)

// accountSecrets are the credentials the console may replace per platform.
var accountSecrets = map[string][]string{
	"x":         {"access_token", "refresh_token"},
	"mastodon":  {"access_token"},
	"bluesky":   {"app_password"},
	"facebook":  {"page_access_token"},
	"instagram": {"access_token"},
	"linkedin":  {"access_token"},
}

// socialAccounts lets the console see the social accounts and reconnect
// one with a new token, at once (the next post uses it) and for good (the
// token is sealed in the vault and preferred at the next start).
type socialAccounts struct {
	db       *store.DB
	deps     socialDeps
	plan     func() *plan.Plan
	getenv   func(string) string
	channels map[string]*publish.Channel
}

// Accounts lists the plan's social accounts with their last outcome.
func (m *socialAccounts) Accounts(ctx context.Context) []web.SocialAccount {
	p := m.plan()
	var out []web.SocialAccount
	for name := range accountSecrets {
		c, ok := p.Channels[name]
		if !ok || !c.Enabled {
			continue
		}
		a := web.SocialAccount{Platform: name, Name: social.DisplayName(name), Account: accountOf(c), Secrets: accountSecrets[name], Connected: m.channels[name] != nil}
		var state, last string
		err := m.db.SQL().QueryRowContext(ctx, m.db.Rebind(`SELECT state, last_error FROM deliveries WHERE channel = ? AND subscriber_id = 0 ORDER BY updated_at DESC, id DESC LIMIT 1`), name).
			Scan(&state, &last)
		if err == nil {
			a.LastState, a.LastError = state, last
		} else if !errors.Is(err, sql.ErrNoRows) {
			a.LastError = "could not read the last outcome: " + err.Error()
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Platform < out[j].Platform })
	return out
}

// Reconnect replaces an account's credentials: they are sealed in the
// vault, the account's client is rebuilt with them and swapped in.
func (m *socialAccounts) Reconnect(ctx context.Context, actor incident.Actor, platform string, secrets map[string]string) error {
	if !incident.Can(actor.Role, incident.ActPublish) {
		return &incident.Error{Code: incident.CodeForbidden, Message: fmt.Sprintf("%s (%s) may not reconnect social accounts", actor.Username, actor.Role)}
	}
	keys, ok := accountSecrets[platform]
	c, inPlan := m.plan().Channels[platform]
	if !ok || !inPlan || !c.Enabled {
		return &incident.Error{Code: incident.CodeInvalid, Message: fmt.Sprintf("%s is not a social account of the plan", platform)}
	}
	given := 0
	for _, k := range keys {
		v := strings.TrimSpace(secrets[k])
		if v == "" {
			continue
		}
		if len(v) > 4096 || strings.ContainsAny(v, " \t\r\n") {
			return &incident.Error{Code: incident.CodeInvalid, Message: k + ": a token is one line of at most 4,096 characters"}
		}
		if err := m.deps.vault.Put(ctx, "cred:"+platform+":"+k, []byte(v)); err != nil {
			return err
		}
		given++
	}
	if given == 0 {
		return &incident.Error{Code: incident.CodeInvalid, Message: "paste at least one new credential"}
	}
	// Refreshed tokens and sessions kept from the old credentials would win
	// over the new ones: forget them.
	account := accountOf(c)
	_ = m.deps.vault.Delete(ctx, "x:"+account)
	_ = m.deps.vault.Delete(ctx, "bluesky:"+account)
	getenv := m.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	pub, _, err := buildPublisher(ctx, platform, c, socialCred(ctx, m.deps.vault, platform, c, getenv), account, m.deps)
	if err != nil {
		return &incident.Error{Code: incident.CodeInvalid, Message: "the new credentials do not work: " + err.Error()}
	}
	if ch := m.channels[platform]; ch != nil {
		ch.SetPublisher(pub)
	}
	return m.db.Audit(ctx, nil, actor.Username, "social.reconnect", platform, map[string]any{"account": account, "credentials": len(keys)})
}
