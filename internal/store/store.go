// Package store opens Vigie's database — embedded SQLite by default,
// PostgreSQL when a postgres:// URL is configured — applies the embedded
// schema migrations and offers the few helpers the domain stores share:
// placeholder rebinding, transactions, timestamps and the append-only audit log.
//
// Queries are written once with ? placeholders and passed through
// [DB.Rebind]; both dialects support RETURNING.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
)

// Dialect names the SQL database behind a [DB].
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// openTimeout bounds the first ping when opening a database.
const openTimeout = 10 * time.Second

// Options select and configure the database.
type Options struct {
	// DatabaseURL selects PostgreSQL (postgres://… or postgresql://…).
	// When empty, SQLite at SQLitePath is used.
	DatabaseURL string
	// SQLitePath is the SQLite database file; its parent directory is
	// created (mode 0700) when missing.
	SQLitePath string
	// Logger receives migration progress; nil discards it.
	Logger *slog.Logger
}

// DB is an open Vigie database. It is safe for concurrent use.
type DB struct {
	// url is kept for the dedicated LISTEN connection (PostgreSQL only).
	url      string
	sql      *sql.DB
	dialect  Dialect
	logger   *slog.Logger
	provider *goose.Provider
	latest   int64
}

// Open opens the database selected by o and checks that it answers within
// 10 seconds. It does not migrate; see [DB.Migrate] and [DB.Check].
//
// On SQLite the pool is limited to a single connection: SQLite has one
// writer at a time anyway, and a single connection rules out SQLITE_BUSY
// between our own connections. As a consequence, code running inside
// [DB.InTx] must use the transaction, never [DB.SQL], or it deadlocks.
func Open(ctx context.Context, o Options) (*DB, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var (
		db  *DB
		err error
	)
	switch {
	case isPostgresURL(o.DatabaseURL):
		db, err = openPostgres(ctx, o.DatabaseURL)
	case o.DatabaseURL != "":
		return nil, errors.New("store: open: database URL must start with postgres:// or postgresql://")
	case o.SQLitePath == "":
		return nil, errors.New("store: open: neither a database URL nor a SQLite path is set")
	default:
		db, err = openSQLite(ctx, o.SQLitePath)
	}
	if err != nil {
		return nil, err
	}
	db.logger = logger
	if err := db.initMigrations(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	return db, nil
}

// Dialect reports which database is in use.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the underlying connection pool.
func (db *DB) SQL() *sql.DB { return db.sql }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", db.dialect, err)
	}
	return nil
}

// Close closes the connection pool.
func (db *DB) Close() error {
	if err := db.sql.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}
