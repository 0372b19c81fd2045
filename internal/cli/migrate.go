package cli

import (
	"fmt"
)

// migrateCmd applies the embedded database migrations.
type migrateCmd struct {
	storeFlags
	Status bool `name:"status" help:"Print the current and expected schema versions without applying anything."`
}

func (migrateCmd) Help() string {
	return `Applies pending database migrations and exits. vigie serve migrates on start;
this command is for operators who prefer to migrate PostgreSQL in a separate
step (other commands refuse a PostgreSQL schema that is behind). A database
migrated by a newer vigie is refused: upgrade instead.

Examples:

  vigie migrate --data ./vigie-data
  VIGIE_DATABASE_URL=postgres://vigie@db/vigie vigie migrate
  vigie migrate --status`
}

func (c *migrateCmd) Run(rt *Runtime) error {
	flags := map[string]string{}
	c.storeFlags.set(flags)
	cfg, err := rt.loadConfig(flags)
	if err != nil {
		return err
	}
	db, err := openStoreNoCheck(rt, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if c.Status {
		cur, latest, err := db.SchemaVersion(rt.Ctx)
		if err != nil {
			return err
		}
		state := "up to date"
		switch {
		case cur < latest:
			state = fmt.Sprintf("%d migration(s) pending: run vigie migrate", latest-cur)
		case cur > latest:
			state = "newer than this binary: upgrade vigie"
		}
		_, err = fmt.Fprintf(rt.Env.Stdout, "schema at version %d, this binary expects %d (%s): %s\n", cur, latest, db.Dialect(), state)
		return err
	}
	if err := db.Migrate(rt.Ctx); err != nil {
		return schemaError(rt, db, err)
	}
	cur, _, err := db.SchemaVersion(rt.Ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(rt.Env.Stdout, "schema at version %d (%s)\n", cur, db.Dialect())
	return err
}
