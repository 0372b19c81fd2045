package auth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/incident"
)

// Principal is who a request acts as.
type Principal struct {
	User account.User
	// Via is "session" or "token".
	Via string
	// Scope is the token scope; sessions have ScopeWrite.
	Scope string
}

// Actor returns the crisis-room actor of the principal. A read-only token
// acts as a viewer whatever its user's role.
func (p Principal) Actor() incident.Actor {
	role := string(p.User.Role)
	if p.Scope == account.ScopeRead {
		role = "viewer"
	}
	return incident.Actor{Username: p.User.Username, Person: p.User.Person, Role: role}
}

// Errors of Authenticate.
var (
	ErrUnauthenticated  = errors.New("auth: not signed in")
	ErrPasswordExpired  = errors.New("auth: the one-time password must be changed first")
	errInvalidBearerFmt = errors.New("auth: malformed Authorization header")
)

// Authenticator resolves the principal of a request from a bearer token or
// the session cookie.
type Authenticator struct {
	Accounts *account.Store
	Sessions *Sessions
}

// Authenticate returns the request's principal. Tokens come from
// "Authorization: Bearer vigie_…"; otherwise the session cookie is used.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return Principal{}, errInvalidBearerFmt
		}
		u, t, err := a.Accounts.VerifyToken(ctx, strings.TrimSpace(secret))
		if err != nil {
			return Principal{}, ErrUnauthenticated
		}
		return Principal{User: u, Via: "token", Scope: t.Scope}, nil
	}
	id := a.Sessions.UserID(r)
	if id == 0 {
		return Principal{}, ErrUnauthenticated
	}
	u, err := a.Accounts.ByID(ctx, id)
	if err != nil || u.Disabled {
		return Principal{}, ErrUnauthenticated
	}
	if u.MustChangePassword {
		return Principal{User: u, Via: "session", Scope: account.ScopeWrite}, ErrPasswordExpired
	}
	return Principal{User: u, Via: "session", Scope: account.ScopeWrite}, nil
}

// ClientIP is the request's remote address without port. Vigie does not
// trust forwarding headers unless it is told it runs behind a proxy.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
