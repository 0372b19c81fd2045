package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
)

// Token scopes: read lets automation see incidents; write also lets it act
// with the permissions of the token's user.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// tokenPrefix makes tokens recognisable in logs and secret scanners.
const tokenPrefix = "vigie_"

// ErrInvalidToken is returned for unknown, revoked or expired tokens.
var ErrInvalidToken = errors.New("account: invalid API token")

// Token is an API token; its secret is shown once at creation and only
// its SHA-256 is stored.
type Token struct {
	ID         int64
	UserID     int64
	Name       string
	Scope      string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	Revoked    bool
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken issues a token for user id and returns its secret, which is
// never stored. ttl 0 means no expiry.
func (s *Store) CreateToken(ctx context.Context, actor string, userID int64, name, scope string, ttl time.Duration) (string, Token, error) {
	if scope != ScopeRead && scope != ScopeWrite {
		return "", Token{}, fmt.Errorf("account: token scope %q: want read or write", scope)
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", Token{}, errors.New("account: token name must have 1 to 100 characters")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Token{}, fmt.Errorf("account: generate token: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := store.Timestamp(s.now())
	t := Token{UserID: userID, Name: name, Scope: scope, CreatedAt: now}
	var expires any
	if ttl > 0 {
		e := now.Add(ttl)
		t.ExpiresAt = &e
		expires = s.db.TimeArg(e)
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var username string
		if err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT username FROM users WHERE id = ?`), userID).Scan(&username); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("account: token for #%d: %w", userID, ErrNotFound)
			}
			return err
		}
		err := tx.QueryRowContext(ctx, s.db.Rebind(`INSERT INTO api_tokens (user_id, name, scope, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
			userID, name, scope, hashToken(secret), s.db.TimeArg(now), expires).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("account: store token: %w", err)
		}
		return s.db.Audit(ctx, tx, actor, "token.create", subject(username), map[string]any{"token_id": t.ID, "name": name, "scope": scope})
	})
	if err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// VerifyToken returns the active user and token for a secret.
func (s *Store) VerifyToken(ctx context.Context, secret string) (User, Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return User{}, Token{}, ErrInvalidToken
	}
	var (
		t       Token
		expires store.NullTime
	)
	err := s.db.SQL().QueryRowContext(ctx, s.db.Rebind(`SELECT id, user_id, name, scope, created_at, expires_at, revoked FROM api_tokens WHERE token_hash = ?`), hashToken(secret)).
		Scan(&t.ID, &t.UserID, &t.Name, &t.Scope, store.ScanTime(&t.CreatedAt), expires.Scanner(), &t.Revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, Token{}, ErrInvalidToken
	}
	if err != nil {
		return User{}, Token{}, fmt.Errorf("account: verify token: %w", err)
	}
	t.ExpiresAt = expires.Ptr()
	now := s.now()
	if t.Revoked || (t.ExpiresAt != nil && now.After(*t.ExpiresAt)) {
		return User{}, Token{}, ErrInvalidToken
	}
	u, err := s.ByID(ctx, t.UserID)
	if err != nil || u.Disabled {
		return User{}, Token{}, ErrInvalidToken
	}
	_, _ = s.db.SQL().ExecContext(ctx, s.db.Rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), s.db.TimeArg(now), t.ID)
	return u, t, nil
}

// RevokeToken revokes token id.
func (s *Store) RevokeToken(ctx context.Context, actor string, id int64) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE api_tokens SET revoked = ? WHERE id = ?`), true, id)
		if err != nil {
			return fmt.Errorf("account: revoke token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("account: token %d: %w", id, ErrNotFound)
		}
		return s.db.Audit(ctx, tx, actor, "token.revoke", fmt.Sprintf("token:%d", id), map[string]any{"token_id": id})
	})
}
