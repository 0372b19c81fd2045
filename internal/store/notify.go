package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoNotify is returned by Listen and Notify on SQLite, where one process
// owns the database and in-process events are enough.
var ErrNoNotify = errors.New("store: LISTEN/NOTIFY needs PostgreSQL")

// Notify sends payload on channel to every listening process (PostgreSQL
// NOTIFY; payloads are limited to 8000 bytes).
func (db *DB) Notify(ctx context.Context, channel, payload string) error {
	if db.dialect != Postgres {
		return ErrNoNotify
	}
	if _, err := db.sql.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, payload); err != nil {
		return fmt.Errorf("store: notify %s: %w", channel, err)
	}
	return nil
}

// Listen calls fn with every payload sent on channel until ctx is done. It
// holds one dedicated connection and reconnects after failures with a
// backoff capped at 10 s; notifications sent while disconnected are lost,
// so onReconnect (if not nil) is called after each reconnection to let the
// caller catch up from the database.
func (db *DB) Listen(ctx context.Context, channel string, fn func(payload string), onReconnect func()) error {
	if db.dialect != Postgres {
		return ErrNoNotify
	}
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, channel, fn, func() {
			if !first && onReconnect != nil {
				onReconnect()
			}
			first = false
			backoff = 100 * time.Millisecond
		})
		if ctx.Err() != nil {
			return nil
		}
		if db.logger != nil {
			db.logger.Warn("listen connection lost; reconnecting", "channel", channel, "err", err, "in", backoff)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
	return nil
}

func (db *DB) listenOnce(ctx context.Context, channel string, fn func(string), connected func()) error {
	cctx, cancel := context.WithTimeout(ctx, openTimeout)
	conn, err := pgx.Connect(cctx, db.url)
	cancel()
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		fn(n.Payload)
	}
}
