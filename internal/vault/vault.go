// Package vault keeps credentials that Vigie obtains at run time —
// refreshed OAuth tokens, social network sessions, tokens an operator
// pastes in the console — sealed with AES-256-GCM under a key derived from
// the server's secret key. Each value is bound to its name, so a sealed
// value copied under another name does not open.
package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
)

// Vault stores sealed values by name.
type Vault struct {
	db   *store.DB
	aead cipher.AEAD
	now  func() time.Time
}

// New returns a Vault sealing with a key derived from secret (at least 32
// bytes: the server's secret_key).
func New(db *store.DB, secret []byte, now func() time.Time) (*Vault, error) {
	if len(secret) < 32 {
		return nil, errors.New("vault: the secret key must have at least 32 bytes")
	}
	if now == nil {
		now = time.Now
	}
	key := sha256.Sum256(append([]byte("vigie vault v1\x00"), secret...))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return &Vault{db: db, aead: aead, now: now}, nil
}

// ErrSealedWithAnotherKey means a stored value does not open: secret_key
// changed, or the row was tampered with.
var ErrSealedWithAnotherKey = errors.New("vault: value does not open with this secret key")

func (v *Vault) seal(name string, plain []byte) (string, error) {
	nonce := make([]byte, v.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("vault: nonce: %w", err)
	}
	return base64.StdEncoding.EncodeToString(v.aead.Seal(nonce, nonce, plain, []byte(name))), nil
}

func (v *Vault) open(name, sealed string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < v.aead.NonceSize() {
		return nil, ErrSealedWithAnotherKey
	}
	n := v.aead.NonceSize()
	plain, err := v.aead.Open(nil, raw[:n], raw[n:], []byte(name))
	if err != nil {
		return nil, ErrSealedWithAnotherKey
	}
	return plain, nil
}

// Put seals value under name, replacing any earlier value.
func (v *Vault) Put(ctx context.Context, name string, value []byte) error {
	sealed, err := v.seal(name, value)
	if err != nil {
		return err
	}
	_, err = v.db.SQL().ExecContext(ctx, v.db.Rebind(`INSERT INTO vault (name, sealed, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`), name, sealed, v.db.TimeArg(store.Timestamp(v.now())))
	if err != nil {
		return fmt.Errorf("vault: put %s: %w", name, err)
	}
	return nil
}

// Get opens the value stored under name; ok is false when there is none.
func (v *Vault) Get(ctx context.Context, name string) (value []byte, ok bool, err error) {
	var sealed string
	err = v.db.SQL().QueryRowContext(ctx, v.db.Rebind(`SELECT sealed FROM vault WHERE name = ?`), name).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("vault: get %s: %w", name, err)
	}
	plain, err := v.open(name, sealed)
	if err != nil {
		return nil, false, fmt.Errorf("%w (%s)", err, name)
	}
	return plain, true, nil
}

// Delete removes name.
func (v *Vault) Delete(ctx context.Context, name string) error {
	if _, err := v.db.SQL().ExecContext(ctx, v.db.Rebind(`DELETE FROM vault WHERE name = ?`), name); err != nil {
		return fmt.Errorf("vault: delete %s: %w", name, err)
	}
	return nil
}
