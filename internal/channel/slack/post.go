package slack

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
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
)

// ErrToken says Slack refused the bot token (invalid_auth, not_authed,
// token_revoked, token_expired, account_inactive, missing_scope). It is
// not permanent: fixing the configuration can still deliver the message.
var ErrToken = errors.New("slack: the bot token was refused")

// goneCodes say the webhook or channel will never take a post again: the
// webhook was removed or revoked, the channel deleted or archived, the
// workspace gone.
var goneCodes = map[string]bool{
	"no_service": true, "no_service_id": true, "invalid_token": true, "channel_not_found": true,
	"channel_is_archived": true, "is_archived": true, "no_team": true, "team_disabled": true,
}

// tokenCodes are chat.postMessage answers about the bot token.
var tokenCodes = map[string]bool{
	"invalid_auth": true, "not_authed": true, "token_revoked": true, "token_expired": true,
	"account_inactive": true, "missing_scope": true, "not_allowed_token_type": true,
}

// transientCodes are Slack-side failures worth another try.
var transientCodes = map[string]bool{
	"ratelimited": true, "rate_limited": true, "internal_error": true, "fatal_error": true,
	"service_unavailable": true, "request_timeout": true, "rollup_error": true, "team_added_to_org": true,
}

// Error is a failed post: Slack's answer, or a transport error when Status
// is 0.
type Error struct {
	Status int
	// Code is Slack's error string (invalid_payload, channel_not_found…).
	Code       string
	Err        error
	uncertain  bool
	retryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "slack: post: " + e.Err.Error()
	}
	msg := fmt.Sprintf("slack: post: HTTP %d", e.Status)
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if errors.Is(e.Err, ErrToken) {
		msg += " (the bot token was refused)"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Uncertain reports that Slack may have posted the message although no
// answer was read: posting again may duplicate it.
func (e *Error) Uncertain() bool { return e.uncertain }

// Gone reports that the webhook or channel will not take posts again, so
// the address should be replaced.
func (e *Error) Gone() bool { return goneCodes[e.Code] || e.Status == http.StatusGone }

func (e *Error) permanent() bool {
	switch {
	case e.Status == 0, e.uncertain, transientCodes[e.Code], errors.Is(e.Err, ErrToken):
		return false
	case e.Status == http.StatusTooManyRequests, e.Status >= 500:
		return false
	}
	return true
}

// webhook posts msg to an incoming webhook, which answers 200 "ok" or an
// error status with the error as plain text.
func (s *Sender) webhook(ctx context.Context, hook string, msg Message) error {
	status, body, h, err := s.post(ctx, hook, "", msg)
	if err != nil {
		return err
	}
	code := firstLine(body)
	if status == http.StatusOK && (code == "ok" || code == "") {
		return nil
	}
	e := &Error{Status: status, Code: code, retryAfter: deliver.RetryAfter(h.Get("Retry-After"), s.now())}
	if status == http.StatusOK {
		e.uncertain = true // an unknown 200 answer: the post may be there
	}
	return e
}

// postMessage calls chat.postMessage, which answers {"ok": true, "channel",
// "ts"} or {"ok": false, "error"}; the provider id is channel:ts.
func (s *Sender) postMessage(ctx context.Context, msg Message) (string, error) {
	status, body, h, err := s.post(ctx, s.o.APIBase+"/chat.postMessage", s.o.Token, msg)
	if err != nil {
		return "", err
	}
	var r struct {
		OK      bool   `json:"ok"`
		Error   string `json:"error"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	}
	jerr := json.Unmarshal(body, &r)
	switch {
	case status == http.StatusOK && jerr == nil && r.OK:
		return r.Channel + ":" + r.TS, nil
	case status == http.StatusOK && (jerr != nil || r.Error == ""):
		return "", &Error{Status: status, Code: "unreadable answer", Err: jerr, uncertain: true}
	}
	e := &Error{Status: status, Code: r.Error, retryAfter: deliver.RetryAfter(h.Get("Retry-After"), s.now())}
	if e.Code == "" {
		e.Code = firstLine(body)
	}
	if tokenCodes[e.Code] || status == http.StatusUnauthorized {
		e.Err = ErrToken
	}
	// "It's possible some aspect of the operation succeeded."
	e.uncertain = e.Code == "internal_error" || e.Code == "fatal_error"
	return "", e
}

// post sends msg as JSON and reads the answer. Transport errors lose their
// URL, which for a webhook is the secret.
func (s *Sender) post(ctx context.Context, target, token string, msg Message) (int, []byte, http.Header, error) {
	raw, err := json.Marshal(msg)
	if err != nil {
		return 0, nil, nil, &Error{Err: fmt.Errorf("encode: %w", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		wrote.Store(i.Err == nil)
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, nil, &Error{Err: errors.New("cannot build the request")}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, nil, &Error{Err: err, uncertain: wrote.Load()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil && resp.StatusCode < 300 {
		return 0, nil, nil, &Error{Status: resp.StatusCode, Code: "unreadable answer", Err: err, uncertain: true}
	}
	return resp.StatusCode, body, resp.Header, nil
}

// firstLine is a plain-text answer cut to a short, single line.
func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if len(s) > 100 {
		s = s[:100]
	}
	return strings.ToValidUTF8(s, "")
}
