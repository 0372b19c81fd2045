// Package audience keeps the people Vigie informs: status page subscribers
// with the consent they gave and their double opt-in state. Nothing but a
// confirmation is ever sent to an address that has not confirmed.
package audience

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
)

// States of a subscription.
const (
	Pending      = "pending"
	Confirmed    = "confirmed"
	Unsubscribed = "unsubscribed"
)

// ConfirmTTL is how long a confirmation link stays valid.
const ConfirmTTL = 48 * time.Hour

// Errors of the store.
var (
	ErrInvalidToken = errors.New("audience: this confirmation link is invalid or was already used")
	ErrExpiredToken = errors.New("audience: this confirmation link has expired; subscribe again")
	ErrNotFound     = errors.New("audience: subscriber not found")
)

// Subscriber is one address subscribed on one channel.
type Subscriber struct {
	ID         int64
	Channel    string
	Address    string
	Lang       string
	Components []string
	State      string
	// Contact groups one person's addresses on several channels.
	Contact        string
	ConsentSource  string
	ConsentAt      time.Time
	ConsentWording string
	// ConsentClient is the opaque client key recorded with the consent.
	ConsentClient string
	ConfirmedAt   *time.Time
	CreatedAt     time.Time
}

// SubscribeInput is a request to subscribe.
type SubscribeInput struct {
	Channel    string
	Address    string
	Lang       string
	Components []string
	// Source says where consent was given ("statuspage"), Client an opaque
	// client key (never a raw IP), Wording the version of the consent text.
	Source, Client, Wording string
}

// Store reads and writes subscribers.
type Store struct {
	db  *store.DB
	now func() time.Time
}

// NewStore returns a Store; now may be nil.
func NewStore(db *store.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

// ErrNotWebhookURL is returned for a webhook address that is not an
// absolute http(s) URL with a host.
var ErrNotWebhookURL = errors.New("audience: not an http(s) URL")

// NormalizeWebhookURL validates a webhook address: an absolute http or https
// URL with a host, at most 2,000 characters, without a fragment; the scheme
// and host are lower-cased. Which hosts may be reached is decided when the
// connection is dialled (the webhook channel's address guard).
func NormalizeWebhookURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || len(s) > 2000 || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.Opaque != "" {
		return "", ErrNotWebhookURL
	}
	u.Scheme, u.Host, u.Fragment, u.RawFragment = strings.ToLower(u.Scheme), strings.ToLower(u.Host), "", ""
	return u.String(), nil
}

// NormalizeEmail validates an address and lower-cases its domain.
func NormalizeEmail(s string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || a.Name != "" || len(a.Address) > 254 {
		return "", fmt.Errorf("audience: %q is not an e-mail address", s)
	}
	local, domain, _ := strings.Cut(a.Address, "@")
	return local + "@" + strings.ToLower(domain), nil
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// Subscribe records a pending subscription and returns the confirmation
// token to send. An address already confirmed gets no token (send nothing:
// the answer to the visitor is the same, so addresses cannot be probed).
// An address that unsubscribed or never confirmed gets a fresh token.
func (s *Store) Subscribe(ctx context.Context, in SubscribeInput) (token string, err error) {
	switch in.Channel {
	case "email":
		if in.Address, err = NormalizeEmail(in.Address); err != nil {
			return "", err
		}
	case "sms":
		if in.Address, err = NormalizePhone(in.Address, "FR"); err != nil {
			return "", fmt.Errorf("audience: %w", err)
		}
	case "webhook":
		if in.Address, err = NormalizeWebhookURL(in.Address); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("audience: channel %q cannot be subscribed to from the page yet", in.Channel)
	}
	if in.Source == "" || in.Wording == "" || in.Lang == "" {
		return "", errors.New("audience: source, wording and language of the consent are required")
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("audience: token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(raw)
	now := store.Timestamp(s.now())
	comps, _ := json.Marshal(nonNil(in.Components))
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var (
			id    int64
			state string
		)
		err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT id, state FROM subscribers WHERE channel = ? AND address = ?`), in.Channel, in.Address).Scan(&id, &state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO subscribers (channel, address, lang, components, state, consent_source, consent_at, consent_client, consent_wording, token_hash, token_expires_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)`),
				in.Channel, in.Address, in.Lang, string(comps), in.Source, s.db.TimeArg(now), in.Client, in.Wording, hashToken(token), s.db.TimeArg(now.Add(ConfirmTTL)), s.db.TimeArg(now), s.db.TimeArg(now))
			return err
		case err != nil:
			return err
		case state == Confirmed:
			token = ""
			return nil
		default:
			_, err = tx.ExecContext(ctx, s.db.Rebind(`UPDATE subscribers SET lang = ?, components = ?, state = 'pending', consent_source = ?, consent_at = ?, consent_client = ?, consent_wording = ?,
				token_hash = ?, token_expires_at = ?, updated_at = ? WHERE id = ?`),
				in.Lang, string(comps), in.Source, s.db.TimeArg(now), in.Client, in.Wording, hashToken(token), s.db.TimeArg(now.Add(ConfirmTTL)), s.db.TimeArg(now), id)
			return err
		}
	})
	if err != nil {
		return "", fmt.Errorf("audience: subscribe: %w", err)
	}
	return token, nil
}

