// Package publish posts published incident messages on the organisation's
// social accounts through the delivery engine: each account is an account
// channel (deliver.Broadcaster) that composes the text with the
// platform's rules, attaches the update's image card, and replies to the
// incident's previous post so followers read one thread.
package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/social"
	"github.com/vigie-hq/vigie/internal/social/compose"
)

// authRetry is how long a post waits when the account's token is refused:
// time for someone to reconnect the account in the console.
const authRetry = 5 * time.Minute

// Image returns the picture to attach to an item, or nil for none.
type Image func(ctx context.Context, it deliver.Item) (*social.Image, error)

// Options configure a Channel.
type Options struct {
	Publisher social.Publisher
	// Account is the handle posted as; Lang its language.
	Account, Lang string
	Profile       compose.Profile
	// Hashtags are the plan's, added when the text lacks them.
	Hashtags []string
	Threads  *Threads
	// Image, when set, attaches a picture to every post.
	Image Image
	// Idempotent says the platform deduplicates by idempotency key.
	Idempotent bool
	// OnPosted is told where each post landed (the incident's timeline).
	OnPosted func(ctx context.Context, incidentID, messageID int64, p social.Posted)
	Logger   *slog.Logger
	Now      func() time.Time
}

// Channel is one social account as a delivery channel.
type Channel struct {
	o        Options
	platform string
	mu       sync.RWMutex
	pub      social.Publisher
}

var _ deliver.Broadcaster = (*Channel)(nil)

// New returns a Channel.
func New(o Options) *Channel {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Channel{o: o, platform: o.Publisher.Platform(), pub: o.Publisher}
}

// SetPublisher replaces the account's client, after it was reconnected
// with a new token: the next post uses it.
func (c *Channel) SetPublisher(p social.Publisher) {
	c.mu.Lock()
	c.pub = p
	c.mu.Unlock()
}

func (c *Channel) publisher() social.Publisher {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.pub
}

// Channel is the plan channel name: the platform.
func (c *Channel) Channel() string { return c.platform }

// Provider is the platform too: one account per platform.
func (c *Channel) Provider() string { return c.platform }

// MaxBatch is 1: a post at a time, in order.
func (c *Channel) MaxBatch() int { return 1 }

// Idempotent reports whether the platform deduplicates posts.
func (c *Channel) Idempotent() bool { return c.o.Idempotent }

// Account is the handle posted as.
func (c *Channel) Account() string { return c.o.Account }

// Lang is the account's language.
func (c *Channel) Lang() string { return c.o.Lang }

// Audiences are those a public profile speaks to.
func (c *Channel) Audiences() []string { return []string{"customers", "partners", "press"} }

// Send posts each item.
func (c *Channel) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	out := make([]deliver.Result, len(items))
	for i, it := range items {
		out[i] = c.post(ctx, it)
	}
	return out
}

// Compose returns the text as it would be posted, or the error that blocks
// it (over-length is never cut silently): the approval screen's preview.
func (c *Channel) Compose(text string) (compose.Post, error) {
	return compose.Compose(c.o.Profile, compose.Input{Text: text, Hashtags: c.o.Hashtags})
}

func (c *Channel) post(ctx context.Context, it deliver.Item) deliver.Result {
	res := deliver.Result{Key: it.Key}
	composed, err := c.Compose(it.Text)
	if err != nil {
		res.Err, res.Permanent = fmt.Errorf("%s: %w", c.Channel(), err), true
		return res
	}
	p := social.Post{Text: composed.Text, Lang: it.Lang, IdempotencyKey: it.Key}
	if c.o.Profile.Facets {
		p.Facets = compose.SocialFacets(composed.Facets)
	}
	if c.o.Threads != nil && it.IncidentID != 0 {
		last, ok, err := c.o.Threads.Last(ctx, it.IncidentID, c.Channel())
		if err != nil {
			res.Err = err
			return res
		}
		if ok {
			p.ReplyTo = last.NextReplyTo()
		}
	}
	if c.o.Image != nil {
		img, err := c.o.Image(ctx, it)
		if err != nil {
			c.o.Logger.Warn("social post without its image card", "platform", c.Channel(), "err", err)
		}
		p.Image = img
	}
	posted, err := c.publisher().Publish(ctx, p)
	if err != nil {
		res.Err = err
		switch social.ClassOf(err) {
		case social.Permanent:
			res.Permanent = true
		case social.RateLimited:
			if se, ok := errors.AsType[*social.Error](err); ok {
				res.RetryAfter = se.RetryAfter(c.o.Now())
			}
		case social.Auth:
			// Never dropped: the queue tries again once the account is
			// reconnected, and dead-letters it (retryable) if nobody does.
			res.RetryAfter = authRetry
		}
		return res
	}
	res.ProviderID = posted.ID
	if c.o.Threads != nil && it.IncidentID != 0 {
		if err := c.o.Threads.Record(ctx, it.IncidentID, it.MessageID, c.o.Account, posted); err != nil {
			// The post is out: report success, the thread just restarts.
			c.o.Logger.Error("record social post", "platform", c.Channel(), "post", posted.ID, "err", err)
		}
	}
	if c.o.OnPosted != nil {
		c.o.OnPosted(ctx, it.IncidentID, it.MessageID, posted)
	}
	return res
}

// Delete takes a post down on the platform.
func (c *Channel) Delete(ctx context.Context, p social.Posted) error {
	return c.publisher().Delete(ctx, p)
}
