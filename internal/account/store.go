package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
)

// bootstrapAdmin is the username of the account created on first start.
const bootstrapAdmin = "admin"

// userColumns are scanned by scanUser, in this order.
const userColumns = "id, username, email, role, person, lang, must_change_password, disabled, created_at, updated_at"

// Store reads and writes accounts.
type Store struct {
	db  *store.DB
	now func() time.Time
}

// NewStore returns a Store on a migrated database.
func NewStore(db *store.DB) *Store {
	return &Store{db: db, now: time.Now}
}

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(r rowScanner, extra ...any) (User, error) {
	var u User
	var role string
	dest := append([]any{&u.ID, &u.Username, &u.Email, &role, &u.Person, &u.Lang, &u.MustChangePassword, &u.Disabled,
		store.ScanTime(&u.CreatedAt), store.ScanTime(&u.UpdatedAt)}, extra...)
	if err := r.Scan(dest...); err != nil {
		return User{}, err
	}
	u.Role = Role(role)
	return u, nil
}

// Create adds an account with the given password (hashed with argon2id)
// and records "user.create" in the audit log. u.ID and the timestamps are
// ignored; the stored user is returned. A duplicate username gives
// [ErrUsernameTaken].
func (s *Store) Create(ctx context.Context, actor string, u User, password string) (User, error) {
	name, err := NormalizeUsername(u.Username)
	if err != nil {
		return User{}, err
	}
	role, err := ParseRole(string(u.Role))
	if err != nil {
		return User{}, err
	}
	u.Username, u.Role = name, role
	u.Email = strings.TrimSpace(u.Email)
	if err := validateEmail(u.Email); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var ierr error
		u, ierr = s.insert(ctx, tx, actor, u, hash)
		return ierr
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// insert stores u within tx and audits it.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, actor string, u User, hash string) (User, error) {
	now := store.Timestamp(s.now())
	q := s.db.Rebind(`INSERT INTO users (username, email, password_hash, role, person, lang, must_change_password, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
	err := tx.QueryRowContext(ctx, q, u.Username, u.Email, hash, string(u.Role), u.Person, u.Lang, u.MustChangePassword, u.Disabled,
		s.db.TimeArg(now), s.db.TimeArg(now)).Scan(&u.ID)
	if err != nil {
		if store.IsUniqueViolation(err) {
			return User{}, fmt.Errorf("account: create %q: %w", u.Username, ErrUsernameTaken)
		}
		return User{}, fmt.Errorf("account: create %q: %w", u.Username, err)
	}
	u.CreatedAt, u.UpdatedAt = now, now
	detail := map[string]any{"id": u.ID, "role": u.Role, "person": u.Person, "email": u.Email, "must_change_password": u.MustChangePassword, "disabled": u.Disabled}
	if err := s.db.Audit(ctx, tx, actor, "user.create", subject(u.Username), detail); err != nil {
		return User{}, fmt.Errorf("account: create %q: %w", u.Username, err)
	}
	return u, nil
}

// ByUsername returns the account named name (case-insensitive), or
// [ErrNotFound].
func (s *Store) ByUsername(ctx context.Context, name string) (User, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	row := s.db.SQL().QueryRowContext(ctx, s.db.Rebind("SELECT "+userColumns+" FROM users WHERE username = ?"), name)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("account: user %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("account: user %q: %w", name, err)
	}
	return u, nil
}

// ByID returns the account with the given id, or [ErrNotFound].
func (s *Store) ByID(ctx context.Context, id int64) (User, error) {
	row := s.db.SQL().QueryRowContext(ctx, s.db.Rebind("SELECT "+userColumns+" FROM users WHERE id = ?"), id)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("account: user #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("account: user #%d: %w", id, err)
	}
	return u, nil
}

// List returns every account, ordered by username.
func (s *Store) List(ctx context.Context) ([]User, error) {
	rows, err := s.db.SQL().QueryContext(ctx, "SELECT "+userColumns+" FROM users ORDER BY username")
	if err != nil {
		return nil, fmt.Errorf("account: list users: %w", err)
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("account: list users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: list users: %w", err)
	}
	return users, nil
}

// Count returns the number of accounts, disabled ones included.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		return 0, fmt.Errorf("account: count users: %w", err)
	}
	return n, nil
}

// Authenticate returns the account when username and password match an
// enabled account, and [ErrInvalidCredentials] otherwise — whether the user
// is unknown, disabled or the password wrong, in similar time.
func (s *Store) Authenticate(ctx context.Context, username, password string) (User, error) {
	name := strings.ToLower(strings.TrimSpace(username))
	var hash string
	row := s.db.SQL().QueryRowContext(ctx, s.db.Rebind("SELECT "+userColumns+", password_hash FROM users WHERE username = ?"), name)
	u, err := scanUser(row, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		_, _ = VerifyPassword(dummyHash, password)
		return User{}, ErrInvalidCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("account: authenticate %q: %w", name, err)
	}
	ok, err := VerifyPassword(hash, password)
	if err != nil {
		return User{}, fmt.Errorf("account: authenticate %q: %w", name, err)
	}
	if !ok || u.Disabled {
		return User{}, ErrInvalidCredentials
	}
	return u, nil
}

// SetPassword replaces the password of account id and sets whether it must
// be changed at next sign-in; audited as "user.set_password".
func (s *Store) SetPassword(ctx context.Context, actor string, id int64, password string, mustChange bool) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.update(ctx, actor, id, "user.set_password",
		"password_hash = ?, must_change_password = ?", []any{hash, mustChange},
		map[string]any{"id": id, "must_change_password": mustChange})
}

// Disable prevents account id from signing in; audited as "user.disable".
func (s *Store) Disable(ctx context.Context, actor string, id int64) error {
	return s.update(ctx, actor, id, "user.disable", "disabled = ?", []any{true}, map[string]any{"id": id})
}

// update sets columns (a SET clause with ? placeholders for args) and
// updated_at on account id, and audits action with detail, in one transaction.
func (s *Store) update(ctx context.Context, actor string, id int64, action, set string, args []any, detail any) error {
	now := store.Timestamp(s.now())
	q := s.db.Rebind("UPDATE users SET " + set + ", updated_at = ? WHERE id = ? RETURNING username")
	args = append(args, s.db.TimeArg(now), id)
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, q, args...).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("account: %s #%d: %w", action, id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("account: %s #%d: %w", action, id, err)
		}
		if err := s.db.Audit(ctx, tx, actor, action, subject(name), detail); err != nil {
			return fmt.Errorf("account: %s #%d: %w", action, id, err)
		}
		return nil
	})
}

// EnsureAdmin creates the first account when there is none: "admin", role
// admin, with a generated password that must be changed at first sign-in.
// It returns that password and created=true, or ("", "", false, nil) when
// accounts already exist. Concurrent callers create at most one admin.
func (s *Store) EnsureAdmin(ctx context.Context) (username, password string, created bool, err error) {
	n, err := s.Count(ctx)
	if err != nil || n > 0 {
		return "", "", false, err
	}
	// Hash outside the transaction: on SQLite it holds the only connection.
	password = GeneratePassword()
	hash, err := HashPassword(password)
	if err != nil {
		return "", "", false, err
	}
	u := User{Username: bootstrapAdmin, Role: RoleAdmin, MustChangePassword: true}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
			return fmt.Errorf("account: ensure admin: %w", err)
		}
		if n > 0 {
			return nil
		}
		var ierr error
		u, ierr = s.insert(ctx, tx, "system", u, hash)
		if ierr == nil {
			created = true
		}
		return ierr
	})
	switch {
	case errors.Is(err, ErrUsernameTaken):
		// Another process created it between our count and our insert.
		return "", "", false, nil
	case err != nil:
		return "", "", false, err
	case !created:
		return "", "", false, nil
	}
	return u.Username, password, true, nil
}

// SetProfile links account id to a plan person and sets its console
// language; audited as "user.profile".
func (s *Store) SetProfile(ctx context.Context, actor string, id int64, person, lang string) error {
	return s.update(ctx, actor, id, "user.profile", "person = ?, lang = ?", []any{person, lang},
		map[string]any{"id": id, "person": person, "lang": lang})
}
