// Package facebook publishes incident updates as posts on one Facebook
// Page through the Graph API Pages endpoints
// (https://developers.facebook.com/docs/pages-api/posts): POST
// /{page-id}/feed for text (with the status page as the link when one is
// configured), POST /{page-id}/photos with the card uploaded as bytes, and
// DELETE /{post-id}. Pages do not thread posts, so every update is a new
// post; Posted still carries its id and public URL. The Page access token
// travels in the Authorization header only and never appears in errors or
// logs.
package facebook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/facebook/graph"
	"github.com/vigie-hq/vigie/internal/social"
)

const (
	platform       = "facebook"
	defaultWebURL  = "https://www.facebook.com"
	defaultTimeout = 20 * time.Second
)

// pageID and postID are Graph object ids: digits, and "pageid_postid"
// for posts.
var (
	pageID = regexp.MustCompile(`^[0-9]{1,30}$`)
	postID = regexp.MustCompile(`^[0-9]{1,30}(_[0-9]{1,30})?$`)
)

// Options configures a Client.
type Options struct {
	// PageID is the Page's numeric id.
	PageID string
	// Token is a Page access token with pages_manage_posts and
	// pages_read_engagement (a long-lived one, or a System User's, which
	// does not expire).
	Token string
	// APIVersion is the Graph API version (default graph.DefaultVersion).
	APIVersion string
	// Link, when set, is attached to text posts as their link (the status
	// page), so that the post shows its preview card.
	Link string
	// BaseURL is the Graph API server (default https://graph.facebook.com).
	BaseURL string
	// WebURL builds public post URLs (default https://www.facebook.com).
	WebURL string
	// Timeout bounds each request (default 20 s: photo uploads are slow).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client).
	Client *http.Client
	// Logger receives notices (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Client publishes to one Facebook Page.
type Client struct {
	o   Options
	api *graph.Client
}

var _ social.Publisher = (*Client)(nil)

// New returns a Client for one Page.
func New(o Options) (*Client, error) {
	if o.Token == "" || strings.ContainsAny(o.Token, " \t\r\n") {
		return nil, errors.New("facebook: the Page access token is empty or malformed")
	}
	if !pageID.MatchString(o.PageID) {
		return nil, fmt.Errorf("facebook: page id %q: want the Page's numeric id", o.PageID)
	}
	if o.APIVersion == "" {
		o.APIVersion = graph.DefaultVersion
	}
	if !graph.ValidVersion(o.APIVersion) {
		return nil, fmt.Errorf("facebook: API version %q: want vNN.N", o.APIVersion)
	}
	if o.BaseURL == "" {
		o.BaseURL = graph.DefaultBaseURL
	}
	if o.WebURL == "" {
		o.WebURL = defaultWebURL
	}
	for _, raw := range []string{o.BaseURL, o.WebURL} {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("facebook: URL %q: want https://host", raw)
		}
	}
	if o.Link != "" {
		if u, err := url.Parse(o.Link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("facebook: link %q: want an http(s) URL", o.Link)
		}
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
	o.WebURL = strings.TrimRight(o.WebURL, "/")
	api := &graph.Client{Platform: platform, BaseURL: strings.TrimRight(o.BaseURL, "/"), Version: o.APIVersion, Token: o.Token,
		HTTP: o.Client, Timeout: o.Timeout, Now: o.Now}
	return &Client{o: o, api: api}, nil
}

// Platform implements social.Publisher.
func (c *Client) Platform() string { return platform }

// Publish posts p on the Page: a photo post when it has an image, a feed
// post otherwise. p.ReplyTo is ignored: Pages do not thread posts.
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Posted, error) {
	if strings.TrimSpace(p.Text) == "" && p.Image == nil {
		return social.Posted{}, &social.Error{Platform: platform, Op: "publish", Class: social.Permanent, Message: "the post is empty"}
	}
	var id string
	var err error
	if p.Image != nil {
		id, err = c.publishPhoto(ctx, p)
	} else {
		id, err = c.publishText(ctx, p)
	}
	if err != nil {
		return social.Posted{}, err
	}
	return social.Posted{Platform: platform, ID: id, URL: c.o.WebURL + "/" + id}, nil
}

// publishText sends POST /{page-id}/feed; the answer is {"id": post id}.
func (c *Client) publishText(ctx context.Context, p social.Post) (string, error) {
	form := url.Values{"message": {p.Text}}
	if c.o.Link != "" {
		form.Set("link", c.o.Link)
	}
	var out struct {
		ID string `json:"id"`
	}
	if _, err := c.api.Form(ctx, "publish", http.MethodPost, "/"+c.o.PageID+"/feed", form, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &social.Error{Platform: platform, Op: "publish", Class: social.Temporary, Status: http.StatusOK, Message: "the answer has no post id", Uncertain: true}
	}
	return out.ID, nil
}

// publishPhoto uploads the card with POST /{page-id}/photos (multipart:
// source, caption, published=true, alt_text_custom); the answer is
// {"id": photo id, "post_id": the feed post's id}.
func (c *Client) publishPhoto(ctx context.Context, p social.Post) (string, error) {
	const op = "publish photo"
	if len(p.Image.PNG) == 0 {
		return "", &social.Error{Platform: platform, Op: op, Class: social.Permanent, Message: "the image is empty"}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, _ := mw.CreatePart(textproto.MIMEHeader{
		"Content-Disposition": {`form-data; name="source"; filename="status.png"`},
		"Content-Type":        {"image/png"},
	})
	_, _ = part.Write(p.Image.PNG)
	_ = mw.WriteField("caption", p.Text)
	_ = mw.WriteField("published", "true")
	if p.Image.Alt != "" {
		_ = mw.WriteField("alt_text_custom", p.Image.Alt)
	}
	_ = mw.Close()
	var out struct {
		ID     string `json:"id"`
		PostID string `json:"post_id"`
	}
	if _, err := c.api.Do(ctx, op, http.MethodPost, "/"+c.o.PageID+"/photos", mw.FormDataContentType(), buf.Bytes(), &out); err != nil {
		return "", err
	}
	id := out.PostID
	if id == "" {
		id = out.ID
	}
	if id == "" {
		return "", &social.Error{Platform: platform, Op: op, Class: social.Temporary, Status: http.StatusOK, Message: "the answer has no post id", Uncertain: true}
	}
	return id, nil
}

// Delete deletes the post with DELETE /{post-id}; a post that no longer
// exists (error 100, subcode 33) counts as deleted.
func (c *Client) Delete(ctx context.Context, p social.Posted) error {
	if !postID.MatchString(p.ID) {
		return &social.Error{Platform: platform, Op: "delete", Class: social.Permanent, Message: fmt.Sprintf("post id %q is not valid", p.ID)}
	}
	var out struct {
		Success bool `json:"success"`
	}
	g, err := c.api.Do(ctx, "delete", http.MethodDelete, "/"+p.ID, "", nil, &out)
	if err != nil {
		if g.Gone() {
			return nil
		}
		return err
	}
	if !out.Success {
		return &social.Error{Platform: platform, Op: "delete", Class: social.Temporary, Status: http.StatusOK, Message: "Facebook did not confirm the deletion"}
	}
	return nil
}
