// Package linkedin publishes incident updates as posts on one LinkedIn
// organisation page through the versioned Posts API
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api):
// POST /rest/posts with the LinkedIn-Version and X-Restli-Protocol-Version
// headers, the post's URN read from the x-restli-id header, images through
// the Images API (initializeUpload, then a PUT of the bytes), and DELETE
// /rest/posts/{urn}. The commentary is written in LinkedIn's "little" text
// format, whose reserved characters are escaped (see Escape). LinkedIn
// pages do not thread posts, so every update is a new post. The access
// token travels in the Authorization header only.
package linkedin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/social"
)

const (
	platform       = "linkedin"
	defaultBaseURL = "https://api.linkedin.com"
	defaultWebURL  = "https://www.linkedin.com"
	// DefaultVersion is the Marketing API version sent when none is
	// configured; LinkedIn supports each monthly version for a year.
	DefaultVersion = "202605"
	defaultTimeout = 20 * time.Second
	// maxAltText is the Posts API's limit for media alt text.
	maxAltText = 4086
)

var (
	orgID       = regexp.MustCompile(`^[0-9]{1,20}$`)
	versionForm = regexp.MustCompile(`^20[0-9]{2}(0[1-9]|1[0-2])$`)
	postURN     = regexp.MustCompile(`^urn:li:(share|ugcPost):[0-9]{1,30}$`)
)

