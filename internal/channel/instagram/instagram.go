// Package instagram publishes incident updates as image posts on one
// Instagram professional account connected to a Facebook Page, through
// the Instagram Graph API's content publishing flow
// (https://developers.facebook.com/docs/instagram-platform/content-publishing):
// check the 24-hour publishing quota, create an image container from a
// public URL (POST /{ig-user-id}/media with image_url, caption and
// alt_text), wait a bounded number of polls until its status_code is
// FINISHED, publish it (POST /{ig-user-id}/media_publish) and read its
// permalink. Instagram only publishes JPEG fetched from a public URL: the
// client converts the PNG card to JPEG and hands it to an ImageHost that
// serves it. Every post needs an image; the API cannot delete feed posts.
// The access token travels in the Authorization header only.
package instagram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/facebook/graph"
	"github.com/vigie-hq/vigie/internal/social"
)

const (
	platform       = "instagram"
	defaultTimeout = 20 * time.Second
	// Images are usually FINISHED on the first poll; Meta suggests
	// polling at most once a minute for five minutes, which is for
	// videos. One minute in all is enough for an image.
	defaultPollInterval = 3 * time.Second
	defaultMaxPolls     = 20
	// defaultQuotaRecheck is how long to wait when the quota is spent:
	// the window is a moving 24 hours and Meta gives no reset time.
	defaultQuotaRecheck = time.Hour
	// defaultQuota is used when the answer does not give quota_total.
	defaultQuota = 100
	// maxAltText is alt_text's documented limit.
	maxAltText  = 1000
	jpegQuality = 90
)

var igUserID = regexp.MustCompile(`^[0-9]{1,30}$`)

// ImageHost serves a picture at a public URL that Meta's servers can
// fetch for as long as publishing takes (a few minutes).
type ImageHost interface {
	// Host stores the JPEG and returns its public https URL.
	Host(ctx context.Context, jpeg []byte) (publicURL string, err error)
}

// Options configures a Client.
type Options struct {
	// IGUserID is the Instagram professional account's id (not its
	// @username), as GET /{page-id}?fields=instagram_business_account
	// gives it.
	IGUserID string
	// Token is a Page or user access token with instagram_basic,
	// instagram_content_publish and pages_read_engagement.
	Token string
	// Host serves the card to Meta (required).
	Host ImageHost
	// APIVersion is the Graph API version (default graph.DefaultVersion).
	APIVersion string
	// BaseURL is the Graph API server (default https://graph.facebook.com).
	BaseURL string
	// Timeout bounds each request (default 20 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client).
	Client *http.Client
	// Logger receives notices (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits between polls of a container (default: a timer that
	// honours ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// PollInterval and MaxPolls bound that wait (default 3 s, 20 polls).
	PollInterval time.Duration
	MaxPolls     int
	// QuotaRecheck is the retry delay when the publishing quota is spent
	// (default 1 h).
	QuotaRecheck time.Duration
}

// Client publishes to one Instagram professional account.
type Client struct {
	o   Options
	api *graph.Client
}

var _ social.Publisher = (*Client)(nil)

