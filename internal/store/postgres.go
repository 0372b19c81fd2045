package store

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"net/url"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// openPostgres opens a PostgreSQL pool for rawURL. Errors name the host,
// never the credentials.
func openPostgres(ctx context.Context, rawURL string) (*DB, error) {
	where := postgresHost(rawURL)
	sqldb, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres at %s: %w", where, err)
	}
	sqldb.SetMaxOpenConns(16)
	sqldb.SetMaxIdleConns(4)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	sqldb.SetConnMaxLifetime(time.Hour)
	pctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	if err := sqldb.PingContext(pctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store: open postgres at %s: %w", where, err)
	}
	return &DB{sql: sqldb, dialect: Postgres, url: rawURL}, nil
}

// postgresHost returns the host[:port] of a database URL, for messages.
func postgresHost(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	return u.Host
}

// migrationLockID derives the advisory lock serialising migrations from the
// schema being migrated, so that instances using different schemas of one
// database do not wait for each other.
func migrationLockID(ctx context.Context, db *sql.DB) (int64, error) {
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return 0, fmt.Errorf("store: current schema: %w", err)
	}
	if !schema.Valid {
		return 0, fmt.Errorf("store: no current schema: check search_path")
	}
	h := fnv.New64a()
	h.Write([]byte("vigie-migrate:" + schema.String))
	return int64(h.Sum64() >> 1), nil
}
