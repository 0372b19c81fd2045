package incident

import (
	"errors"
	"fmt"
)

// Error codes shared by every surface (console, API, CLI). The API maps
// them to HTTP statuses in one place.
const (
	CodeNotFound   = "not_found"
	CodeInvalid    = "invalid"
	CodeConflict   = "conflict"
	CodeForbidden  = "forbidden"
	CodeTransition = "illegal_transition"
)

// Error is a domain error with a stable code and a message for people.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

func errorf(code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of a domain error, or "" for other errors.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// ErrNotFound is returned when an incident, task or message does not exist.
var ErrNotFound = &Error{Code: CodeNotFound, Message: "not found"}

// Is lets errors.Is(err, ErrNotFound) match any not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Message == e.Message || t == ErrNotFound)
}