// New returns a Client for one account.
func New(o Options) (*Client, error) {
	if o.Token == "" || strings.ContainsAny(o.Token, " \t\r\n") {
		return nil, errors.New("instagram: the access token is empty or malformed")
	}
	if !igUserID.MatchString(o.IGUserID) {
		return nil, fmt.Errorf("instagram: account id %q: want the numeric Instagram user id", o.IGUserID)
	}
	if o.Host == nil {
		return nil, errors.New("instagram: an image host is required: Instagram fetches images from a public URL")
	}
	if o.APIVersion == "" {
		o.APIVersion = graph.DefaultVersion
	}
	if !graph.ValidVersion(o.APIVersion) {
		return nil, fmt.Errorf("instagram: API version %q: want vNN.N", o.APIVersion)
	}
	if o.BaseURL == "" {
		o.BaseURL = graph.DefaultBaseURL
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("instagram: URL %q: want https://host", o.BaseURL)
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
	if o.QuotaRecheck <= 0 {
		o.QuotaRecheck = defaultQuotaRecheck
	}
	api := &graph.Client{Platform: platform, BaseURL: strings.TrimRight(o.BaseURL, "/"), Version: o.APIVersion, Token: o.Token,
		HTTP: o.Client, Timeout: o.Timeout, Now: o.Now, Refine: refine}
	return &Client{o: o, api: api}, nil
}

// Platform implements social.Publisher.
func (c *Client) Platform() string { return platform }

// Publish posts p's image with p.Text as its caption. p.ReplyTo is
// ignored: Instagram posts do not thread.
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Posted, error) {
	if p.Image == nil || len(p.Image.PNG) == 0 {
		return social.Posted{}, &social.Error{Platform: platform, Op: "publish", Class: social.Permanent, Message: "Instagram needs an image"}
	}
	if err := c.checkQuota(ctx); err != nil {
		return social.Posted{}, err
	}
	jpg, err := toJPEG(p.Image.PNG)
	if err != nil {
		return social.Posted{}, &social.Error{Platform: platform, Op: "convert image", Class: social.Permanent, Message: "the card is not a readable PNG", Err: err}
	}
	imageURL, err := c.o.Host.Host(ctx, jpg)
	if err != nil {
		return social.Posted{}, &social.Error{Platform: platform, Op: "host image", Class: social.Temporary, Message: "the card could not be published for Instagram to fetch", Err: err}
	}
	container, err := c.createContainer(ctx, imageURL, p)
	if err != nil {
		return social.Posted{}, err
	}
	if err := c.waitFinished(ctx, container); err != nil {
		return social.Posted{}, err
	}
	var pub struct {
		ID string `json:"id"`
	}
	if _, err := c.api.Form(ctx, "publish", http.MethodPost, "/"+c.o.IGUserID+"/media_publish", url.Values{"creation_id": {container}}, &pub); err != nil {
		return social.Posted{}, err
	}
	if pub.ID == "" {
		return social.Posted{}, &social.Error{Platform: platform, Op: "publish", Class: social.Temporary, Status: http.StatusOK, Message: "the answer has no media id", Uncertain: true}
	}
	posted := social.Posted{Platform: platform, ID: pub.ID}
	// The post is out: a failure to read its link must not fail the
	// delivery, or the queue would publish it twice.
	var media struct {
		Permalink string `json:"permalink"`
	}
	if _, err := c.api.Get(ctx, "read permalink", "/"+pub.ID, url.Values{"fields": {"permalink"}}, &media); err != nil {
		c.o.Logger.Warn("instagram: the post is published but its link could not be read", "media_id", pub.ID, "err", err)
	}
	posted.URL = media.Permalink
	return posted, nil
}

// checkQuota reads GET /{ig-user-id}/content_publishing_limit and refuses
// to publish when the moving 24-hour quota is spent.
func (c *Client) checkQuota(ctx context.Context) error {
	var out struct {
		Data []struct {
			QuotaUsage int `json:"quota_usage"`
			Config     struct {
				QuotaTotal    int `json:"quota_total"`
				QuotaDuration int `json:"quota_duration"`
			} `json:"config"`
		} `json:"data"`
	}
	if _, err := c.api.Get(ctx, "check quota", "/"+c.o.IGUserID+"/content_publishing_limit", url.Values{"fields": {"quota_usage,config"}}, &out); err != nil {
		return err
	}
	if len(out.Data) == 0 {
		return nil
	}
	d := out.Data[0]
	total := d.Config.QuotaTotal
	if total <= 0 {
		total = defaultQuota
	}
	if d.QuotaUsage < total {
		return nil
	}
	return &social.Error{Platform: platform, Op: "check quota", Class: social.RateLimited, Code: "quota",
		Message: fmt.Sprintf("the account published %d posts through the API in the last 24 hours, the most Instagram allows", d.QuotaUsage),
		Reset:   c.o.Now().Add(c.o.QuotaRecheck)}
}

