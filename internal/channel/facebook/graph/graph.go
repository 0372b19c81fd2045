// Package graph calls Meta's Graph API (https://graph.facebook.com) for
// the Facebook Page and Instagram publishers: one request per call with a
// timeout, the token in the Authorization header only (never in a URL),
// and Graph's error object classified as a *social.Error
// (https://developers.facebook.com/docs/graph-api/guides/error-handling),
// with the reset of a rate limit read from Meta's usage headers
// (https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/social"
)

// DefaultBaseURL is the Graph API server.
const DefaultBaseURL = "https://graph.facebook.com"

// DefaultVersion is the Graph API version used when none is configured.
const DefaultVersion = "v25.0"

// maxAnswer bounds what is read of an answer.
const maxAnswer = 1 << 20

var versionPattern = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,2}$`)

// ValidVersion reports whether v looks like a Graph API version ("v25.0").
func ValidVersion(v string) bool { return versionPattern.MatchString(v) }

// Client sends Graph API requests for one token. Its fields are set once
// by the publisher that owns it.
type Client struct {
	// Platform names the publisher in errors ("facebook", "instagram").
	Platform string
	// BaseURL is the server, without a trailing slash.
	BaseURL string
	// Version prefixes every path ("v25.0").
	Version string
	// Token is the Page (or Instagram user) access token.
	Token   string
	HTTP    *http.Client
	Timeout time.Duration
	Now     func() time.Time
	// Refine, when set, adjusts the class of an error from the
	// platform's own codes.
	Refine func(g Error, e *social.Error)
}

// Error is Graph's error object.
type Error struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	IsTransient bool   `json:"is_transient"`
	UserTitle   string `json:"error_user_title"`
	UserMessage string `json:"error_user_msg"`
	FBTraceID   string `json:"fbtrace_id"`
}

// Form sends form values (application/x-www-form-urlencoded).
func (c *Client) Form(ctx context.Context, op, method, path string, form url.Values, out any) (Error, error) {
	return c.Do(ctx, op, method, path, "application/x-www-form-urlencoded", []byte(form.Encode()), out)
}

// Get reads path with the query.
func (c *Client) Get(ctx context.Context, op, path string, query url.Values, out any) (Error, error) {
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return c.Do(ctx, op, http.MethodGet, path, "", nil, out)
}

// Do sends one request to /{version}{path} and decodes a 2xx JSON answer
// into out (when not nil). Failures are *social.Error; the Graph error
// object is returned too, so that callers can refine the class with
// platform-specific codes.
func (c *Client) Do(ctx context.Context, op, method, path, contentType string, body []byte, out any) (Error, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		wrote.Store(i.Err == nil)
	}})
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+"/"+c.Version+path, rd)
	if err != nil {
		return Error{}, &social.Error{Platform: c.Platform, Op: op, Class: social.Permanent, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // the URL holds no secret, but keep errors short
		}
		return Error{}, &social.Error{Platform: c.Platform, Op: op, Class: social.Temporary, Err: err, Uncertain: method == http.MethodPost && wrote.Load()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err == nil && out != nil {
			err = json.Unmarshal(raw, out)
		}
		if err != nil {
			return Error{}, &social.Error{Platform: c.Platform, Op: op, Class: social.Temporary, Status: resp.StatusCode, Message: "unreadable answer", Err: err, Uncertain: method == http.MethodPost}
		}
		return Error{}, nil
	}
	g, e := Classify(c.Platform, op, resp.StatusCode, resp.Header, raw, c.Now(), c.Token)
	if c.Refine != nil {
		c.Refine(g, e)
	}
	return g, e
}

// Graph error codes used in the classification
// (https://developers.facebook.com/docs/graph-api/guides/error-handling).
const (
	CodeUnknown        = 1     // API Unknown: possibly a temporary outage
	CodeService        = 2     // API Service: temporary downtime
	CodeTooManyCalls   = 4     // application rate limit
	CodePermission     = 10    // permission denied
	CodeUserTooMany    = 17    // user rate limit
	CodePageTooMany    = 32    // page-level rate limit
	CodeInvalidParam   = 100   // invalid parameter (also "object does not exist")
	CodeSession        = 102   // API session: token expired or invalid
	CodeAccessToken    = 190   // access token expired, invalid or revoked
	CodeAppLimit       = 341   // application limit reached
	CodeBlocked        = 368   // temporarily blocked for policy violations
	CodeDuplicate      = 506   // duplicate post
	CodeRateLimit613   = 613   // calls exceed the rate limit
	CodePageRateLimit  = 80001 // Pages business use case rate limit
	SubcodeNotExisting = 33    // with 100: the object does not exist
	SubcodeExpired     = 463   // with 190: the token expired
	SubcodeInvalid     = 467   // with 190: the token is invalid
	codeIGPublishLimit = 9     // Instagram: publishing limit reached
	subIGPublishLimit  = 2207042
)

// Classify turns an error answer into a *social.Error:
//
//   - 190 and 102 (token expired, subcodes 463/467, or revoked), 10 and
//     200–299 (a permission is missing) are Auth: only reconnecting the
//     Page with the right permissions helps;
//   - 4, 17, 32, 341, 613, 80001 and HTTP 429 are RateLimited, reset from
//     the usage headers;
//   - 506 (duplicate post), 100 (invalid parameter) and 368 (blocked for a
//     policy violation, which lasts days) are Permanent;
//   - 1, 2, is_transient and HTTP 5xx are Temporary;
//   - anything else follows the HTTP status (401/403 Auth, else Permanent).
//
// secret is removed from the message, in case Meta echoes it.
func Classify(platform, op string, status int, h http.Header, raw []byte, now time.Time, secret string) (Error, *social.Error) {
	var body struct {
		Error *Error `json:"error"`
	}
	var g Error
	if json.Unmarshal(raw, &body) == nil && body.Error != nil {
		g = *body.Error
	}
	msg := g.Message
	if g.UserMessage != "" {
		msg = g.UserMessage
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	if secret != "" {
		msg = strings.ReplaceAll(msg, secret, "<token>")
	}
	e := &social.Error{Platform: platform, Op: op, Status: status, Message: msg}
	if g.Code != 0 {
		e.Code = fmt.Sprint(g.Code)
		if g.Subcode != 0 {
			e.Code += fmt.Sprintf("/%d", g.Subcode)
		}
	}
	switch c := g.Code; {
	case c == CodeAccessToken || c == CodeSession || c == CodePermission || (c >= 200 && c <= 299):
		e.Class = social.Auth
	case c == CodeTooManyCalls || c == CodeUserTooMany || c == CodePageTooMany || c == CodeAppLimit ||
		c == CodeRateLimit613 || c == CodePageRateLimit || (c == codeIGPublishLimit && g.Subcode == subIGPublishLimit) ||
		status == http.StatusTooManyRequests:
		e.Class = social.RateLimited
		e.Reset = UsageReset(h, now)
	case c == CodeDuplicate:
		e.Class = social.Permanent
		e.Code = "duplicate"
	case c == CodeInvalidParam || c == CodeBlocked:
		e.Class = social.Permanent
	case c == CodeUnknown || c == CodeService || g.IsTransient || status >= 500 || status == http.StatusRequestTimeout:
		e.Class = social.Temporary
	case c == 0 && (status == http.StatusUnauthorized || status == http.StatusForbidden):
		e.Class = social.Auth
	default:
		e.Class = social.Permanent
	}
	return g, e
}

// UsageReset is when a Graph rate limit lifts: Retry-After when Meta sends
// it, else the largest estimated_time_to_regain_access (minutes) of the
// X-Business-Use-Case-Usage, X-Page-Usage and X-App-Usage headers,
// bounded to deliver.MaxRetryAfter; zero when none says.
func UsageReset(h http.Header, now time.Time) time.Time {
	if d := deliver.RetryAfter(h.Get("Retry-After"), now); d > 0 {
		return now.Add(d)
	}
	type usage struct {
		Minutes int64 `json:"estimated_time_to_regain_access"`
	}
	var minutes int64
	var buc map[string][]usage
	if json.Unmarshal([]byte(h.Get("X-Business-Use-Case-Usage")), &buc) == nil {
		for _, uses := range buc {
			for _, u := range uses {
				minutes = max(minutes, u.Minutes)
			}
		}
	}
	for _, name := range []string{"X-Page-Usage", "X-App-Usage"} {
		var u usage
		if json.Unmarshal([]byte(h.Get(name)), &u) == nil {
			minutes = max(minutes, u.Minutes)
		}
	}
	if minutes <= 0 {
		return time.Time{}
	}
	d := min(time.Duration(min(minutes, int64(deliver.MaxRetryAfter/time.Minute)))*time.Minute, deliver.MaxRetryAfter)
	return now.Add(d)
}

// Gone reports whether g says the object does not exist (100/33), which
// a delete treats as already deleted.
func (g Error) Gone() bool { return g.Code == CodeInvalidParam && g.Subcode == SubcodeNotExisting }
