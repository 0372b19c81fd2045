package publish

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
)

// Images keeps the image cards that platforms fetch by URL.
type Images struct {
	db  *store.DB
	now func() time.Time
}

// NewImages returns an Images on db; now may be nil.
func NewImages(db *store.DB, now func() time.Time) *Images {
	if now == nil {
		now = time.Now
	}
	return &Images{db: db, now: now}
}

// ErrNoImage is returned for an unknown name.
var ErrNoImage = errors.New("publish: no such image")

// maxImage bounds a stored card.
const maxImage = 8 << 20

// Put stores png and returns its name (the hex SHA-256 of the bytes).
func (im *Images) Put(ctx context.Context, png []byte) (string, error) {
	if len(png) == 0 || len(png) > maxImage {
		return "", fmt.Errorf("publish: image of %d bytes (1 to %d)", len(png), maxImage)
	}
	sum := sha256.Sum256(png)
	name := hex.EncodeToString(sum[:])
	_, err := im.db.SQL().ExecContext(ctx, im.db.Rebind(`INSERT INTO social_images (name, png, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`),
		name, png, im.db.TimeArg(store.Timestamp(im.now())))
	if err != nil {
		return "", fmt.Errorf("publish: store image: %w", err)
	}
	return name, nil
}

// Get returns the image called name.
func (im *Images) Get(ctx context.Context, name string) ([]byte, error) {
	var png []byte
	err := im.db.SQL().QueryRowContext(ctx, im.db.Rebind(`SELECT png FROM social_images WHERE name = ?`), name).Scan(&png)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoImage
	}
	if err != nil {
		return nil, fmt.Errorf("publish: read image: %w", err)
	}
	return png, nil
}

// Prune deletes images older than age (platforms fetch them within
// minutes of the post).
func (im *Images) Prune(ctx context.Context, age time.Duration) (int64, error) {
	res, err := im.db.SQL().ExecContext(ctx, im.db.Rebind(`DELETE FROM social_images WHERE created_at < ?`), im.db.TimeArg(store.Timestamp(im.now().Add(-age))))
	if err != nil {
		return 0, fmt.Errorf("publish: prune images: %w", err)
	}
	return res.RowsAffected()
}
