package x

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/social"
)

const maxAnswer = 1 << 20

// token returns the current token, refreshed first when it is known to
// have expired.
func (c *Client) token(ctx context.Context) (Token, error) {
	c.mu.Lock()
	tok := c.tok
	c.mu.Unlock()
	expired := !tok.ExpiresAt.IsZero() && c.o.Now().After(tok.ExpiresAt.Add(-refreshSkew))
	if (tok.AccessToken == "" || expired) && tok.RefreshToken != "" {
		return c.refresh(ctx, tok)
	}
	return tok, nil
}

// authed calls the API with the account's token and, on 401, refreshes
// the token and tries once more.
func (c *Client) authed(ctx context.Context, op, method, path, contentType string, body []byte, out any) error {
	tok, err := c.token(ctx)
	if err != nil {
		return err
	}
	err = c.do(ctx, op, method, path, tok.AccessToken, contentType, body, out)
	if e, ok := errors.AsType[*social.Error](err); !ok || e.Status != http.StatusUnauthorized || tok.RefreshToken == "" {
		return err
	}
	// X's 401 does not say why; an expired access token is the usual
	// cause, and a refused refresh tells the revoked case apart.
	if tok, err = c.refresh(ctx, tok); err != nil {
		return err
	}
	return c.do(ctx, op, method, path, tok.AccessToken, contentType, body, out)
}

// refresh exchanges stale's refresh token for a new pair
// (https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code).
func (c *Client) refresh(ctx context.Context, stale Token) (Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.AccessToken != stale.AccessToken && c.tok.AccessToken != "" {
		return c.tok, nil // another call refreshed it meanwhile
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {stale.RefreshToken}, "client_id": {c.o.ClientID}}
	var out struct {
		TokenType    string `json:"token_type"`
		ExpiresIn    int64  `json:"expires_in"`
		AccessToken  string `json:"access_token"`
		Scope        string `json:"scope"`
		RefreshToken string `json:"refresh_token"`
	}
	err := c.send(ctx, "refresh token", http.MethodPost, "/2/oauth2/token", func(r *http.Request) {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if c.o.ClientSecret != "" {
			r.SetBasicAuth(c.o.ClientID, c.o.ClientSecret)
		}
	}, []byte(form.Encode()), &out, stale.RefreshToken)
	if e, ok := errors.AsType[*social.Error](err); ok && e.Status == http.StatusBadRequest {
		// invalid_request / invalid_grant: the refresh token is spent or
		// revoked; only reconnecting the account helps.
		e.Class = social.Auth
	}
	if err != nil {
		return Token{}, err
	}
	if out.AccessToken == "" {
		return Token{}, &social.Error{Platform: platform, Op: "refresh token", Class: social.Temporary, Status: http.StatusOK, Message: "the answer has no access token"}
	}
	tok := Token{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, Scope: out.Scope}
	if tok.RefreshToken == "" {
		tok.RefreshToken = stale.RefreshToken
	}
	if out.ExpiresIn > 0 {
		tok.ExpiresAt = c.o.Now().Add(time.Duration(out.ExpiresIn) * time.Second)
	}
	c.tok = tok
	if c.o.OnToken != nil {
		if err := c.o.OnToken(ctx, tok); err != nil {
			c.o.Logger.Error("x: storing the refreshed token failed; the account will need reconnecting after a restart", "err", err)
		}
	}
	return tok, nil
}

// do calls the API with a Bearer token.
func (c *Client) do(ctx context.Context, op, method, path, bearer, contentType string, body []byte, out any) error {
	return c.send(ctx, op, method, path, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+bearer)
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
	}, body, out, bearer)
}

// send sends one request and decodes a 2xx JSON answer into out; secret
// is redacted from any error text.
func (c *Client) send(ctx context.Context, op, method, path string, prepare func(*http.Request), body []byte, out any, secret string) error {
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		wrote.Store(i.Err == nil)
	}})
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return &social.Error{Platform: platform, Op: op, Class: social.Permanent, Err: err}
	}
	prepare(req)
	req.Header.Set("Accept", "application/json")
	resp, err := c.o.Client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return &social.Error{Platform: platform, Op: op, Class: social.Temporary, Err: err, Uncertain: method == http.MethodPost && wrote.Load()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err == nil && out != nil {
			err = json.Unmarshal(raw, out)
		}
		if err != nil {
			return &social.Error{Platform: platform, Op: op, Class: social.Temporary, Status: resp.StatusCode, Message: "unreadable answer", Err: err, Uncertain: method == http.MethodPost}
		}
		return nil
	}
	return c.classify(op, resp, raw, secret)
}

