package account_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

const pw = "a long enough password"

type auditRow struct{ actor, action, subject, detail string }

func auditRows(t *testing.T, db *store.DB) []auditRow {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), "SELECT actor, action, subject, detail FROM audit_log ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.actor, &r.action, &r.subject, &r.detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCreateAndLookup(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := account.NewStore(db)
		before := time.Now().Add(-time.Second)
		u, err := s.Create(ctx, "tester", account.User{Username: "Alice", Email: "alice@example.com", Role: "Commander", MustChangePassword: true}, pw)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Username != "alice" || u.Role != account.RoleCommander || !u.MustChangePassword || u.Disabled {
			t.Errorf("Create returned %+v", u)
		}
		if u.CreatedAt.Before(before) || !u.CreatedAt.Equal(u.UpdatedAt) {
			t.Errorf("timestamps %v %v", u.CreatedAt, u.UpdatedAt)
		}
		for name, get := range map[string]func() (account.User, error){
			"ByUsername": func() (account.User, error) { return s.ByUsername(ctx, "ALICE") },
			"ByID":       func() (account.User, error) { return s.ByID(ctx, u.ID) },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got != u {
				t.Errorf("%s = %+v\nwant %+v", name, got, u)
			}
		}
		if _, err := s.ByUsername(ctx, "nobody"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("ByUsername(nobody) = %v", err)
		}
		if _, err := s.ByID(ctx, 9999); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("ByID(9999) = %v", err)
		}

		_, err = s.Create(ctx, "tester", account.User{Username: "ALICE", Role: account.RoleViewer}, pw)
		if !errors.Is(err, account.ErrUsernameTaken) {
			t.Errorf("duplicate Create = %v, want ErrUsernameTaken", err)
		}
		if _, err := s.Create(ctx, "tester", account.User{Username: "bob", Role: account.RoleViewer}, pw); err != nil {
			t.Fatal(err)
		}
		list, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Username != "alice" || list[1].Username != "bob" {
			t.Errorf("List = %+v", list)
		}
		if n, err := s.Count(ctx); err != nil || n != 2 {
			t.Errorf("Count = %d, %v", n, err)
		}
	})
}

func TestCreateValidation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := account.NewStore(db)
		tests := []struct {
			name string
			u    account.User
			pw   string
			want string
		}{
			{"bad username", account.User{Username: "a b", Role: account.RoleViewer}, pw, "invalid username"},
			{"bad role", account.User{Username: "carol", Role: "root"}, pw, "want one of admin"},
			{"short password", account.User{Username: "carol", Role: account.RoleViewer}, "short", "at least 12"},
			{"bad email", account.User{Username: "carol", Role: account.RoleViewer, Email: "nope"}, pw, "email"},
		}
		for _, tt := range tests {
			_, err := s.Create(t.Context(), "tester", tt.u, tt.pw)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.want)
			}
		}
		if n, _ := s.Count(t.Context()); n != 0 {
			t.Errorf("invalid creations stored %d users", n)
		}
		if rows := auditRows(t, db); len(rows) != 0 {
			t.Errorf("invalid creations audited: %v", rows)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := account.NewStore(db)
		u, err := s.Create(ctx, "tester", account.User{Username: "dave", Role: account.RoleResponder}, pw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Authenticate(ctx, "Dave", pw)
		if err != nil || got.ID != u.ID {
			t.Fatalf("Authenticate(ok) = %+v, %v", got, err)
		}
		tests := []struct{ name, user, pw string }{
			{"wrong password", "dave", pw + "!"},
			{"unknown user", "erin", pw},
			{"empty", "", ""},
		}
		for _, tt := range tests {
			if _, err := s.Authenticate(ctx, tt.user, tt.pw); !errors.Is(err, account.ErrInvalidCredentials) {
				t.Errorf("%s: err = %v, want ErrInvalidCredentials", tt.name, err)
			}
		}

		const newPW = "another long password"
		if err := s.SetPassword(ctx, "tester", u.ID, newPW, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "dave", pw); !errors.Is(err, account.ErrInvalidCredentials) {
			t.Errorf("old password still accepted: %v", err)
		}
		got, err = s.Authenticate(ctx, "dave", newPW)
		if err != nil || !got.MustChangePassword || got.UpdatedAt.Before(got.CreatedAt) {
			t.Errorf("after SetPassword: %+v, %v", got, err)
		}
		if err := s.SetPassword(ctx, "tester", u.ID, "short", false); !errors.Is(err, account.ErrWeakPassword) {
			t.Errorf("SetPassword(short) = %v", err)
		}
		if err := s.SetPassword(ctx, "tester", 9999, newPW, false); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("SetPassword(unknown) = %v", err)
		}

		if err := s.Disable(ctx, "tester", u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "dave", newPW); !errors.Is(err, account.ErrInvalidCredentials) {
			t.Errorf("disabled user authenticated: %v", err)
		}
		if got, _ := s.ByID(ctx, u.ID); !got.Disabled {
			t.Error("Disable did not stick")
		}
		if err := s.Disable(ctx, "tester", 9999); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("Disable(unknown) = %v", err)
		}

		rows := auditRows(t, db)
		want := []auditRow{
			{"tester", "user.create", "user:dave", ""},
			{"tester", "user.set_password", "user:dave", ""},
			{"tester", "user.disable", "user:dave", ""},
		}
		if len(rows) != len(want) {
			t.Fatalf("audit rows = %v, want %d", rows, len(want))
		}
		for i, w := range want {
			r := rows[i]
			if r.actor != w.actor || r.action != w.action || r.subject != w.subject {
				t.Errorf("audit row %d = %+v, want %+v", i, r, w)
			}
			if strings.Contains(r.detail, `"password"`) || strings.Contains(r.detail, "password_hash") || strings.Contains(r.detail, pw) || strings.Contains(r.detail, newPW) || strings.Contains(r.detail, "argon2") {
				t.Errorf("audit row %d leaks a password: %s", i, r.detail)
			}
		}
	})
}

func TestAuditIsAppendOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if _, err := account.NewStore(db).Create(ctx, "tester", account.User{Username: "frank", Role: account.RoleViewer}, pw); err != nil {
			t.Fatal(err)
		}
		stmts := []string{"UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"}
		if db.Dialect() == store.Postgres {
			stmts = append(stmts, "TRUNCATE audit_log")
		}
		for _, q := range stmts {
			if _, err := db.SQL().ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want append-only refusal", q, err)
			}
		}
		if rows := auditRows(t, db); len(rows) != 1 || rows[0].actor != "tester" {
			t.Errorf("audit log changed: %v", rows)
		}
	})
}

func TestEnsureAdmin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := account.NewStore(db)
		name, password, created, err := s.EnsureAdmin(ctx)
		if err != nil || !created || name != "admin" || len(password) != 20 {
			t.Fatalf("first EnsureAdmin = %q, %q, %v, %v", name, password, created, err)
		}
		u, err := s.Authenticate(ctx, name, password)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != account.RoleAdmin || !u.MustChangePassword {
			t.Errorf("admin = %+v", u)
		}
		name, password, created, err = s.EnsureAdmin(ctx)
		if err != nil || created || name != "" || password != "" {
			t.Errorf("second EnsureAdmin = %q, %q, %v, %v", name, password, created, err)
		}
		if n, _ := s.Count(ctx); n != 1 {
			t.Errorf("Count = %d", n)
		}
		rows := auditRows(t, db)
		if len(rows) != 1 || rows[0].action != "user.create" || rows[0].actor != "system" || rows[0].subject != "user:admin" {
			t.Errorf("audit rows = %+v", rows)
		}
	})
}

func TestEnsureAdminConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		s := account.NewStore(db)
		var wg sync.WaitGroup
		results := make(chan bool, 4)
		for range 4 {
			wg.Go(func() {
				_, _, created, err := s.EnsureAdmin(ctx)
				if err != nil {
					t.Error(err)
				}
				results <- created
			})
		}
		wg.Wait()
		close(results)
		n := 0
		for c := range results {
			if c {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d callers created the admin, want 1", n)
		}
		if c, _ := s.Count(ctx); c != 1 {
			t.Errorf("Count = %d, want 1", c)
		}
	})
}
