package linkedin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/social"
)

// maxAnswer bounds what is read of an answer.
const maxAnswer = 1 << 20

// send sends one request and decodes a 2xx JSON answer into out (when not
// nil). The token goes only to the API server and to LinkedIn's own
// upload hosts, never to another host an answer might name.
func (c *Client) send(ctx context.Context, op, method string, u *url.URL, contentType string, body []byte, out any) (*http.Response, error) {
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
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, &social.Error{Platform: platform, Op: op, Class: social.Permanent, Err: err}
	}
	if c.trusted(u) {
		req.Header.Set("Authorization", "Bearer "+c.o.Token)
	}
	if u.Host == c.base.Host {
		req.Header.Set("LinkedIn-Version", c.o.Version)
		req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
		req.Header.Set("Accept", "application/json")
		if method == http.MethodDelete {
			req.Header.Set("X-RestLi-Method", "DELETE")
		}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.o.Client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // the upload URL carries a signature: keep it out of errors
		}
		return nil, &social.Error{Platform: platform, Op: op, Class: social.Temporary, Err: err, Uncertain: method == http.MethodPost && wrote.Load()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err == nil && out != nil {
			err = json.Unmarshal(raw, out)
		}
		if err != nil {
			return resp, &social.Error{Platform: platform, Op: op, Class: social.Temporary, Status: resp.StatusCode, Message: "unreadable answer", Err: err, Uncertain: method == http.MethodPost}
		}
		return resp, nil
	}
	return resp, c.classify(op, resp, raw)
}

// trusted reports whether u may receive the token: the API server, or a
// LinkedIn host (image upload URLs are on www.linkedin.com).
func (c *Client) trusted(u *url.URL) bool {
	h := u.Hostname()
	return u.Host == c.base.Host || h == "linkedin.com" || strings.HasSuffix(h, ".linkedin.com")
}

// classify maps an error answer to a *social.Error, as documented in
// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
// and .../concepts/rate-limits. The body is {"message", "status",
// "serviceErrorCode", "code"} or, for validation errors, {"message",
// "status", "errorDetails": {"inputErrors": [{"code", "description"}]}}.
func (c *Client) classify(op string, resp *http.Response, raw []byte) error {
	var body struct {
		Message          string `json:"message"`
		Code             string `json:"code"`
		ServiceErrorCode int    `json:"serviceErrorCode"`
		ErrorDetails     struct {
			InputErrors []struct {
				Code        string `json:"code"`
				Description string `json:"description"`
			} `json:"inputErrors"`
		} `json:"errorDetails"`
	}
	_ = json.Unmarshal(raw, &body)
	msg, code := body.Message, body.Code
	if in := body.ErrorDetails.InputErrors; len(in) > 0 {
		code = in[0].Code
		if in[0].Description != "" {
			msg = in[0].Description
		}
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	msg = strings.ReplaceAll(msg, c.o.Token, "<token>")
	e := &social.Error{Platform: platform, Op: op, Status: resp.StatusCode, Code: code, Message: msg}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		e.Class = social.RateLimited
		e.Reset = rateLimitReset(resp.Header, c.o.Now())
	case s == http.StatusUnauthorized:
		// EXPIRED_ACCESS_TOKEN (60 days), REVOKED_ACCESS_TOKEN, 65600…
		e.Class = social.Auth
	case s == http.StatusForbidden:
		// ACCESS_DENIED: the token lacks w_organization_social or its
		// member is no longer an admin of the page; reconnecting with the
		// right member and scope fixes it.
		e.Class = social.Auth
	case code == "DUPLICATE_POST":
		e.Class = social.Permanent
	case s >= 500 || s == http.StatusRequestTimeout:
		e.Class = social.Temporary
	default:
		e.Class = social.Permanent
	}
	return e
}

// rateLimitReset is Retry-After when LinkedIn sends it; otherwise the next
// midnight UTC, when LinkedIn's daily application and member limits
// reset. LinkedIn sends no rate-limit headers.
func rateLimitReset(h http.Header, now time.Time) time.Time {
	if d := deliver.RetryAfter(h.Get("Retry-After"), now); d > 0 {
		return now.Add(d)
	}
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// reserved are the characters of LinkedIn's "little" text format
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format):
// unescaped, LinkedIn reads them as markup and silently cuts the post at
// the first one it cannot parse.
const reserved = `\|{}@[]()<>#*_~`

// Escape writes text in the little text format: every reserved character
// is escaped with a backslash, except
//
//   - "#" starting a hashtag (at the start of the text or after a space,
//     followed by a letter or digit), which LinkedIn turns into a hashtag
//     link, as the composer intends;
//   - "_" and "~" inside a URL, which are ordinary URL characters and
//     which escaping would corrupt (query strings such as utm_source).
//
// Vigie never writes mentions, so "@" is always escaped.
func Escape(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 16)
	rs := []rune(text)
	inURL := false
	for i, r := range rs {
		if unicode.IsSpace(r) {
			inURL = false
		} else if !inURL && (i == 0 || unicode.IsSpace(rs[i-1]) || strings.ContainsRune(`([<"'`, rs[i-1])) && hasURLPrefix(rs[i:]) {
			inURL = true
		}
		switch {
		case !strings.ContainsRune(reserved, r):
		case r == '#' && (i == 0 || unicode.IsSpace(rs[i-1])) && i+1 < len(rs) && (unicode.IsLetter(rs[i+1]) || unicode.IsDigit(rs[i+1])):
		case inURL && (r == '_' || r == '~'):
		default:
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hasURLPrefix(rs []rune) bool {
	for _, p := range []string{"https://", "http://"} {
		if len(rs) >= len(p) && strings.EqualFold(string(rs[:len(p)]), p) {
			return true
		}
	}
	return false
}
