package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/social"
)

const maxAnswer = 1 << 20

// authErrors are XRPC error names that mean the credentials, not the
// request, were refused.
var authErrors = map[string]bool{
	"ExpiredToken": true, "InvalidToken": true, "AuthenticationRequired": true,
	"AuthMissing": true, "AccountTakedown": true, "AuthFactorTokenRequired": true,
}

// sessionOut is the answer of createSession and refreshSession.
type sessionOut struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
}

// session returns the current session, creating one if there is none.
func (c *Client) session(ctx context.Context) (Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess.AccessJwt != "" {
		return c.sess, nil
	}
	return c.createSessionLocked(ctx)
}

func (c *Client) createSessionLocked(ctx context.Context) (Session, error) {
	body, _ := json.Marshal(map[string]string{"identifier": c.o.Identifier, "password": c.o.AppPassword})
	var out sessionOut
	if err := c.xrpc(ctx, "create session", "com.atproto.server.createSession", "", contentTypeJSON, body, &out); err != nil {
		return Session{}, err
	}
	return c.saveLocked(out)
}

func (c *Client) saveLocked(out sessionOut) (Session, error) {
	if out.AccessJwt == "" || out.RefreshJwt == "" || out.DID == "" {
		return Session{}, &social.Error{Platform: platform, Op: "create session", Class: social.Temporary, Status: http.StatusOK, Message: "the session answer lacks tokens or DID"}
	}
	c.sess = Session{DID: out.DID, Handle: out.Handle, AccessJwt: out.AccessJwt, RefreshJwt: out.RefreshJwt}
	if c.o.OnSession != nil {
		c.o.OnSession(c.sess)
	}
	return c.sess, nil
}

// renew replaces the expired session stale: refreshSession with its
// refresh token, or a new session when the refresh token is refused too.
func (c *Client) renew(ctx context.Context, stale Session) (Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess.AccessJwt != stale.AccessJwt && c.sess.AccessJwt != "" {
		// Another call renewed it meanwhile.
		return c.sess, nil
	}
	if stale.RefreshJwt != "" {
		var out sessionOut
		err := c.xrpc(ctx, "refresh session", "com.atproto.server.refreshSession", stale.RefreshJwt, "", nil, &out)
		if err == nil {
			return c.saveLocked(out)
		}
		if social.ClassOf(err) != social.Auth {
			return Session{}, err
		}
		c.o.Logger.Info("bluesky refresh token refused; creating a new session", "identifier", c.o.Identifier)
	}
	c.sess = Session{}
	return c.createSessionLocked(ctx)
}

// authed calls a procedure with a JSON input on the account's behalf.
func (c *Client) authed(ctx context.Context, op, nsid string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return &social.Error{Platform: platform, Op: op, Class: social.Permanent, Err: err}
	}
	return c.authedRaw(ctx, op, nsid, contentTypeJSON, body, out)
}

// authedRaw calls a procedure with the session's access token and, when
// the PDS says the token expired, renews the session and tries once more.
func (c *Client) authedRaw(ctx context.Context, op, nsid, contentType string, body []byte, out any) error {
	sess, err := c.session(ctx)
	if err != nil {
		return err
	}
	err = c.xrpc(ctx, op, nsid, sess.AccessJwt, contentType, body, out)
	if e, ok := errors.AsType[*social.Error](err); !ok || e.Code != errExpiredToken {
		return err
	}
	if sess, err = c.renew(ctx, sess); err != nil {
		return err
	}
	return c.xrpc(ctx, op, nsid, sess.AccessJwt, contentType, body, out)
}

// xrpc POSTs one procedure call and decodes its JSON output into out.
func (c *Client) xrpc(ctx context.Context, op, nsid, bearer, contentType string, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		wrote.Store(i.Err == nil)
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/xrpc/"+nsid, bytes.NewReader(body))
	if err != nil {
		return &social.Error{Platform: platform, Op: op, Class: social.Permanent, Err: err}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Accept", contentTypeJSON)
	resp, err := c.o.Client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return &social.Error{Platform: platform, Op: op, Class: social.Temporary, Err: err, Uncertain: wrote.Load()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err == nil && out != nil {
			err = json.Unmarshal(raw, out)
		}
		if err != nil {
			return &social.Error{Platform: platform, Op: op, Class: social.Temporary, Status: resp.StatusCode, Message: "unreadable answer", Err: err, Uncertain: true}
		}
		return nil
	}
	return c.classify(op, resp, raw, bearer)
}

// classify maps an XRPC error ({"error": name, "message": text}) to a
// *social.Error (https://atproto.com/specs/xrpc#error-responses).
func (c *Client) classify(op string, resp *http.Response, raw []byte, bearer string) error {
	var body struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(raw, &body)
	if body.Message == "" {
		body.Message = http.StatusText(resp.StatusCode)
	}
	e := &social.Error{Platform: platform, Op: op, Status: resp.StatusCode, Code: body.Error, Message: c.redact(body.Message, bearer)}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		e.Class = social.RateLimited
		e.Reset = rateLimitReset(resp.Header, c.o.Now())
	case authErrors[body.Error] || s == http.StatusUnauthorized || s == http.StatusForbidden:
		e.Class = social.Auth
	case s >= 500 || s == http.StatusRequestTimeout:
		e.Class = social.Temporary
	default:
		e.Class = social.Permanent
	}
	return e
}

// redact removes the app password and the token sent, should a PDS echo
// them.
func (c *Client) redact(s, bearer string) string {
	for _, v := range []string{c.o.AppPassword, bearer} {
		if v != "" {
			s = strings.ReplaceAll(s, v, "<secret>")
		}
	}
	return s
}

// rateLimitReset reads RateLimit-Reset (epoch seconds), or Retry-After,
// bounded to deliver.MaxRetryAfter from now.
func rateLimitReset(h http.Header, now time.Time) time.Time {
	limit := now.Add(deliver.MaxRetryAfter)
	if n, err := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Reset")), 10, 64); err == nil && n > 0 {
		if t := time.Unix(n, 0); t.Before(limit) {
			return t
		}
		return limit
	}
	if d := deliver.RetryAfter(h.Get("Retry-After"), now); d > 0 {
		return now.Add(d)
	}
	return time.Time{}
}
