// Package bluesky publishes incident updates as posts on one Bluesky
// account through its PDS's XRPC API (https://docs.bsky.app/): a session
// from com.atproto.server.createSession with an app password, renewed with
// com.atproto.server.refreshSession when the access token expires;
// app.bsky.feed.post records through com.atproto.repo.createRecord, with
// reply {root, parent}, rich-text facets, and an app.bsky.embed.images
// embed of a blob from com.atproto.repo.uploadBlob; deletion through
// com.atproto.repo.deleteRecord. Tokens and the app password never appear
// in errors or logs.
package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vigie-hq/vigie/internal/social"
)

const (
	platform            = "bluesky"
	defaultBaseURL      = "https://bsky.social"
	defaultAppURL       = "https://bsky.app"
	defaultTimeout      = 15 * time.Second
	postCollection      = "app.bsky.feed.post"
	maxImageBytes       = 1_000_000 // app.bsky.embed.images's limit
	createdAtLayout     = "2006-01-02T15:04:05.000Z"
	atURIPrefix         = "at://"
	errExpiredToken     = "ExpiredToken"
	contentTypeJSON     = "application/json"
	contentTypeImagePNG = "image/png"
)

// Session is an authenticated session on the PDS.
type Session struct {
	DID        string
	Handle     string
	AccessJwt  string
	RefreshJwt string
}

// Options configures a Client.
type Options struct {
	// BaseURL is the account's PDS or entryway (default https://bsky.social).
	BaseURL string
	// Identifier is the account's handle or DID.
	Identifier string
	// AppPassword is an app password (Settings → App passwords), never
	// the account's main password.
	AppPassword string
	// Session restores a session saved from OnSession, so that a restart
	// does not spend createSession's tight quota (30 per 5 minutes).
	Session *Session
	// OnSession receives each new session (created or refreshed) to
	// persist it; it must not block.
	OnSession func(Session)
	// AppURL builds public post URLs (default https://bsky.app).
	AppURL string
	// Timeout bounds each request (default 15 s).
	Timeout time.Duration
	// Client replaces the HTTP client (default: a new client).
	Client *http.Client
	// Logger receives notices (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Client publishes to one Bluesky account.
type Client struct {
	o    Options
	base string
	// mu guards sess, and serialises session creation and refresh so
	// that concurrent publishes renew it once.
	mu   sync.Mutex
	sess Session
}

var _ social.Publisher = (*Client)(nil)

// New returns a Client for one account.
func New(o Options) (*Client, error) {
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	if o.AppURL == "" {
		o.AppURL = defaultAppURL
	}
	for _, raw := range []string{o.BaseURL, o.AppURL} {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("bluesky: URL %q: want https://host", raw)
		}
	}
	if o.Identifier == "" || o.AppPassword == "" {
		return nil, errors.New("bluesky: the identifier and the app password are required")
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
	c := &Client{o: o, base: strings.TrimRight(o.BaseURL, "/")}
	if o.Session != nil {
		c.sess = *o.Session
	}
	return c, nil
}

// Platform implements social.Publisher.
func (c *Client) Platform() string { return platform }

type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type replyRef struct {
	Root   strongRef `json:"root"`
	Parent strongRef `json:"parent"`
}

type facetIndex struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

type facet struct {
	Index    facetIndex          `json:"index"`
	Features []map[string]string `json:"features"`
}

type embedImage struct {
	Alt         string          `json:"alt"`
	Image       json.RawMessage `json:"image"`
	AspectRatio *aspectRatio    `json:"aspectRatio,omitempty"`
}

type aspectRatio struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

type imagesEmbed struct {
	Type   string       `json:"$type"`
	Images []embedImage `json:"images"`
}

// postRecord is an app.bsky.feed.post record.
type postRecord struct {
	Type      string       `json:"$type"`
	Text      string       `json:"text"`
	CreatedAt string       `json:"createdAt"`
	Langs     []string     `json:"langs,omitempty"`
	Facets    []facet      `json:"facets,omitempty"`
	Reply     *replyRef    `json:"reply,omitempty"`
	Embed     *imagesEmbed `json:"embed,omitempty"`
}

// Publish creates the post, after uploading its image if it has one.
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Posted, error) {
	rec := postRecord{Type: postCollection, Text: p.Text, CreatedAt: c.o.Now().UTC().Format(createdAtLayout)}
	if p.Lang != "" {
		rec.Langs = []string{p.Lang}
	}
	fs, err := facets(p.Text, p.Facets)
	if err != nil {
		return social.Posted{}, &social.Error{Platform: platform, Op: "publish", Class: social.Permanent, Message: err.Error()}
	}
	rec.Facets = fs
	var root strongRef
	if r := p.ReplyTo; r != nil && !r.Parent.IsZero() {
		rootRef := r.Root
		if rootRef.IsZero() {
			rootRef = r.Parent
		}
		root = strongRef(rootRef)
		rec.Reply = &replyRef{Root: root, Parent: strongRef(r.Parent)}
	}
	if p.Image != nil {
		emb, err := c.uploadImage(ctx, p.Image)
		if err != nil {
			return social.Posted{}, err
		}
		rec.Embed = emb
	}
	sess, err := c.session(ctx)
	if err != nil {
		return social.Posted{}, err
	}
	var out strongRef
	in := map[string]any{"repo": sess.DID, "collection": postCollection, "record": rec}
	if err := c.authed(ctx, "publish", "com.atproto.repo.createRecord", in, &out); err != nil {
		return social.Posted{}, err
	}
	did, _, rkey, ok := parseATURI(out.URI)
	if !ok || out.CID == "" {
		return social.Posted{}, &social.Error{Platform: platform, Op: "publish", Class: social.Temporary, Status: http.StatusOK, Message: fmt.Sprintf("unexpected record reference %q", out.URI), Uncertain: true}
	}
	if root.URI == "" {
		root = out
	}
	return social.Posted{
		Platform: platform, ID: out.URI, URI: out.URI, CID: out.CID, Root: social.StrongRef(root),
		URL: strings.TrimRight(c.o.AppURL, "/") + "/profile/" + did + "/post/" + rkey,
	}, nil
}

