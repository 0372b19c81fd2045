package store

import (
	"database/sql"
	"fmt"
	"time"
)

// sqliteTimeLayout stores timestamps on SQLite as fixed-width UTC text, so
// that they sort lexically in time order.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// Timestamp returns t in UTC truncated to the microsecond, the precision
// both dialects keep. Times passed to [DB.TimeArg] round-trip exactly once
// normalised this way.
func Timestamp(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// TimeArg returns t as a query argument for a timestamp column: a
// timestamptz on PostgreSQL, fixed-width RFC 3339 UTC text on SQLite.
func (db *DB) TimeArg(t time.Time) any {
	t = Timestamp(t)
	if db.dialect == Postgres {
		return t
	}
	return t.Format(sqliteTimeLayout)
}

// ScanTime returns a [sql.Scanner] that stores a timestamp column, in either
// dialect's representation, into dst as UTC.
func ScanTime(dst *time.Time) sql.Scanner { return timeScanner{dst} }

type timeScanner struct{ dst *time.Time }

func (s timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*s.dst = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	case nil:
		*s.dst = time.Time{}
	default:
		return fmt.Errorf("store: scan time: unsupported type %T", src)
	}
	return nil
}

func (s timeScanner) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("store: scan time %q: %w", v, err)
	}
	*s.dst = t.UTC()
	return nil
}

// NullTime scans a nullable timestamp column.
type NullTime struct{ t time.Time }

// Scanner returns the sql.Scanner to pass to Scan.
func (n *NullTime) Scanner() sql.Scanner { return ScanTime(&n.t) }

// Ptr returns the scanned time, or nil for NULL.
func (n *NullTime) Ptr() *time.Time {
	if n.t.IsZero() {
		return nil
	}
	t := n.t
	return &t
}
