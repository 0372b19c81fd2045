package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqlitePragmas is the DSN query applying, on every new connection, WAL
// journaling, a 10 s busy timeout, foreign keys and NORMAL synchronous mode
// (safe with WAL).
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)"

// openSQLite opens (creating if needed) the SQLite database at path.
func openSQLite(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: open sqlite database %s: create directory: %w", path, err)
	}
	// Create the file ourselves so that it is private to this user and so
	// that an unwritable location fails with an error naming the path.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite database %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("store: open sqlite database %s: %w", path, err)
	}
	sqldb, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite database %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(1)
	sqldb.SetMaxIdleConns(1)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	pctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	if err := sqldb.PingContext(pctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store: open sqlite database %s: %w", path, err)
	}
	return &DB{sql: sqldb, dialect: SQLite}, nil
}

// sqliteDSN builds a file: URI for path with the connection pragmas. The
// characters that are special in a URI are percent-encoded.
func sqliteDSN(path string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
	return "file:" + escaped + "?" + sqlitePragmas
}
