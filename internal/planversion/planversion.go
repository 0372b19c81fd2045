// Package planversion keeps the history of crisis plans loaded by Vigie:
// every distinct plan (by hash) is stored with its source, so that the last
// good plan can be served when a new one is rejected.
package planversion

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
)

// Version is one loaded plan.
type Version struct {
	ID int64
	// Hash identifies the plan content; consecutive identical plans are
	// recorded once.
	Hash string
	// Source is the plan as loaded, in whatever encoding the caller uses.
	// [Store.List] leaves it nil.
	Source       []byte
	Organisation string
	LoadedBy     string
	Note         string
	LoadedAt     time.Time
}

// ErrNotFound is returned by [Store.Latest] when no plan was ever recorded.
var ErrNotFound = errors.New("planversion: no plan version stored")

// Store reads and writes plan versions.
type Store struct {
	db  *store.DB
	now func() time.Time
}

// NewStore returns a Store on a migrated database.
func NewStore(db *store.DB) *Store {
	return &Store{db: db, now: time.Now}
}

type rowScanner interface{ Scan(dest ...any) error }

const (
	listColumns = "id, hash, organisation, loaded_by, note, loaded_at"
	fullColumns = listColumns + ", source"
)

func scan(r rowScanner, withSource bool) (Version, error) {
	var v Version
	dest := []any{&v.ID, &v.Hash, &v.Organisation, &v.LoadedBy, &v.Note, store.ScanTime(&v.LoadedAt)}
	if withSource {
		dest = append(dest, &v.Source)
	}
	if err := r.Scan(dest...); err != nil {
		return Version{}, err
	}
	if withSource && v.Source == nil {
		// SQLite returns an empty BLOB as nil; keep both dialects alike.
		v.Source = []byte{}
	}
	return v, nil
}

// Record stores v as the newest version unless the newest stored version
// already has v.Hash, in which case that version is returned with
// created=false. A new version is audited as "plan.load" by v.LoadedBy.
// v.ID is ignored; a zero v.LoadedAt means now.
func (s *Store) Record(ctx context.Context, v Version) (Version, bool, error) {
	if v.Hash == "" {
		return Version{}, false, errors.New("planversion: record: empty hash")
	}
	if v.Source == nil {
		v.Source = []byte{}
	}
	if v.LoadedAt.IsZero() {
		v.LoadedAt = s.now()
	}
	v.LoadedAt = store.Timestamp(v.LoadedAt)
	created := false
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		latest, err := scan(tx.QueryRowContext(ctx, "SELECT "+fullColumns+" FROM plan_versions ORDER BY id DESC LIMIT 1"), true)
		switch {
		case err == nil && latest.Hash == v.Hash:
			v = latest
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("planversion: record: latest: %w", err)
		}
		q := s.db.Rebind(`INSERT INTO plan_versions (hash, source, organisation, loaded_by, note, loaded_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`)
		if err := tx.QueryRowContext(ctx, q, v.Hash, v.Source, v.Organisation, v.LoadedBy, v.Note, s.db.TimeArg(v.LoadedAt)).Scan(&v.ID); err != nil {
			return fmt.Errorf("planversion: record %s: %w", v.Hash, err)
		}
		detail := map[string]any{"id": v.ID, "hash": v.Hash, "organisation": v.Organisation, "note": v.Note, "size": len(v.Source)}
		if err := s.db.Audit(ctx, tx, v.LoadedBy, "plan.load", "plan:"+v.Hash, detail); err != nil {
			return fmt.Errorf("planversion: record %s: %w", v.Hash, err)
		}
		created = true
		return nil
	})
	if err != nil {
		return Version{}, false, err
	}
	return v, created, nil
}

// Latest returns the newest version, source included, or [ErrNotFound].
func (s *Store) Latest(ctx context.Context) (Version, error) {
	row := s.db.SQL().QueryRowContext(ctx, "SELECT "+fullColumns+" FROM plan_versions ORDER BY id DESC LIMIT 1")
	v, err := scan(row, true)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, ErrNotFound
	}
	if err != nil {
		return Version{}, fmt.Errorf("planversion: latest: %w", err)
	}
	return v, nil
}

// List returns up to limit versions, newest first, without their source.
// A limit of zero or less returns every version.
func (s *Store) List(ctx context.Context, limit int) ([]Version, error) {
	q := "SELECT " + listColumns + " FROM plan_versions ORDER BY id DESC"
	var args []any
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := s.db.SQL().QueryContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("planversion: list: %w", err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scan(rows, false)
		if err != nil {
			return nil, fmt.Errorf("planversion: list: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("planversion: list: %w", err)
	}
	return out, nil
}
