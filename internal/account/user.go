// Package account manages Vigie console accounts: users, roles and
// argon2id password hashes, persisted through package store. Every change
// is written to the audit log in the same transaction.
package account

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// User is a console account. The password hash never leaves this package.
type User struct {
	ID       int64
	Username string
	Email    string
	Role     Role
	// Person is the id of the plan's team member this account belongs to;
	// it decides which plan roles the user may approve for.
	Person string
	// Lang is the console language chosen by the user ("" = browser's).
	Lang               string
	MustChangePassword bool
	Disabled           bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Errors returned by [Store] methods; test with errors.Is.
var (
	ErrNotFound           = errors.New("account: user not found")
	ErrUsernameTaken      = errors.New("account: username already taken")
	ErrInvalidCredentials = errors.New("account: invalid username or password")
	ErrInvalidUsername    = errors.New("account: invalid username")
)

// Username length limits.
const (
	minUsernameLength = 2
	maxUsernameLength = 64
)

// NormalizeUsername lower-cases name and checks that it is 2 to 64
// characters among a-z, 0-9, '.', '_' and '-'.
func NormalizeUsername(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if len(n) < minUsernameLength || len(n) > maxUsernameLength {
		return "", fmt.Errorf("%w %q: want %d to %d characters", ErrInvalidUsername, name, minUsernameLength, maxUsernameLength)
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "", fmt.Errorf("%w %q: only letters a-z, digits, '.', '_' and '-' are allowed", ErrInvalidUsername, name)
		}
	}
	return n, nil
}

// validateEmail accepts an empty address or a plausible single-line one.
func validateEmail(email string) error {
	if email == "" {
		return nil
	}
	at := strings.IndexByte(email, '@')
	if at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n<>,;") || len(email) > 254 {
		return fmt.Errorf("account: invalid email address %q", email)
	}
	return nil
}

// subject is the audit-log subject of a user.
func subject(username string) string { return "user:" + username }
