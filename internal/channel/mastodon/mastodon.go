// Package mastodon publishes incident updates as statuses on one Mastodon
// account through the instance's REST API
// (https://docs.joinmastodon.org/methods/statuses/): POST /api/v1/statuses
// with an Idempotency-Key, so that the queue may resend safely, images
// through POST /api/v2/media with their alt text, and DELETE
// /api/v1/statuses/:id. The access token is sent only in the
// Authorization header and never appears in errors or logs.
package mastodon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/social"
)

const (
	platform       = "mastodon"
	defaultTimeout = 15 * time.Second
	// Images are processed synchronously since Mastodon 4.0; the poll
	// only covers older or busy instances.
	defaultPollInterval = time.Second
	defaultMaxPolls     = 10
)

// Options configures a Client.
type Options struct {
	// BaseURL is the account's instance, such as https://mastodon.social.
	BaseURL string
	// Token is a user access token with the write:statuses and
	// write:media scopes.
	Token string
	// Visibility is "public" (default), "unlisted", "private" or "direct".
	Visibility string
	// Timeout bounds each request (default 15 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client).
	Client *http.Client
	// Logger receives notices (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits between polls of a media upload still processing
	// (default: a timer that honours ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// PollInterval and MaxPolls bound that wait (default 1 s, 10 polls).
	PollInterval time.Duration
	MaxPolls     int
}

// Client publishes to one Mastodon account.
type Client struct {
	o    Options
	base string
}

var _ social.Publisher = (*Client)(nil)

// New returns a Client for one account.
func New(o Options) (*Client, error) {
	if o.Token == "" || strings.ContainsAny(o.Token, " \t\r\n") {
		return nil, errors.New("mastodon: the access token is empty or malformed")
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mastodon: instance URL %q: want https://host", o.BaseURL)
	}
	switch o.Visibility {
	case "":
		o.Visibility = "public"
	case "public", "unlisted", "private", "direct":
	default:
		return nil, fmt.Errorf("mastodon: visibility %q: want public, unlisted, private or direct", o.Visibility)
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
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPollInterval
	}
	if o.MaxPolls <= 0 {
		o.MaxPolls = defaultMaxPolls
	}
	return &Client{o: o, base: strings.TrimRight(o.BaseURL, "/")}, nil
}

// Platform implements social.Publisher.
func (c *Client) Platform() string { return platform }

// status is the part of Mastodon's Status entity used here.
type status struct {
	ID  string `json:"id"`
	URI string `json:"uri"`
	URL string `json:"url"`
}

// Publish posts p as a status, after uploading its image if it has one.
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Posted, error) {
	if strings.TrimSpace(p.Text) == "" && p.Image == nil {
		return social.Posted{}, &social.Error{Platform: platform, Op: "publish", Class: social.Permanent, Message: "the post is empty"}
	}
	form := url.Values{}
	form.Set("status", p.Text)
	form.Set("visibility", c.o.Visibility)
	if p.Lang != "" {
		form.Set("language", p.Lang)
	}
	if p.ReplyTo != nil && p.ReplyTo.ID != "" {
		form.Set("in_reply_to_id", p.ReplyTo.ID)
	}
	if p.Image != nil {
		id, err := c.uploadMedia(ctx, p.Image)
		if err != nil {
			return social.Posted{}, err
		}
		form.Add("media_ids[]", id)
	}
	hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if p.IdempotencyKey != "" {
		hdr.Set("Idempotency-Key", p.IdempotencyKey)
	}
	var st status
	if _, err := c.call(ctx, "publish", http.MethodPost, "/api/v1/statuses", hdr, []byte(form.Encode()), &st); err != nil {
		return social.Posted{}, err
	}
	if st.ID == "" {
		return social.Posted{}, &social.Error{Platform: platform, Op: "publish", Class: social.Temporary, Status: http.StatusOK, Message: "the answer has no status id", Uncertain: true}
	}
	return social.Posted{Platform: platform, ID: st.ID, URI: st.URI, URL: st.URL}, nil
}

// Delete deletes the status; one already gone counts as deleted.
func (c *Client) Delete(ctx context.Context, p social.Posted) error {
	if p.ID == "" || strings.ContainsAny(p.ID, "/?#") {
		return &social.Error{Platform: platform, Op: "delete", Class: social.Permanent, Message: fmt.Sprintf("status id %q is not valid", p.ID)}
	}
	_, err := c.call(ctx, "delete", http.MethodDelete, "/api/v1/statuses/"+url.PathEscape(p.ID), nil, nil, nil)
	if e, ok := errors.AsType[*social.Error](err); ok && e.Status == http.StatusNotFound {
		return nil
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
