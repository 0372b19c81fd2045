// Package telegram sends messages through the Telegram Bot API's
// sendMessage: a post in a channel the bot administers (address
// "@channelname" or its numeric id) or a direct message to a person or
// group that has talked to the bot (numeric chat id). The bot token is part
// of every request path, so it never appears in errors or logs.
package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"github.com/vigie-hq/vigie/internal/deliver"
)

const (
	defaultBaseURL = "https://api.telegram.org"
	defaultTimeout = 10 * time.Second
	// maxText is sendMessage's limit, counted in UTF-16 code units.
	maxText       = 4096
	maxRetryAfter = 24 * time.Hour
)

// ErrToken says Telegram rejected the bot token (401, or 404 for a token
// that names no bot). It is not permanent: fixing the configuration, or a
// fallback provider, can still deliver the message.
var ErrToken = errors.New("telegram: the bot token was rejected")

// chatID matches a numeric chat id (negative for groups and channels) or a
// public channel's @username.
var chatID = regexp.MustCompile(`^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$`)

// Options configures a Sender.
type Options struct {
	// Token is the bot token from @BotFather.
	Token string
	// BaseURL is the Bot API server (default https://api.telegram.org).
	BaseURL string
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client).
	Client *http.Client
	// Logger receives notices such as a group's migration to a supergroup.
	Logger *slog.Logger
}

// Error is a failed sendMessage: Telegram's answer, or a transport error
// when Status is 0.
type Error struct {
	Status      int
	Code        int
	Description string
	Err         error
	uncertain   bool
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "telegram: sendMessage: " + e.Err.Error()
	}
	return fmt.Sprintf("telegram: sendMessage: %d %s", e.Code, e.Description)
}

func (e *Error) Unwrap() error { return e.Err }

// Uncertain reports that the request reached Telegram but no answer came
// back (timeout, connection closed): the message may have been posted, and
// sending it again may duplicate it.
func (e *Error) Uncertain() bool { return e.uncertain }

// Gone reports that the chat cannot receive from the bot any more (not
// found, bot blocked or removed, user deactivated), so the address should
// be dropped.
func (e *Error) Gone() bool {
	d := strings.ToLower(e.Description)
	return (e.Code == 400 && strings.Contains(d, "chat not found")) || e.Code == 403
}

// Sender posts messages with one bot.
type Sender struct {
	token   string
	base    string
	timeout time.Duration
	client  *http.Client
	logger  *slog.Logger
}

var _ deliver.Sender = (*Sender)(nil)

// New returns a Sender for one bot.
func New(o Options) (*Sender, error) {
	if o.Token == "" || strings.ContainsAny(o.Token, "/?#% \t\r\n") {
		return nil, errors.New("telegram: the bot token is empty or malformed")
	}
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("telegram: base URL %q: want http(s)://host", o.BaseURL)
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{token: o.Token, base: strings.TrimRight(o.BaseURL, "/"), timeout: o.Timeout, client: o.Client, logger: o.Logger}, nil
}

// Channel implements deliver.Sender.
func (s *Sender) Channel() string { return "telegram" }

// Provider implements deliver.Sender.
func (s *Sender) Provider() string { return "telegram" }

// MaxBatch implements deliver.Sender: sendMessage takes one chat.
func (s *Sender) MaxBatch() int { return 1 }

// Idempotent implements deliver.Sender: the Bot API has no idempotency key.
func (s *Sender) Idempotent() bool { return false }

// Send posts the items one after another.
func (s *Sender) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	return deliver.SendInOrder(ctx, items, s.send, func(err error) error { return &Error{Err: err} })
}

func (s *Sender) send(ctx context.Context, it deliver.Item) deliver.Result {
	res := deliver.Result{Key: it.Key}
	text := it.Text
	if text == "" {
		text = it.Subject
	}
	switch n := len(utf16.Encode([]rune(text))); {
	case !chatID.MatchString(it.Address):
		res.Err = fmt.Errorf("telegram: chat id %q: want a number or @channelname", it.Address)
	case n == 0:
		res.Err = errors.New("telegram: the message is empty")
	case n > maxText:
		res.Err = fmt.Errorf("telegram: the message has %d characters, Telegram takes %d", n, maxText)
	}
	if res.Err != nil {
		res.Permanent = true
		return res
	}
	r, err := s.sendMessage(ctx, it.Address, text)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == 400 && r.Parameters.MigrateToChatID != 0 {
			// A group that became a supergroup has a new id; nothing was
			// posted to the old one, so posting to the new one is safe.
			newID := strconv.FormatInt(r.Parameters.MigrateToChatID, 10)
			s.logger.Warn("telegram chat migrated; update the address", "chat_id", it.Address, "new_chat_id", newID)
			r, err = s.sendMessage(ctx, newID, text)
		}
	}
	if err != nil {
		res.Err = err
		var e *Error
		errors.As(err, &e)
		switch {
		case e.Code == http.StatusTooManyRequests:
			res.RetryAfter = min(time.Duration(r.Parameters.RetryAfter)*time.Second, maxRetryAfter)
		case e.Status == 0, e.uncertain, e.Code >= 500, errors.Is(err, ErrToken):
		default:
			res.Permanent = true
		}
		return res
	}
	res.ProviderID = fmt.Sprintf("%d:%d", r.Result.Chat.ID, r.Result.MessageID)
	return res
}

// response is the Bot API's envelope, with the parts of Message and
// ResponseParameters used here.
type response struct {
	OK          bool   `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Result      struct {
		MessageID int64 `json:"message_id"`
		Chat      struct {
			ID int64 `json:"id"`
		} `json:"chat"`
	} `json:"result"`
	Parameters struct {
		RetryAfter      int64 `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

func (s *Sender) sendMessage(ctx context.Context, chat, text string) (response, error) {
	var r response
	body, _ := json.Marshal(map[string]string{"chat_id": chat, "text": text})
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		wrote.Store(i.Err == nil)
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/bot"+s.token+"/sendMessage", bytes.NewReader(body))
	if err != nil {
		return r, &Error{Err: errors.New("cannot build the request")}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		// url.Error quotes the URL, which holds the token: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return r, &Error{Err: err, uncertain: wrote.Load()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(raw, &r)
	}
	switch {
	case err != nil && resp.StatusCode < 300:
		return r, &Error{Status: resp.StatusCode, Code: resp.StatusCode, Description: "unreadable answer", Err: err, uncertain: true}
	case err != nil:
		r.ErrorCode, r.Description = resp.StatusCode, http.StatusText(resp.StatusCode)
	case r.OK:
		return r, nil
	}
	if r.ErrorCode == 0 {
		r.ErrorCode = resp.StatusCode
	}
	if r.ErrorCode == http.StatusTooManyRequests && r.Parameters.RetryAfter == 0 {
		r.Parameters.RetryAfter, _ = strconv.ParseInt(resp.Header.Get("Retry-After"), 10, 64)
	}
	e := &Error{Status: resp.StatusCode, Code: r.ErrorCode, Description: strings.ReplaceAll(r.Description, s.token, "<token>")}
	if r.ErrorCode == http.StatusUnauthorized || r.ErrorCode == http.StatusNotFound {
		e.Err = ErrToken
	}
	return r, e
}
