package cli

import (
	"errors"
	"fmt"

	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/store"
)

// openStore opens the configured database and makes sure its schema is the
// one this binary expects.
//
// The embedded SQLite database belongs to this process alone, so it is
// always migrated on open. PostgreSQL is migrated only when migrate is true
// — `vigie serve` is the only such caller; operators who prefer to migrate
// in a separate, controlled step run `vigie migrate` first, and every other
// command refuses a PostgreSQL schema that is behind. A schema newer than
// this binary is refused everywhere.
func openStore(rt *Runtime, cfg config.Config, migrate bool) (*store.DB, error) {
	db, err := openStoreNoCheck(rt, cfg)
	if err != nil {
		return nil, err
	}
	if migrate || db.Dialect() == store.SQLite {
		if err := db.Migrate(rt.Ctx); err != nil {
			err = schemaError(rt, db, err)
			db.Close()
			return nil, err
		}
	}
	if err := db.Check(rt.Ctx); err != nil {
		err = schemaError(rt, db, err)
		db.Close()
		return nil, err
	}
	return db, nil
}

// open resolves the configuration with these flags and opens its database
// as openStore does for every command but serve; the caller closes it.
func (f storeFlags) open(rt *Runtime) (*store.DB, config.Config, error) {
	flags := map[string]string{}
	f.set(flags)
	cfg, err := rt.loadConfig(flags)
	if err != nil {
		return nil, config.Config{}, err
	}
	db, err := openStore(rt, cfg, false)
	if err != nil {
		return nil, config.Config{}, err
	}
	return db, cfg, nil
}

// openStoreNoCheck opens the configured database without looking at its schema.
func openStoreNoCheck(rt *Runtime, cfg config.Config) (*store.DB, error) {
	return store.Open(rt.Ctx, store.Options{
		DatabaseURL: cfg.DatabaseURL,
		SQLitePath:  cfg.SQLitePath(),
		Logger:      rt.Logger,
	})
}

// schemaError turns schema-version errors into instructions for the operator.
func schemaError(rt *Runtime, db *store.DB, err error) error {
	switch {
	case errors.Is(err, store.ErrSchemaTooNew):
		cur, latest, verr := db.SchemaVersion(rt.Ctx)
		if verr != nil {
			return fmt.Errorf("database schema is newer than this binary: upgrade vigie: %w", err)
		}
		return fmt.Errorf("database schema version %d is newer than this binary (%d): upgrade vigie", cur, latest)
	case errors.Is(err, store.ErrSchemaBehind):
		cur, latest, verr := db.SchemaVersion(rt.Ctx)
		if verr != nil {
			return fmt.Errorf("database schema is behind this binary: run `vigie migrate`: %w", err)
		}
		return fmt.Errorf("database schema version %d is behind this binary (%d): run `vigie migrate` first", cur, latest)
	}
	return err
}
