package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// latestSchema is the schema version this binary migrates to.
func latestSchema(t *testing.T) int64 {
	t.Helper()
	db := storetest.OpenSQLite(t, false)
	_, latest, err := db.SchemaVersion(t.Context())
	if err != nil || latest < 1 {
		t.Fatalf("latest schema: %d %v", latest, err)
	}
	return latest
}

func TestMigrateSQLite(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	n := latestSchema(t)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "--status"}, fmt.Sprintf("schema at version 0, this binary expects %d (sqlite): %d migration(s) pending", n, n)},
		{[]string{"migrate"}, fmt.Sprintf("schema at version %d (sqlite)", n)},
		{[]string{"migrate"}, fmt.Sprintf("schema at version %d (sqlite)", n)},
		{[]string{"migrate", "--status"}, fmt.Sprintf("schema at version %d, this binary expects %d (sqlite): up to date", n, n)},
	}
	for _, st := range steps {
		code, out, errs := runStdin(t, "", append(st.args, "--data", data)...)
		if code != 0 || !strings.Contains(out, st.want) {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s\nwant %q", st.args, code, out, errs, st.want)
		}
	}

	// A newer binary migrated the database: everything refuses it.
	db, err := store.Open(t.Context(), store.Options{SQLitePath: filepath.Join(data, "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(t.Context(), "INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, 1)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, args := range [][]string{{"migrate"}, {"user", "list"}} {
		code, _, errs := runStdin(t, "", append(args, "--data", data)...)
		if code == 0 || !strings.Contains(errs, fmt.Sprintf("database schema version 99 is newer than this binary (%d): upgrade vigie", n)) {
			t.Errorf("%v on a newer schema: exit %d, stderr %s", args, code, errs)
		}
	}
	code, out, _ := runStdin(t, "", "migrate", "--status", "--data", data)
	if code != 0 || !strings.Contains(out, "newer than this binary") {
		t.Errorf("migrate --status on a newer schema: exit %d, %s", code, out)
	}
}

func TestMigratePostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	code, _, errs := runStdin(t, "", "user", "list", "--database", url)
	if code == 0 || !strings.Contains(errs, "run `vigie migrate` first") {
		t.Errorf("user list on an unmigrated PostgreSQL: exit %d, stderr %s", code, errs)
	}
	code, out, errs := runStdin(t, "", "migrate", "--database", url)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("schema at version %d (postgres)", latestSchema(t))) {
		t.Fatalf("migrate: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if code, _, errs := runStdin(t, "", "user", "add", "--database", url, "--username", "pat", "--role", "viewer"); code != 0 {
		t.Fatalf("user add: %s", errs)
	}
	code, out, errs = runStdin(t, "", "user", "list", "--database", url)
	if code != 0 || !strings.Contains(out, "pat") {
		t.Errorf("user list: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if strings.Contains(errs, "@") {
		t.Errorf("stderr mentions the URL: %s", errs)
	}
}
