package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Audit appends a row to the audit log. detail is stored as JSON ({} when
// nil) and must never hold secrets. When tx is nil the row is written on
// its own; otherwise it commits or rolls back with tx. The audit_log table
// rejects UPDATE and DELETE at the database level.
func (db *DB) Audit(ctx context.Context, tx *sql.Tx, actor, action, subject string, detail any) error {
	js := []byte("{}")
	if detail != nil {
		var err error
		if js, err = json.Marshal(detail); err != nil {
			return fmt.Errorf("store: audit %s: encode detail: %w", action, err)
		}
	}
	q := db.Rebind("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)")
	args := []any{db.TimeArg(time.Now()), actor, action, subject, string(js)}
	var err error
	if tx != nil {
		_, err = tx.ExecContext(ctx, q, args...)
	} else {
		_, err = db.sql.ExecContext(ctx, q, args...)
	}
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", action, err)
	}
	return nil
}
