package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/bluesky"
	"github.com/vigie-hq/vigie/internal/channel/facebook"
	"github.com/vigie-hq/vigie/internal/channel/instagram"
	"github.com/vigie-hq/vigie/internal/channel/linkedin"
	"github.com/vigie-hq/vigie/internal/channel/mastodon"
	"github.com/vigie-hq/vigie/internal/channel/x"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/social"
	"github.com/vigie-hq/vigie/internal/social/card"
	"github.com/vigie-hq/vigie/internal/social/compose"
	"github.com/vigie-hq/vigie/internal/social/publish"
	"github.com/vigie-hq/vigie/internal/vault"
)

// socialRates and socialBursts keep each account within its platform's
// publishing limits through the delivery queue (posts wait, never drop):
// X 300 posts per 3 hours, Mastodon 300 requests per 5 minutes (a post
// with a picture takes three), Bluesky 5,000 points an hour (3 per post),
// Instagram 100 API posts per 24 hours, Facebook and LinkedIn pages a
// conservative post a minute.
var (
	socialRates = map[string]float64{"x": 300.0 / (3 * 3600), "mastodon": 100.0 / 300, "bluesky": 1666.0 / 3600,
		"instagram": 100.0 / (24 * 3600), "facebook": 1.0 / 60, "linkedin": 1.0 / 60}
	socialBursts = map[string]float64{"x": 30, "mastodon": 30, "bluesky": 50, "instagram": 10, "facebook": 10, "linkedin": 10}
)

// checkText refuses a text that a social account could not post as it is
// (over-length): the crisis room blocks its approval and publication.
func (a *App) checkText(channel, _, text string) error {
	if c, ok := a.social[channel]; ok {
		_, err := c.Compose(text)
		return err
	}
	// An account without credentials yet is still held to its platform's
	// rules, so an approved text never fails later.
	p := a.Plan()
	if c, ok := p.Channels[channel]; !ok || !c.Enabled {
		return nil
	}
	profile, err := compose.ProfileFor(compose.Platform(channel), compose.Options{})
	if err != nil {
		return nil // not a platform with text rules
	}
	_, err = compose.Compose(profile, compose.Input{Text: text, Hashtags: p.Organisation.Hashtags})
	return err
}

// channelsOf indexes the social accounts built by socialSenders by platform.
func channelsOf(senders []deliver.Sender) map[string]*publish.Channel {
	out := make(map[string]*publish.Channel, len(senders))
	for _, s := range senders {
		if c, ok := s.(*publish.Channel); ok {
			out[s.Channel()] = c
		}
	}
	return out
}

// socialDeps are what the social accounts need besides their credentials.
type socialDeps struct {
	vault   *vault.Vault
	threads *publish.Threads
	// images and publicURL host the cards platforms fetch by URL.
	images    *publish.Images
	publicURL string
	incidents *incident.Service
	logger    *slog.Logger
}

// socialCred reads an account's credential: one pasted in the console
// (sealed in the vault) wins over the plan's reference.
func socialCred(ctx context.Context, v *vault.Vault, name string, c plan.Channel, getenv func(string) string) func(string) (string, error) {
	return func(key string) (string, error) {
		if v != nil {
			if b, ok, err := v.Get(ctx, "cred:"+name+":"+key); err == nil && ok && len(b) > 0 {
				return string(b), nil
			}
		}
		ref, ok := c.Credentials[key]
		if !ok {
			return "", fmt.Errorf("credentials.%s is not declared in the plan", key)
		}
		return secret(getenv, ref)
	}
}

// accountOf is the handle an account posts as.
func accountOf(c plan.Channel) string {
	if a := setting(c, "account"); a != "" {
		return a
	}
	return setting(c, "handle")
}