// Confirm turns the pending subscription of token into a confirmed one.
// A token works once.
func (s *Store) Confirm(ctx context.Context, token string) (Subscriber, error) {
	if token == "" || len(token) > 100 {
		return Subscriber{}, ErrInvalidToken
	}
	var out Subscriber
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var (
			id      int64
			expires time.Time
		)
		err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT id, token_expires_at FROM subscribers WHERE token_hash = ? AND state = 'pending'`), hashToken(token)).Scan(&id, store.ScanTime(&expires))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		now := store.Timestamp(s.now())
		if now.After(expires) {
			return ErrExpiredToken
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE subscribers SET state = 'confirmed', confirmed_at = ?, token_hash = NULL, token_expires_at = NULL, updated_at = ? WHERE id = ?`),
			s.db.TimeArg(now), s.db.TimeArg(now), id); err != nil {
			return err
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	if errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrExpiredToken) {
		return Subscriber{}, err
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("audience: confirm: %w", err)
	}
	return out, nil
}

// Unsubscribe stops every message to subscriber id (idempotent).
func (s *Store) Unsubscribe(ctx context.Context, id int64) error {
	now := store.Timestamp(s.now())
	res, err := s.db.SQL().ExecContext(ctx, s.db.Rebind(`UPDATE subscribers SET state = 'unsubscribed', unsubscribed_at = ?, token_hash = NULL, updated_at = ? WHERE id = ?`),
		s.db.TimeArg(now), s.db.TimeArg(now), id)
	if err != nil {
		return fmt.Errorf("audience: unsubscribe: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) get(ctx context.Context, q queryRower, id int64) (Subscriber, error) {
	sub, err := scanSubscriber(q.QueryRowContext(ctx, s.db.Rebind(`SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, ErrNotFound
	}
	return sub, err
}

// Get returns subscriber id.
func (s *Store) Get(ctx context.Context, id int64) (Subscriber, error) {
	return s.get(ctx, s.db.SQL(), id)
}

// CountConfirmed returns the number of confirmed subscribers per channel.
func (s *Store) CountConfirmed(ctx context.Context) (map[string]int, error) {
	out, err := s.db.CountBy(ctx, `SELECT channel, COUNT(*) FROM subscribers WHERE state = 'confirmed' GROUP BY channel`)
	if err != nil {
		return nil, fmt.Errorf("audience: count: %w", err)
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// OptOut unsubscribes an address on a channel (an SMS "STOP", a bounce
// that says the mailbox is gone); it reports whether one was subscribed.
func (s *Store) OptOut(ctx context.Context, channel, address string) (bool, error) {
	now := store.Timestamp(s.now())
	res, err := s.db.SQL().ExecContext(ctx, s.db.Rebind(`UPDATE subscribers SET state = 'unsubscribed', unsubscribed_at = ?, token_hash = NULL, updated_at = ? WHERE channel = ? AND address = ? AND state <> 'unsubscribed'`),
		s.db.TimeArg(now), s.db.TimeArg(now), channel, address)
	if err != nil {
		return false, fmt.Errorf("audience: opt out: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// AddBrowser records a web-push subscription as confirmed: the browser's
// own permission prompt is the opt-in, and the address (the subscription)
// only reaches that browser. Re-subscribing updates language and interests.
func (s *Store) AddBrowser(ctx context.Context, subscription, lang string, components []string, client, wording string) error {
	if subscription == "" || len(subscription) > 4096 {
		return errors.New("audience: push subscription missing or too long")
	}
	now := s.db.TimeArg(store.Timestamp(s.now()))
	comps, _ := json.Marshal(nonNil(components))
	_, err := s.db.SQL().ExecContext(ctx, s.db.Rebind(`INSERT INTO subscribers (channel, address, lang, components, state, consent_source, consent_at, consent_client, consent_wording, confirmed_at, created_at, updated_at)
		VALUES ('push', ?, ?, ?, 'confirmed', 'statuspage-browser', ?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel, address) DO UPDATE SET lang = excluded.lang, components = excluded.components, state = 'confirmed', updated_at = excluded.updated_at`),
		subscription, lang, string(comps), now, client, wording, now, now, now)
	if err != nil {
		return fmt.Errorf("audience: add browser: %w", err)
	}
	return nil
}
