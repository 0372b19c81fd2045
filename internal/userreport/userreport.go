// Package userreport stores visitors' "I have a problem with WhatsApp"
// reports: deduplicated per client and dependency over a window, counted
// per dependency and per minute for the page and for detection.
package userreport

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
)

// DedupWindow is how long one client's report of a dependency counts once.
const DedupWindow = 15 * time.Minute

// Store records and counts reports.
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

// Add records a report unless the same client reported the same
// dependency within DedupWindow; it reports whether one was added.
func (s *Store) Add(ctx context.Context, dependency, category, client string) (bool, error) {
	if dependency == "" {
		return false, errors.New("userreport: dependency is required")
	}
	if client == "" {
		client = "anonymous"
	}
	now := store.Timestamp(s.now())
	added := false
	tx, err := s.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("userreport: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT COUNT(*) FROM problem_reports WHERE client_key = ? AND dependency = ? AND at > ?`),
		client, dependency, s.db.TimeArg(now.Add(-DedupWindow))).Scan(&n); err != nil {
		return false, fmt.Errorf("userreport: check duplicate: %w", err)
	}
	if n == 0 {
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO problem_reports (dependency, category, client_key, at) VALUES (?, ?, ?, ?)`),
			dependency, category, client, s.db.TimeArg(now)); err != nil {
			return false, fmt.Errorf("userreport: add: %w", err)
		}
		added = true
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("userreport: commit: %w", err)
	}
	return added, nil
}

// CountSince returns the number of reports per dependency since t.
func (s *Store) CountSince(ctx context.Context, since time.Time) (map[string]int, error) {
	out, err := s.db.CountBy(ctx, `SELECT dependency, COUNT(*) FROM problem_reports WHERE at >= ? GROUP BY dependency`, s.db.TimeArg(since))
	if err != nil {
		return nil, fmt.Errorf("userreport: count: %w", err)
	}
	return out, nil
}

// PerMinute returns, for dependency, the number of reports in each minute
// from since to now (oldest first), for detection's baselines.
func (s *Store) PerMinute(ctx context.Context, dependency string, since time.Time) ([]int, error) {
	now := s.now()
	since = since.Truncate(time.Minute)
	n := int(now.Sub(since)/time.Minute) + 1
	if n <= 0 || n > 7*24*60 {
		return nil, fmt.Errorf("userreport: window of %d minutes out of range", n)
	}
	rows, err := s.db.SQL().QueryContext(ctx, s.db.Rebind(`SELECT at FROM problem_reports WHERE dependency = ? AND at >= ?`), dependency, s.db.TimeArg(since))
	if err != nil {
		return nil, fmt.Errorf("userreport: per minute: %w", err)
	}
	defer rows.Close()
	out := make([]int, n)
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(store.ScanTime(&at)); err != nil {
			return nil, err
		}
		if i := int(at.Sub(since) / time.Minute); i >= 0 && i < n {
			out[i]++
		}
	}
	return out, rows.Err()
}