// socialSenders builds the plan's social accounts (x, mastodon, bluesky)
// as account channels. Tokens the platforms refresh are kept sealed in the
// vault and preferred over the plan's initial ones.
func socialSenders(ctx context.Context, p *plan.Plan, getenv func(string) string, d socialDeps) []deliver.Sender {
	// The card renderer (fonts parsed) is built for the first account that
	// connects, not at every start.
	var renderer *card.Renderer
	rendererTried := false
	var out []deliver.Sender
	for _, name := range []string{"x", "mastodon", "bluesky", "facebook", "instagram", "linkedin"} {
		c, ok := p.Channels[name]
		if !ok || !c.Enabled {
			continue
		}
		cred := socialCred(ctx, d.vault, name, c, getenv)
		account := accountOf(c)
		pub, idempotent, err := buildPublisher(ctx, name, c, cred, account, d)
		if err != nil {
			d.logger.Warn("social account disabled: "+err.Error(), "channel", name)
			continue
		}
		lang := setting(c, "lang")
		if lang == "" {
			lang = p.Organisation.DefaultLanguage
		}
		limit := 0
		if v := setting(c, "max_characters"); v != "" {
			fmt.Sscan(v, &limit)
		}
		profile, err := compose.ProfileFor(compose.Platform(name), compose.Options{MastodonLimit: limit})
		if err != nil {
			d.logger.Warn("social account disabled: "+err.Error(), "channel", name)
			continue
		}
		var image publish.Image
		// Instagram posts are pictures: its card cannot be turned off.
		if !rendererTried {
			rendererTried = true
			if renderer, err = card.NewRenderer(); err != nil {
				d.logger.Warn("social posts will go without image cards", "err", err)
			}
		}
		if renderer != nil && (setting(c, "cards") != "false" || name == "instagram") {
			image = cardImage(renderer, p, d.incidents)
		}
		out = append(out, publish.New(publish.Options{Publisher: pub, Account: account, Lang: lang, Profile: profile, Hashtags: p.Organisation.Hashtags,
			Threads: d.threads, Image: image, Idempotent: idempotent, Logger: d.logger,
			OnPosted: func(ctx context.Context, incidentID, messageID int64, posted social.Posted) {
				if _, err := d.incidents.RecordSignal(ctx, incidentID, "social", map[string]any{"platform": posted.Platform, "post_id": posted.ID,
					"url": posted.URL, "message_id": messageID}); err != nil {
					d.logger.Warn("record social post on the timeline", "err", err)
				}
			}}))
	}
	return out
}

func buildPublisher(ctx context.Context, name string, c plan.Channel, cred func(string) (string, error), account string, d socialDeps) (social.Publisher, bool, error) {
	switch name {
	case "mastodon":
		tok, err := cred("access_token")
		if err != nil {
			return nil, false, err
		}
		pub, err := mastodon.New(mastodon.Options{BaseURL: setting(c, "instance"), Token: tok, Logger: d.logger})
		return pub, true, err
	case "bluesky":
		pw, err := cred("app_password")
		if err != nil {
			return nil, false, err
		}
		key := "bluesky:" + account
		var session *bluesky.Session
		if raw, ok, err := d.vault.Get(ctx, key); err == nil && ok {
			var s bluesky.Session
			if json.Unmarshal(raw, &s) == nil {
				session = &s
			}
		}
		base := setting(c, "base_url")
		if base == "" {
			base = "https://bsky.social"
		}
		pub, err := bluesky.New(bluesky.Options{BaseURL: base, Identifier: account, AppPassword: pw, Session: session, Logger: d.logger,
			OnSession: func(s bluesky.Session) {
				raw, _ := json.Marshal(s)
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := d.vault.Put(sctx, key, raw); err != nil {
					d.logger.Warn("keep the Bluesky session", "err", err)
				}
			}})
		return pub, false, err
	case "x":
		id, err := cred("client_id")
		if err != nil {
			return nil, false, err
		}
		var clientSecret string
		if _, ok := c.Credentials["client_secret"]; ok {
			if clientSecret, err = cred("client_secret"); err != nil {
				return nil, false, err
			}
		}
		key := "x:" + account
		var tok x.Token
		if raw, ok, err := d.vault.Get(ctx, key); err == nil && ok {
			_ = json.Unmarshal(raw, &tok)
		}
		if tok.AccessToken == "" {
			if tok.AccessToken, err = cred("access_token"); err != nil {
				return nil, false, err
			}
			if _, ok := c.Credentials["refresh_token"]; ok {
				if tok.RefreshToken, err = cred("refresh_token"); err != nil {
					return nil, false, err
				}
			}
		}
		pub, err := x.New(x.Options{ClientID: id, ClientSecret: clientSecret, Token: tok, Username: strings.TrimPrefix(account, "@"), BaseURL: setting(c, "base_url"),
			Logger: d.logger, OnToken: func(ctx context.Context, t x.Token) error {
				raw, _ := json.Marshal(t)
				return d.vault.Put(ctx, key, raw)
			}})
		return pub, false, err
	case "facebook":
		tok, err := cred("page_access_token")
		if err != nil {
			return nil, false, err
		}
		pub, err := facebook.New(facebook.Options{PageID: setting(c, "page_id"), Token: tok, APIVersion: setting(c, "api_version"),
			Link: setting(c, "link"), BaseURL: setting(c, "base_url"), Logger: d.logger})
		return pub, false, err
	case "instagram":
		tok, err := cred("access_token")
		if err != nil {
			return nil, false, err
		}
		if d.images == nil {
			return nil, false, fmt.Errorf("instagram needs the status page to serve image cards")
		}
		pub, err := instagram.New(instagram.Options{IGUserID: setting(c, "ig_user_id"), Token: tok, Host: cardHost{d},
			APIVersion: setting(c, "api_version"), BaseURL: setting(c, "base_url"), Logger: d.logger})
		return pub, false, err
	case "linkedin":
		tok, err := cred("access_token")
		if err != nil {
			return nil, false, err
		}
		pub, err := linkedin.New(linkedin.Options{Organization: setting(c, "organization"), Token: tok, Version: setting(c, "version"),
			BaseURL: setting(c, "base_url"), Logger: d.logger})
		return pub, false, err
	}
	return nil, false, fmt.Errorf("unknown social channel %s", name)
}

