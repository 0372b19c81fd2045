// Package storetest runs a test against every database dialect Vigie
// supports: SQLite always, PostgreSQL when VIGIE_TEST_DATABASE_URL is set.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
)

// EnvDatabaseURL names the variable holding the PostgreSQL test database URL.
const EnvDatabaseURL = "VIGIE_TEST_DATABASE_URL"

// Run runs fn in subtest "sqlite" against a fresh, migrated SQLite file and
// in subtest "postgres" against a fresh, migrated schema of the database at
// $VIGIE_TEST_DATABASE_URL (skipped when unset). Everything is removed when
// the subtest ends.
func Run(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	run(t, true, fn)
}

// RunUnmigrated is [Run] on empty databases: no migration is applied.
func RunUnmigrated(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	run(t, false, fn)
}

func run(t *testing.T, migrate bool, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, OpenSQLite(t, migrate))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, OpenPostgres(t, migrate))
	})
}

// OpenSQLite opens a database in a new file of t.TempDir(), migrated when
// migrate is true, and closes it when t ends.
func OpenSQLite(t testing.TB, migrate bool) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{SQLitePath: filepath.Join(t.TempDir(), "vigie.db")})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if migrate {
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatalf("storetest: %v", err)
		}
	}
	return db
}

// OpenPostgres opens the test PostgreSQL database on a new schema, migrated
// when migrate is true, and drops the schema when t ends. It skips t when
// VIGIE_TEST_DATABASE_URL is not set.
func OpenPostgres(t testing.TB, migrate bool) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, store.Options{DatabaseURL: PostgresURL(t)})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if migrate {
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("storetest: %v", err)
		}
	}
	return db
}

// PostgresURL creates an empty schema in the test PostgreSQL database and
// returns a URL selecting it (search_path); the schema is dropped when t
// ends, after the cleanups registered later, such as closing a pool. It
// skips t when VIGIE_TEST_DATABASE_URL is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Skip("postgres: " + EnvDatabaseURL + " not set")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvDatabaseURL, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: open admin connection: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := "vigie_t_" + randomHex(t, 8)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("storetest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("storetest: random: %v", err)
	}
	return hex.EncodeToString(b)
}