// errorBody covers X's three error shapes: problem details
// {"title","detail","type","status"}, {"errors":[...]}, and the OAuth
// token endpoint's {"error","error_description"}
// (https://docs.x.com/x-api/fundamentals/response-codes-and-errors).
type errorBody struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Errors []struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
		Detail  string `json:"detail"`
		Type    string `json:"type"`
	} `json:"errors"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func (b errorBody) message() (code, msg string) {
	code, msg = strings.TrimPrefix(b.Type, "https://api.twitter.com/2/problems/"), b.Detail
	if msg == "" {
		msg = b.Title
	}
	if len(b.Errors) > 0 {
		// The first error names the parameter at fault; detail is generic.
		e := b.Errors[0]
		msg = cmp.Or(e.Message, e.Detail, msg)
		if code == "" && e.Code != 0 {
			code = strconv.Itoa(e.Code)
		}
		if code == "" {
			code = strings.TrimPrefix(e.Type, "https://api.twitter.com/2/problems/")
		}
	}
	if b.Error != "" {
		code, msg = b.Error, cmp.Or(b.ErrorDescription, msg)
	}
	return code, msg
}

func (c *Client) classify(op string, resp *http.Response, raw []byte, secret string) error {
	var body errorBody
	_ = json.Unmarshal(raw, &body)
	code, msg := body.message()
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	for _, s := range []string{secret, c.o.ClientSecret} {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "<secret>")
		}
	}
	e := &social.Error{Platform: platform, Op: op, Status: resp.StatusCode, Code: code, Message: msg}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		e.Class = social.RateLimited
		e.Reset = rateLimitReset(resp.Header, c.o.Now())
	case s == http.StatusUnauthorized:
		e.Class = social.Auth
	case s == http.StatusForbidden && strings.Contains(strings.ToLower(msg), "duplicate content"):
		e.Class, e.Code = social.Permanent, "duplicate"
	case s == http.StatusForbidden && (strings.Contains(code, "client-forbidden") || strings.Contains(code, "unsupported-authentication")):
		// The app or the token lacks access to the endpoint: reconnecting
		// with the right scopes fixes it.
		e.Class = social.Auth
	case s >= 500 || s == http.StatusRequestTimeout:
		e.Class = social.Temporary
	default:
		e.Class = social.Permanent
	}
	return e
}

// rateLimitReset reads x-rate-limit-reset (epoch seconds) or, when a
// 24-hour posting cap is exhausted, its later reset; then Retry-After;
// bounded to deliver.MaxRetryAfter from now.
func rateLimitReset(h http.Header, now time.Time) time.Time {
	var reset int64
	for _, p := range []string{"x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"} {
		n, err := strconv.ParseInt(strings.TrimSpace(h.Get(p+"-reset")), 10, 64)
		if err != nil || (p != "x-rate-limit" && strings.TrimSpace(h.Get(p+"-remaining")) != "0") {
			continue
		}
		reset = max(reset, n)
	}
	limit := now.Add(deliver.MaxRetryAfter)
	if reset > 0 {
		if t := time.Unix(reset, 0); t.Before(limit) {
			return t
		}
		return limit
	}
	if d := deliver.RetryAfter(h.Get("Retry-After"), now); d > 0 {
		return now.Add(d)
	}
	return time.Time{}
}

// multipartImage builds the multipart body of POST /2/media/upload: the
// raw bytes in "media" (base64 is only for JSON bodies).
func multipartImage(png []byte) (contentType string, body []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, _ := mw.CreatePart(textproto.MIMEHeader{
		"Content-Disposition": {`form-data; name="media"; filename="status.png"`},
		"Content-Type":        {"image/png"},
	})
	_, _ = part.Write(png)
	_ = mw.WriteField("media_category", "tweet_image")
	_ = mw.WriteField("media_type", "image/png")
	_ = mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}