// cardImage draws the image card of an update: the incident's status, the
// first sentence of the text, the first continuity option.
func cardImage(r *card.Renderer, p *plan.Plan, incidents *incident.Service) publish.Image {
	return func(ctx context.Context, it deliver.Item) (*social.Image, error) {
		c := card.Card{Organisation: p.Organisation.Name, Sentence: firstSentence(it.Text), Lang: it.Lang, Time: time.Now()}
		if loc, err := time.LoadLocation(p.Organisation.Timezone); err == nil {
			c.Time = c.Time.In(loc)
		}
		if col, err := card.ParseHexColour(p.Organisation.BrandColour); err == nil {
			c.Brand = col
		} else {
			c.Brand, _ = card.ParseHexColour("#1F3A5F")
		}
		st := incident.MajorOutage
		if inc, err := incidents.Get(ctx, it.IncidentID); err == nil && inc.WorstStatus() != incident.Operational {
			st = inc.WorstStatus()
		}
		c.Status = incident.StatusText(st, it.Lang)
		if len(c.Status) > 0 {
			c.Status = strings.ToUpper(c.Status[:1]) + c.Status[1:]
		}
		if len(p.Continuity) > 0 {
			o := p.Continuity[0]
			c.Continuity = o.Label.Get(it.Lang, p.Organisation.DefaultLanguage) + " : " + o.Value
			if it.Lang != "fr" {
				c.Continuity = strings.Replace(c.Continuity, " : ", ": ", 1)
			}
		}
		png, err := r.PNG(c, card.Feed)
		if err != nil {
			return nil, err
		}
		return &social.Image{PNG: png, Alt: card.AltText(c)}, nil
	}
}

// firstSentence is the text up to its first full stop, or all of it.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	for i, r := range s {
		if (r == '.' || r == '!' || r == '?') && (i+1 == len(s) || s[i+1] == ' ') {
			return s[:i+1]
		}
	}
	return s
}

// cardHost stores a card and returns its public URL on the status page,
// for platforms that fetch pictures themselves (Instagram, which takes
// JPEG).
type cardHost struct{ d socialDeps }

// Host implements instagram.ImageHost.
func (h cardHost) Host(ctx context.Context, jpeg []byte) (string, error) {
	name, err := h.d.images.Put(ctx, jpeg)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(h.d.publicURL, "/") + "/cards/" + name + ".jpg", nil
}

// qaMirror posts an answered question of the live Q&A on every social
// account, as a reply in the incident's thread.
type qaMirror struct {
	channels []deliver.Broadcaster
}

// Mirror implements qa.Mirror.
func (m *qaMirror) Mirror(ctx context.Context, incidentID int64, text string) error {
	if len(m.channels) == 0 {
		return fmt.Errorf("no social account is configured")
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%d/%s", incidentID, text))
	var failed []string
	for _, ch := range m.channels {
		res := ch.Send(ctx, []deliver.Item{{Key: "qa-" + hex.EncodeToString(sum[:12]), Address: ch.Account(), Lang: ch.Lang(), Text: text, IncidentID: incidentID}})
		if len(res) > 0 && res[0].Err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", ch.Channel(), res[0].Err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("mirror: %s", strings.Join(failed, "; "))
	}
	return nil
}
