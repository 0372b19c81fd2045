// Package x publishes incident updates as posts on one X account through
// the X API v2 (https://docs.x.com/x-api/posts/manage-tweets/quickstart):
// POST /2/tweets with an OAuth 2.0 user-context access token, images
// through POST /2/media/upload and their alt text through POST
// /2/media/metadata, and DELETE /2/tweets/:id. When X answers 401 the
// client refreshes the token once with the refresh token (POST
// /2/oauth2/token) and hands the new pair to Options.OnToken, since X
// rotates refresh tokens and the old one stops working. Tokens and the
// client secret never appear in errors or logs.
package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vigie-hq/vigie/internal/social"
)

const (
	platform       = "x"
	defaultBaseURL = "https://api.x.com"
	defaultWebURL  = "https://x.com"
	defaultTimeout = 15 * time.Second
	// maxAltText is the alt text limit of POST /2/media/metadata.
	maxAltText = 1000
	// refreshSkew renews a token this long before its announced expiry.
	refreshSkew = time.Minute
)

// Token is an OAuth 2.0 user-context token pair (scopes tweet.read,
// tweet.write, users.read, media.write and offline.access for the
// refresh token).
type Token struct {
	AccessToken  string
	RefreshToken string
	// ExpiresAt is when AccessToken expires (two hours after issue);
	// zero when unknown.
	ExpiresAt time.Time
	Scope     string
}

// Options configures a Client.
type Options struct {
	// BaseURL is the API server (default https://api.x.com).
	BaseURL string
	// ClientID is the app's OAuth 2.0 client id.
	ClientID string
	// ClientSecret is set for a confidential client, which must
	// authenticate token refreshes with HTTP Basic; empty for a public
	// client.
	ClientSecret string
	// Token is the account's current token pair.
	Token Token
	// OnToken receives each refreshed pair, to store (encrypted) before
	// the old refresh token is needed again; its error is logged, not
	// returned, since the post can still go out with the new token.
	OnToken func(ctx context.Context, t Token) error
	// Username is the account's @name without "@", for public URLs
	// (default: x.com/i/web/status/<id>, which works for any account).
	Username string
	// WebURL builds public URLs (default https://x.com).
	WebURL string
	// Timeout bounds each request (default 15 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client).
	Client *http.Client
	// Logger receives notices (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Client publishes to one X account.
type Client struct {
	o    Options
	base string
	// mu guards tok and serialises refreshes, so that concurrent
	// publishes spend the one-time refresh token once.
	mu  sync.Mutex
	tok Token
}

var _ social.Publisher = (*Client)(nil)

// New returns a Client for one account.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	if o.WebURL == "" {
		o.WebURL = defaultWebURL
	}
	for _, raw := range []string{o.BaseURL, o.WebURL} {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("x: URL %q: want https://host", raw)
		}
	}
	if o.Token.AccessToken == "" && o.Token.RefreshToken == "" {
		return nil, errors.New("x: an access or refresh token is required")
	}
	if o.Token.RefreshToken != "" && o.ClientID == "" {
		return nil, errors.New("x: refreshing the token needs the app's client id")
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
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Client{o: o, base: strings.TrimRight(o.BaseURL, "/"), tok: o.Token}, nil
}

// Platform implements social.Publisher.
func (c *Client) Platform() string { return platform }

type tweetIn struct {
	Text  string `json:"text,omitempty"`
	Reply *struct {
		InReplyToTweetID string `json:"in_reply_to_tweet_id"`
	} `json:"reply,omitempty"`
	Media *struct {
		MediaIDs []string `json:"media_ids"`
	} `json:"media,omitempty"`
}

// Publish posts p, after uploading its image if it has one. X has no
// idempotency key: an uncertain failure may have posted it (a second
// attempt then fails as duplicate content, which is permanent).
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Posted, error) {
	if strings.TrimSpace(p.Text) == "" && p.Image == nil {
		return social.Posted{}, &social.Error{Platform: platform, Op: "publish", Class: social.Permanent, Message: "the post is empty"}
	}
	in := tweetIn{Text: p.Text}
	if p.ReplyTo != nil && p.ReplyTo.ID != "" {
		in.Reply = &struct {
			InReplyToTweetID string `json:"in_reply_to_tweet_id"`
		}{p.ReplyTo.ID}
	}
	if p.Image != nil {
		id, err := c.uploadImage(ctx, p.Image)
		if err != nil {
			return social.Posted{}, err
		}
		in.Media = &struct {
			MediaIDs []string `json:"media_ids"`
		}{[]string{id}}
	}
	body, _ := json.Marshal(in)
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := c.authed(ctx, "publish", http.MethodPost, "/2/tweets", "application/json", body, &out); err != nil {
		return social.Posted{}, err
	}
	if out.Data.ID == "" {
		return social.Posted{}, &social.Error{Platform: platform, Op: "publish", Class: social.Temporary, Status: http.StatusCreated, Message: "the answer has no post id", Uncertain: true}
	}
	user := c.o.Username
	if user == "" {
		user = "i/web"
	}
	return social.Posted{Platform: platform, ID: out.Data.ID, URL: strings.TrimRight(c.o.WebURL, "/") + "/" + user + "/status/" + out.Data.ID}, nil
}

// Delete deletes the post; one already gone counts as deleted.
func (c *Client) Delete(ctx context.Context, p social.Posted) error {
	if p.ID == "" || strings.Trim(p.ID, "0123456789") != "" {
		return &social.Error{Platform: platform, Op: "delete", Class: social.Permanent, Message: fmt.Sprintf("post id %q is not valid", p.ID)}
	}
	err := c.authed(ctx, "delete", http.MethodDelete, "/2/tweets/"+p.ID, "", nil, nil)
	if e, ok := errors.AsType[*social.Error](err); ok && e.Status == http.StatusNotFound {
		return nil
	}
	return err
}

// uploadImage uploads the PNG with POST /2/media/upload (one request;
// the chunked initialize/append/finalize flow is for video) and sets its
// alt text with POST /2/media/metadata.
func (c *Client) uploadImage(ctx context.Context, img *social.Image) (string, error) {
	const op = "upload media"
	if len(img.PNG) == 0 {
		return "", &social.Error{Platform: platform, Op: op, Class: social.Permanent, Message: "the image is empty"}
	}
	ct, body := multipartImage(img.PNG)
	var out struct {
		Data struct {
			ID             string `json:"id"`
			ProcessingInfo *struct {
				State string `json:"state"`
			} `json:"processing_info"`
		} `json:"data"`
	}
	if err := c.authed(ctx, op, http.MethodPost, "/2/media/upload", ct, body, &out); err != nil {
		return "", err
	}
	id := out.Data.ID
	switch {
	case id == "":
		return "", &social.Error{Platform: platform, Op: op, Class: social.Temporary, Status: http.StatusOK, Message: "the answer has no media id"}
	case out.Data.ProcessingInfo != nil && out.Data.ProcessingInfo.State == "failed":
		return "", &social.Error{Platform: platform, Op: op, Class: social.Permanent, Status: http.StatusOK, Message: "X could not process the image"}
	}
	if alt := img.Alt; alt != "" {
		if utf8.RuneCountInString(alt) > maxAltText {
			// Better a shortened description than no post.
			alt = string([]rune(alt)[:maxAltText-1]) + "…"
		}
		meta, _ := json.Marshal(map[string]any{"id": id, "metadata": map[string]any{"alt_text": map[string]string{"text": alt}}})
		if err := c.authed(ctx, "set alt text", http.MethodPost, "/2/media/metadata", "application/json", meta, nil); err != nil {
			return "", err
		}
	}
	return id, nil
}