// Options configures a Client.
type Options struct {
	// Organization is the page's organisation id ("2414183") or URN
	// ("urn:li:organization:2414183").
	Organization string
	// Token is a member access token with w_organization_social, from an
	// administrator or content admin of the page. LinkedIn tokens last 60
	// days.
	Token string
	// Version is the LinkedIn-Version header, YYYYMM (default
	// DefaultVersion).
	Version string
	// BaseURL is the API server (default https://api.linkedin.com).
	BaseURL string
	// WebURL builds public post URLs (default https://www.linkedin.com).
	WebURL string
	// Timeout bounds each request (default 20 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client).
	Client *http.Client
	// Logger receives notices (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Client publishes to one LinkedIn organisation page.
type Client struct {
	o      Options
	base   *url.URL
	author string
}

var _ social.Publisher = (*Client)(nil)

// New returns a Client for one organisation page.
func New(o Options) (*Client, error) {
	if o.Token == "" || strings.ContainsAny(o.Token, " \t\r\n") {
		return nil, errors.New("linkedin: the access token is empty or malformed")
	}
	id := strings.TrimPrefix(o.Organization, "urn:li:organization:")
	if !orgID.MatchString(id) {
		return nil, fmt.Errorf("linkedin: organization %q: want its numeric id or urn:li:organization:<id>", o.Organization)
	}
	if o.Version == "" {
		o.Version = DefaultVersion
	}
	if !versionForm.MatchString(o.Version) {
		return nil, fmt.Errorf("linkedin: version %q: want YYYYMM", o.Version)
	}
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	if o.WebURL == "" {
		o.WebURL = defaultWebURL
	}
	var base *url.URL
	for i, raw := range []string{o.BaseURL, o.WebURL} {
		u, err := url.Parse(strings.TrimRight(raw, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("linkedin: URL %q: want https://host", raw)
		}
		if i == 0 {
			base = u
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
	return &Client{o: o, base: base, author: "urn:li:organization:" + id}, nil
}

// Platform implements social.Publisher.
func (c *Client) Platform() string { return platform }

// post is the Posts API's request body for an organic post.
type post struct {
	Author                    string       `json:"author"`
	Commentary                string       `json:"commentary"`
	Visibility                string       `json:"visibility"`
	Distribution              distribution `json:"distribution"`
	Content                   *content     `json:"content,omitempty"`
	LifecycleState            string       `json:"lifecycleState"`
	IsReshareDisabledByAuthor bool         `json:"isReshareDisabledByAuthor"`
}

type distribution struct {
	FeedDistribution               string `json:"feedDistribution"`
	TargetEntities                 []any  `json:"targetEntities"`
	ThirdPartyDistributionChannels []any  `json:"thirdPartyDistributionChannels"`
}

type content struct {
	Media media `json:"media"`
}

type media struct {
	ID      string `json:"id"`
	AltText string `json:"altText,omitempty"`
}

// Publish posts p on the page, after uploading its image if it has one.
// p.ReplyTo is ignored: pages do not thread posts.
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Posted, error) {
	if strings.TrimSpace(p.Text) == "" && p.Image == nil {
		return social.Posted{}, &social.Error{Platform: platform, Op: "publish", Class: social.Permanent, Message: "the post is empty"}
	}
	body := post{Author: c.author, Commentary: Escape(p.Text), Visibility: "PUBLIC", LifecycleState: "PUBLISHED",
		Distribution: distribution{FeedDistribution: "MAIN_FEED", TargetEntities: []any{}, ThirdPartyDistributionChannels: []any{}}}
	if p.Image != nil {
		urn, err := c.uploadImage(ctx, p.Image.PNG)
		if err != nil {
			return social.Posted{}, err
		}
		alt := p.Image.Alt
		if r := []rune(alt); len(r) > maxAltText {
			alt = string(r[:maxAltText-1]) + "…"
		}
		body.Content = &content{Media: media{ID: urn, AltText: alt}}
	}
	raw, _ := json.Marshal(body)
	resp, err := c.send(ctx, "publish", http.MethodPost, c.api("/rest/posts"), "application/json", raw, nil)
	if err != nil {
		return social.Posted{}, err
	}
	urn := resp.Header.Get("X-Restli-Id")
	if urn == "" {
		urn = resp.Header.Get("X-LinkedIn-Id")
	}
	if urn == "" {
		return social.Posted{}, &social.Error{Platform: platform, Op: "publish", Class: social.Temporary, Status: resp.StatusCode, Message: "the answer has no post URN", Uncertain: true}
	}
	return social.Posted{Platform: platform, ID: urn, URI: urn, URL: c.o.WebURL + "/feed/update/" + urn + "/"}, nil
}

// uploadImage registers an image owned by the organisation (POST
// /rest/images?action=initializeUpload) and PUTs the bytes to the upload
// URL LinkedIn returns; the image URN goes in the post.
func (c *Client) uploadImage(ctx context.Context, png []byte) (string, error) {
	const op = "upload image"
	if len(png) == 0 {
		return "", &social.Error{Platform: platform, Op: op, Class: social.Permanent, Message: "the image is empty"}
	}
	req, _ := json.Marshal(map[string]any{"initializeUploadRequest": map[string]string{"owner": c.author}})
	var out struct {
		Value struct {
			UploadURLExpiresAt int64  `json:"uploadUrlExpiresAt"`
			UploadURL          string `json:"uploadUrl"`
			Image              string `json:"image"`
		} `json:"value"`
	}
	if _, err := c.send(ctx, op, http.MethodPost, c.api("/rest/images?action=initializeUpload"), "application/json", req, &out); err != nil {
		return "", err
	}
	up, err := url.Parse(out.Value.UploadURL)
	if err != nil || out.Value.Image == "" || (up.Scheme != "https" && up.Scheme != "http") || up.Host == "" {
		return "", &social.Error{Platform: platform, Op: op, Class: social.Temporary, Status: http.StatusOK, Message: "the answer has no usable upload URL or image URN"}
	}
	if _, err := c.send(ctx, op, http.MethodPut, up, "application/octet-stream", png, nil); err != nil {
		return "", err
	}
	return out.Value.Image, nil
}

// Delete deletes the post with DELETE /rest/posts/{encoded urn}; a post
// already gone (404) counts as deleted.
func (c *Client) Delete(ctx context.Context, p social.Posted) error {
	if !postURN.MatchString(p.ID) {
		return &social.Error{Platform: platform, Op: "delete", Class: social.Permanent, Message: fmt.Sprintf("post URN %q is not valid", p.ID)}
	}
	// The URN is one path segment, its colons encoded (%3A) as LinkedIn
	// documents.
	u := c.api("/rest/posts/")
	u.RawPath = u.Path + url.QueryEscape(p.ID)
	u.Path += p.ID
	_, err := c.send(ctx, "delete", http.MethodDelete, u, "", nil, nil)
	if e, ok := errors.AsType[*social.Error](err); ok && e.Status == http.StatusNotFound {
		return nil
	}
	return err
}

// api is the URL of path (with its query) on the API server.
func (c *Client) api(path string) *url.URL {
	u := *c.base
	p, q, _ := strings.Cut(path, "?")
	u.Path = strings.TrimRight(u.Path, "/") + p
	u.RawQuery = q
	return &u
}