// Delete deletes the post's record; deleteRecord succeeds for a record
// already gone.
func (c *Client) Delete(ctx context.Context, p social.Posted) error {
	uri := p.URI
	if uri == "" {
		uri = p.ID
	}
	repo, coll, rkey, ok := parseATURI(uri)
	if !ok || coll != postCollection {
		return &social.Error{Platform: platform, Op: "delete", Class: social.Permanent, Message: fmt.Sprintf("%q is not a post's at:// URI", uri)}
	}
	in := map[string]string{"repo": repo, "collection": coll, "rkey": rkey}
	return c.authed(ctx, "delete", "com.atproto.repo.deleteRecord", in, nil)
}

// uploadImage uploads the PNG as a blob and returns the images embed.
func (c *Client) uploadImage(ctx context.Context, img *social.Image) (*imagesEmbed, error) {
	const op = "upload media"
	if len(img.PNG) == 0 || len(img.PNG) > maxImageBytes {
		return nil, &social.Error{Platform: platform, Op: op, Class: social.Permanent, Message: fmt.Sprintf("the image has %d bytes; Bluesky takes 1 to %d", len(img.PNG), maxImageBytes)}
	}
	var out struct {
		Blob json.RawMessage `json:"blob"`
	}
	if err := c.authedRaw(ctx, op, "com.atproto.repo.uploadBlob", contentTypeImagePNG, img.PNG, &out); err != nil {
		return nil, err
	}
	if len(out.Blob) == 0 {
		return nil, &social.Error{Platform: platform, Op: op, Class: social.Temporary, Status: http.StatusOK, Message: "the answer has no blob"}
	}
	ei := embedImage{Alt: img.Alt, Image: out.Blob}
	// The docs advise an aspect ratio so that apps lay the image out
	// before loading it; leave it out rather than guess.
	if cfg, err := png.DecodeConfig(bytes.NewReader(img.PNG)); err == nil && cfg.Width > 0 && cfg.Height > 0 {
		ei.AspectRatio = &aspectRatio{Width: cfg.Width, Height: cfg.Height}
	}
	return &imagesEmbed{Type: "app.bsky.embed.images", Images: []embedImage{ei}}, nil
}

// facets converts the composer's facets to app.bsky.richtext.facet,
// checking their byte ranges against the text.
func facets(text string, in []social.Facet) ([]facet, error) {
	var out []facet
	for _, f := range in {
		if f.ByteStart < 0 || f.ByteEnd <= f.ByteStart || f.ByteEnd > len(text) {
			return nil, fmt.Errorf("facet [%d,%d) is outside the text (%d bytes)", f.ByteStart, f.ByteEnd, len(text))
		}
		var feat map[string]string
		switch f.Kind {
		case social.FacetLink:
			feat = map[string]string{"$type": "app.bsky.richtext.facet#link", "uri": f.Value}
		case social.FacetMention:
			feat = map[string]string{"$type": "app.bsky.richtext.facet#mention", "did": f.Value}
		case social.FacetTag:
			feat = map[string]string{"$type": "app.bsky.richtext.facet#tag", "tag": strings.TrimPrefix(f.Value, "#")}
		default:
			return nil, fmt.Errorf("facet kind %q is unknown", f.Kind)
		}
		out = append(out, facet{Index: facetIndex{f.ByteStart, f.ByteEnd}, Features: []map[string]string{feat}})
	}
	return out, nil
}

// parseATURI splits at://authority/collection/rkey.
func parseATURI(uri string) (authority, collection, rkey string, ok bool) {
	rest, found := strings.CutPrefix(uri, atURIPrefix)
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}