// createContainer sends POST /{ig-user-id}/media; the answer is
// {"id": container id}.
func (c *Client) createContainer(ctx context.Context, imageURL string, p social.Post) (string, error) {
	form := url.Values{"image_url": {imageURL}, "caption": {p.Text}}
	if alt := p.Image.Alt; alt != "" {
		if r := []rune(alt); len(r) > maxAltText {
			alt = string(r[:maxAltText-1]) + "…"
		}
		form.Set("alt_text", alt)
	}
	var out struct {
		ID string `json:"id"`
	}
	if _, err := c.api.Form(ctx, "create container", http.MethodPost, "/"+c.o.IGUserID+"/media", form, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &social.Error{Platform: platform, Op: "create container", Class: social.Temporary, Status: http.StatusOK, Message: "the answer has no container id"}
	}
	return out.ID, nil
}

// refine applies Instagram's own codes
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes)
// on top of the Graph classification: -1 and -2 (server error, download
// timeout) and 2207052 (the card could not be fetched: the status page may
// be briefly down) are worth another try; 2207051 (the post looks like
// spam) is not, since retrying makes it worse.
func refine(g graph.Error, e *social.Error) {
	switch {
	case g.Code == -1 || g.Code == -2 || g.Subcode == 2207052:
		e.Class = social.Temporary
	case g.Subcode == 2207051:
		e.Class, e.Reset = social.Permanent, time.Time{}
	}
}

// transientStatus lists the container error subcodes that Meta says to
// retry (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes):
// server error, download timeout, expired media, failed creation.
var transientStatus = []string{"2207001", "2207003", "2207020", "2207032"}

// waitFinished polls GET /{container-id}?fields=status_code,status until
// FINISHED, a bounded number of times.
func (c *Client) waitFinished(ctx context.Context, container string) error {
	const op = "wait for container"
	for polls := 0; ; polls++ {
		if polls == c.o.MaxPolls {
			return &social.Error{Platform: platform, Op: op, Class: social.Temporary, Message: fmt.Sprintf("container %s still in progress after %d polls", container, polls)}
		}
		if polls > 0 {
			if err := c.o.Sleep(ctx, c.o.PollInterval); err != nil {
				return &social.Error{Platform: platform, Op: op, Class: social.Temporary, Err: err}
			}
		}
		var st struct {
			StatusCode string `json:"status_code"`
			Status     string `json:"status"`
		}
		if _, err := c.api.Get(ctx, op, "/"+container, url.Values{"fields": {"status_code,status"}}, &st); err != nil {
			return err
		}
		switch st.StatusCode {
		case "FINISHED":
			return nil
		case "ERROR":
			e := &social.Error{Platform: platform, Op: op, Class: social.Permanent, Code: "ERROR", Message: "Instagram could not process the image"}
			if st.Status != "" {
				e.Message += ": " + st.Status
			}
			for _, sub := range transientStatus {
				if strings.Contains(st.Status, sub) {
					e.Class = social.Temporary
				}
			}
			return e
		case "EXPIRED":
			return &social.Error{Platform: platform, Op: op, Class: social.Temporary, Code: "EXPIRED", Message: "the container expired before it was published"}
		case "PUBLISHED":
			return &social.Error{Platform: platform, Op: op, Class: social.Permanent, Code: "PUBLISHED", Message: "the container was already published"}
		}
		// IN_PROGRESS, or a status this client does not know: wait.
	}
}

// Delete always fails: the Instagram Graph API cannot delete feed posts,
// so the timeline shows a correction instead.
func (c *Client) Delete(ctx context.Context, p social.Posted) error {
	return &social.Error{Platform: platform, Op: "delete", Class: social.Permanent, Code: "unsupported",
		Message: "Instagram does not let apps delete posts; delete it in the Instagram app and publish a correction"}
}

// toJPEG re-encodes the PNG card as JPEG, the only image format the
// content publishing API takes, flattening any transparency on white.
func toJPEG(pngData []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return nil, err
	}
	flat := image.NewRGBA(img.Bounds())
	draw.Draw(flat, flat.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(flat, flat.Bounds(), img, img.Bounds().Min, draw.Over)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, flat, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
