package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func TestMigrate(t *testing.T) {
	storetest.RunUnmigrated(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if err := db.Check(ctx); !errors.Is(err, store.ErrSchemaBehind) {
			t.Fatalf("Check before migrate = %v, want ErrSchemaBehind", err)
		}
		want := migrationCount(t)
		cur, latest, err := db.SchemaVersion(ctx)
		if err != nil || cur != 0 || latest != want {
			t.Fatalf("SchemaVersion before migrate = %d, %d, %v; want 0, %d, nil", cur, latest, err, want)
		}
		for i := range 2 {
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("Migrate #%d: %v", i+1, err)
			}
		}
		cur, latest, err = db.SchemaVersion(ctx)
		if err != nil || cur != want || latest != want {
			t.Fatalf("SchemaVersion after migrate = %d, %d, %v; want %d, %d, nil", cur, latest, err, want, want)
		}
		if err := db.Check(ctx); err != nil {
			t.Fatalf("Check after migrate: %v", err)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

func TestSchemaTooNew(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		newer := migrationCount(t) + 1
		q := db.Rebind("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)")
		if _, err := db.SQL().ExecContext(ctx, q, newer, true); err != nil {
			t.Fatal(err)
		}
		if err := db.Check(ctx); !errors.Is(err, store.ErrSchemaTooNew) {
			t.Errorf("Check = %v, want ErrSchemaTooNew", err)
		}
		if err := db.Migrate(ctx); !errors.Is(err, store.ErrSchemaTooNew) {
			t.Errorf("Migrate = %v, want ErrSchemaTooNew", err)
		}
		if cur, latest, err := db.SchemaVersion(ctx); err != nil || cur != newer || latest != newer-1 {
			t.Errorf("SchemaVersion = %d, %d, %v; want %d, %d, nil", cur, latest, err, newer, newer-1)
		}
	})
}

func TestDialectAndRebind(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		want := map[store.Dialect]string{
			store.SQLite:   "SELECT * FROM t WHERE a = ? AND b = '?'",
			store.Postgres: "SELECT * FROM t WHERE a = $1 AND b = '?'",
		}
		if d := db.Dialect(); d != store.Dialect(strings.TrimPrefix(t.Name(), "TestDialectAndRebind/")) {
			t.Errorf("Dialect() = %q in subtest %s", d, t.Name())
		}
		if got := db.Rebind("SELECT * FROM t WHERE a = ? AND b = '?'"); got != want[db.Dialect()] {
			t.Errorf("Rebind = %q, want %q", got, want[db.Dialect()])
		}
	})
}

func auditCount(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM audit_log").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInTx(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			if err := db.Audit(ctx, tx, "test", "test.rollback", "x", nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		if n := auditCount(t, db); n != 0 {
			t.Fatalf("rolled-back transaction left %d audit rows", n)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("panic not propagated")
				}
			}()
			_ = db.InTx(ctx, func(tx *sql.Tx) error {
				if err := db.Audit(ctx, tx, "test", "test.panic", "x", nil); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if n := auditCount(t, db); n != 0 {
			t.Fatalf("panicking transaction left %d audit rows", n)
		}
		err = db.InTx(ctx, func(tx *sql.Tx) error {
			return db.Audit(ctx, tx, "test", "test.commit", "x", map[string]int{"n": 1})
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, db); n != 1 {
			t.Fatalf("committed transaction left %d audit rows, want 1", n)
		}
	})
}

func TestAuditAppendOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if err := db.Audit(ctx, nil, "tester", "test.event", "thing:1", map[string]any{"k": "v"}); err != nil {
			t.Fatal(err)
		}
		var actor, action, subject, detail string
		var at time.Time
		row := db.SQL().QueryRowContext(ctx, "SELECT at, actor, action, subject, detail FROM audit_log")
		if err := row.Scan(store.ScanTime(&at), &actor, &action, &subject, &detail); err != nil {
			t.Fatal(err)
		}
		if actor != "tester" || action != "test.event" || subject != "thing:1" || detail != `{"k":"v"}` {
			t.Errorf("audit row = %q %q %q %q", actor, action, subject, detail)
		}
		if time.Since(at) > time.Minute || at.Location() != time.UTC {
			t.Errorf("audit time = %v", at)
		}
		for _, q := range []string{"UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"} {
			_, err := db.SQL().ExecContext(ctx, q)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want append-only refusal", q, err)
			}
		}
		if n := auditCount(t, db); n != 1 {
			t.Errorf("audit rows = %d, want 1", n)
		}
	})
}

func TestTimeRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		in := time.Date(2031, 4, 5, 6, 7, 8, 123456789, time.FixedZone("CEST", 2*3600))
		q := db.Rebind("INSERT INTO audit_log (at, actor, action) VALUES (?, 'a', 'b')")
		if _, err := db.SQL().ExecContext(ctx, q, db.TimeArg(in)); err != nil {
			t.Fatal(err)
		}
		var out time.Time
		if err := db.SQL().QueryRowContext(ctx, "SELECT at FROM audit_log").Scan(store.ScanTime(&out)); err != nil {
			t.Fatal(err)
		}
		if want := store.Timestamp(in); !out.Equal(want) || out.Location() != time.UTC {
			t.Errorf("round trip = %v, want %v", out, want)
		}
	})
}

func TestIsUniqueViolation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		q := db.Rebind("INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES (?, 'x', 'viewer', ?, ?)")
		now := db.TimeArg(time.Now())
		if _, err := db.SQL().ExecContext(ctx, q, "dup", now, now); err != nil {
			t.Fatal(err)
		}
		_, err := db.SQL().ExecContext(ctx, q, "dup", now, now)
		if !store.IsUniqueViolation(err) {
			t.Errorf("duplicate insert: IsUniqueViolation(%v) = false", err)
		}
		if store.IsUniqueViolation(errors.New("other")) {
			t.Error("IsUniqueViolation(other) = true")
		}
	})
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    store.Options
		want    string
		notWant string
	}{
		{"sqlite under a file", store.Options{SQLitePath: filepath.Join(file, "sub", "vigie.db")}, filepath.Join(file, "sub", "vigie.db"), ""},
		{"sqlite path is a directory", store.Options{SQLitePath: dir}, dir, ""},
		{"nothing configured", store.Options{}, "neither", ""},
		{"not postgres", store.Options{DatabaseURL: "mysql://x"}, "postgres://", ""},
		{"postgres unreachable", store.Options{DatabaseURL: "postgres://vigie:s3cr3t@127.0.0.1:1/vigie?connect_timeout=2"}, "127.0.0.1:1", "s3cr3t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			db, err := store.Open(ctx, tt.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if tt.notWant != "" && strings.Contains(err.Error(), tt.notWant) {
				t.Errorf("error %q leaks %q", err, tt.notWant)
			}
		})
	}
}

func TestOpenUnwritableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("permissions are not enforced for root")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vigie.db")
	_, err := store.Open(t.Context(), store.Options{SQLitePath: path})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open = %v, want an error naming %s", err, path)
	}
}

func TestSQLiteFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "vigie.db")
	db, err := store.Open(t.Context(), store.Options{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() & (os.ModePerm | os.ModeDir); got != want {
			t.Errorf("%s mode = %v, want %v", p, got, want)
		}
	}
	var mode string
	if err := db.SQL().QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := db.SQL().QueryRowContext(t.Context(), "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
}

func TestSQLiteOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "we?ird #dir%20", "vigie.db")
	db, err := store.Open(t.Context(), store.Options{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() == 0 {
		t.Fatalf("database not written at %s: %v", path, err)
	}
}

// migrationCount checks that both dialects have the same numbered
// migrations and returns how many there are.
func migrationCount(t *testing.T) int64 {
	t.Helper()
	names := map[string][]string{}
	for _, d := range []string{"sqlite", "postgres"} {
		entries, err := os.ReadDir(filepath.Join("migrations", d))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			names[d] = append(names[d], e.Name())
		}
	}
	if strings.Join(names["sqlite"], ",") != strings.Join(names["postgres"], ",") {
		t.Fatalf("migrations differ between dialects: %v vs %v", names["sqlite"], names["postgres"])
	}
	return int64(len(names["sqlite"]))
}
