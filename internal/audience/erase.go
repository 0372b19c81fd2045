package audience

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/vigie-hq/vigie/internal/store"
)

// tombstone is the hash kept for an erased address.
func tombstone(channel, address string) string {
	sum := sha256.Sum256([]byte(channel + "\x00" + strings.ToLower(address)))
	return hex.EncodeToString(sum[:])
}

// Erase deletes a person's subscription on a channel completely (GDPR
// erasure): the subscriber row goes, the delivery ledger keeps its counts
// but forgets the address, and a tombstone (a hash, not the address)
// prevents an import from bringing the person back. It reports whether a
// subscriber was found.
func (s *Store) Erase(ctx context.Context, channel, address string) (bool, error) {
	norm, reason := normalize(channel, address)
	if reason != "" {
		return false, fmt.Errorf("audience: erase: %s", reason)
	}
	return s.erase(ctx, "cli", channel, norm)
}

// erase is Erase of an already normalised address, audited as actor.
func (s *Store) erase(ctx context.Context, actor, channel, norm string) (bool, error) {
	found := false
	now := s.db.TimeArg(store.Timestamp(s.now()))
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.db.Rebind(`SELECT id FROM subscribers WHERE channel = ? AND LOWER(address) = LOWER(?)`), channel, norm)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			found = true
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE deliveries SET address = '' WHERE subscriber_id = ? AND channel = ?`), id, channel); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM subscribers WHERE id = ?`), id); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO audience_tombstones (address_hash, deleted_at) VALUES (?, ?) ON CONFLICT (address_hash) DO NOTHING`), tombstone(channel, norm), now)
		if err != nil {
			return err
		}
		return s.db.Audit(ctx, tx, actor, "audience.erase", "tombstone:"+tombstone(channel, norm)[:16], map[string]any{"channel": channel, "found": found})
	})
	if err != nil {
		return false, fmt.Errorf("audience: erase: %w", err)
	}
	return found, nil
}

// tombstones loads the hashes of erased addresses (few: one per erasure).
func (s *Store) tombstones(ctx context.Context, tx *sql.Tx) (map[string]struct{}, error) {
	rows, err := tx.QueryContext(ctx, `SELECT address_hash FROM audience_tombstones`)
	if err != nil {
		return nil, fmt.Errorf("audience: tombstones: %w", err)
	}
	defer rows.Close()
	out := map[string]struct{}{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out[h] = struct{}{}
	}
	return out, rows.Err()
}
