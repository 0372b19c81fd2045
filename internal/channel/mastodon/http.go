package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/social"
)

// maxAnswer bounds what is read of an answer.
const maxAnswer = 1 << 20

// call sends one request and decodes a 2xx JSON answer into out (when not
// nil). It returns the HTTP status; failures are *social.Error.
func (c *Client) call(ctx context.Context, op, method, path string, hdr http.Header, body []byte, out any) (int, error) {
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
		return 0, &social.Error{Platform: platform, Op: op, Class: social.Permanent, Err: err}
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+c.o.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.o.Client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return 0, &social.Error{Platform: platform, Op: op, Class: social.Temporary, Err: err, Uncertain: method == http.MethodPost && wrote.Load()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err == nil && out != nil && resp.StatusCode != http.StatusPartialContent {
			err = json.Unmarshal(raw, out)
		}
		if err != nil {
			return resp.StatusCode, &social.Error{Platform: platform, Op: op, Class: social.Temporary, Status: resp.StatusCode, Message: "unreadable answer", Err: err, Uncertain: method == http.MethodPost}
		}
		return resp.StatusCode, nil
	}
	return resp.StatusCode, c.classify(op, resp, raw)
}

// classify maps an error answer ({"error": "..."}) to a *social.Error, as
// documented in https://docs.joinmastodon.org/methods/statuses/ and
// https://docs.joinmastodon.org/api/rate-limits/.
func (c *Client) classify(op string, resp *http.Response, raw []byte) error {
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(raw, &body) != nil || body.Error == "" {
		body.Error = http.StatusText(resp.StatusCode)
	}
	msg := body.Error
	if body.Description != "" {
		msg += ": " + body.Description
	}
	e := &social.Error{Platform: platform, Op: op, Status: resp.StatusCode, Message: strings.ReplaceAll(msg, c.o.Token, "<token>")}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		e.Class = social.RateLimited
		e.Reset = rateLimitReset(resp.Header, c.o.Now())
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		// 401: token invalid or revoked; 403: missing scope. Both need the
		// account reconnected.
		e.Class = social.Auth
	case s >= 500 || s == http.StatusRequestTimeout:
		e.Class = social.Temporary
	default:
		e.Class = social.Permanent
	}
	return e
}

// rateLimitReset reads X-RateLimit-Reset (an ISO 8601 timestamp), or
// Retry-After when the instance's proxy sent that instead, bounded to
// deliver.MaxRetryAfter from now.
func rateLimitReset(h http.Header, now time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(h.Get("X-RateLimit-Reset"))); err == nil {
		if limit := now.Add(deliver.MaxRetryAfter); t.After(limit) {
			return limit
		}
		return t
	}
	if d := deliver.RetryAfter(h.Get("Retry-After"), now); d > 0 {
		return now.Add(d)
	}
	return time.Time{}
}

// attachment is the part of MediaAttachment used here.
type attachment struct {
	ID  string  `json:"id"`
	URL *string `json:"url"`
}

// uploadMedia uploads the image with POST /api/v2/media and waits, a
// bounded number of polls, until the instance has processed it: a status
// cannot attach media still processing.
func (c *Client) uploadMedia(ctx context.Context, img *social.Image) (string, error) {
	const op = "upload media"
	if len(img.PNG) == 0 {
		return "", &social.Error{Platform: platform, Op: op, Class: social.Permanent, Message: "the image is empty"}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, _ := mw.CreatePart(textproto.MIMEHeader{
		"Content-Disposition": {`form-data; name="file"; filename="status.png"`},
		"Content-Type":        {"image/png"},
	})
	_, _ = part.Write(img.PNG)
	if img.Alt != "" {
		_ = mw.WriteField("description", img.Alt)
	}
	_ = mw.Close()
	var a attachment
	code, err := c.call(ctx, op, http.MethodPost, "/api/v2/media", http.Header{"Content-Type": {mw.FormDataContentType()}}, buf.Bytes(), &a)
	if err != nil {
		return "", err
	}
	if a.ID == "" {
		return "", &social.Error{Platform: platform, Op: op, Class: social.Temporary, Status: code, Message: "the answer has no media id"}
	}
	// 200: processed; 202: still processing, url is null until done.
	for polls := 0; code == http.StatusAccepted || code == http.StatusPartialContent; polls++ {
		if polls == c.o.MaxPolls {
			return "", &social.Error{Platform: platform, Op: op, Class: social.Temporary, Status: code, Message: fmt.Sprintf("media %s still processing after %d polls", a.ID, polls)}
		}
		if err := c.o.Sleep(ctx, c.o.PollInterval); err != nil {
			return "", &social.Error{Platform: platform, Op: op, Class: social.Temporary, Err: err}
		}
		// 206: still processing; 200: done.
		if code, err = c.call(ctx, op, http.MethodGet, "/api/v1/media/"+url.PathEscape(a.ID), nil, nil, &a); err != nil {
			return "", err
		}
	}
	return a.ID, nil
}
