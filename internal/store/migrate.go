package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrationsFS holds one directory of goose SQL migrations per dialect,
// numbered identically.
//
//go:embed migrations
var migrationsFS embed.FS

// versionTable is the table where goose records applied migrations.
const versionTable = goose.DefaultTablename

var (
	// ErrSchemaBehind reports that migrations embedded in this binary have
	// not been applied yet.
	ErrSchemaBehind = errors.New("store: database schema is older than this binary")
	// ErrSchemaTooNew reports that the database was migrated by a newer
	// binary; this one must not use it.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this binary")
)

// initMigrations builds the goose provider for the dialect's migrations.
func (db *DB) initMigrations(ctx context.Context) error {
	sub, err := fs.Sub(migrationsFS, "migrations/"+string(db.dialect))
	if err != nil {
		return fmt.Errorf("store: migrations for %s: %w", db.dialect, err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	gdialect := goose.DialectSQLite3
	if db.dialect == Postgres {
		gdialect = goose.DialectPostgres
		id, err := migrationLockID(ctx, db.sql)
		if err != nil {
			return err
		}
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("store: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gdialect, db.sql, sub, opts...)
	if err != nil {
		return fmt.Errorf("store: migrations for %s: %w", db.dialect, err)
	}
	for _, s := range p.ListSources() {
		db.latest = max(db.latest, s.Version)
	}
	db.provider = p
	return nil
}

// Migrate applies every pending migration. It refuses, with
// [ErrSchemaTooNew], a database migrated by a newer binary.
func (db *DB) Migrate(ctx context.Context) error {
	current, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if current > latest {
		return fmt.Errorf("%w (version %d, this binary knows up to %d)", ErrSchemaTooNew, current, latest)
	}
	results, err := db.provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", db.dialect, err)
	}
	for _, r := range results {
		db.logger.InfoContext(ctx, "database migration applied",
			"dialect", string(db.dialect), "version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}

// SchemaVersion returns the highest migration applied to the database (0
// when none) and the highest migration embedded in this binary. It does not
// write to the database.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	exists, err := db.tableExists(ctx, versionTable)
	if err != nil {
		return 0, db.latest, err
	}
	if !exists {
		return 0, db.latest, nil
	}
	q := "SELECT COALESCE(MAX(version_id), 0) FROM " + versionTable + " WHERE is_applied"
	if err := db.sql.QueryRowContext(ctx, q).Scan(&current); err != nil {
		return 0, db.latest, fmt.Errorf("store: schema version: %w", err)
	}
	return current, db.latest, nil
}

// Check returns nil when the database schema is exactly the one this binary
// expects, an error wrapping [ErrSchemaBehind] when migrations are pending
// and one wrapping [ErrSchemaTooNew] when the database is ahead.
func (db *DB) Check(ctx context.Context) error {
	current, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case current < latest:
		return fmt.Errorf("%w (version %d, want %d)", ErrSchemaBehind, current, latest)
	case current > latest:
		return fmt.Errorf("%w (version %d, this binary knows up to %d)", ErrSchemaTooNew, current, latest)
	}
	return nil
}

// tableExists reports whether name is a table visible without qualification.
func (db *DB) tableExists(ctx context.Context, name string) (bool, error) {
	var q string
	switch db.dialect {
	case Postgres:
		q = "SELECT to_regclass($1) IS NOT NULL"
	default:
		q = "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?"
	}
	var ok bool
	if err := db.sql.QueryRowContext(ctx, q, name).Scan(&ok); err != nil {
		return false, fmt.Errorf("store: look up table %s: %w", name, err)
	}
	return ok, nil
}
