package web

import (
	"errors"
	"net/http"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/incident"
)

// formError is a mistake in a submitted form, safe to show as is.
type formError struct{ msg string }

func (e *formError) Error() string { return e.msg }

// plainError says what went wrong in words for the person at the screen:
// a lead sentence per domain error code in their language, then the
// domain's own explanation. Unexpected errors are logged, not shown.
func (c *Console) plainError(r *http.Request, lang string, err error) string {
	var fe *formError
	if errors.As(err, &fe) {
		return tr(lang, "Check the form: %s.", fe.msg)
	}
	if errors.Is(err, account.ErrNotFound) {
		return tr(lang, "That account does not exist any more.")
	}
	msg := err.Error()
	switch incident.CodeOf(err) {
	case incident.CodeForbidden:
		return tr(lang, "Not allowed: %s.", msg)
	case incident.CodeNotFound:
		return tr(lang, "Not found: %s. It may have been removed; go back to the dashboard.", msg)
	case incident.CodeConflict:
		return tr(lang, "Someone changed this meanwhile: %s.", msg)
	case incident.CodeTransition:
		return tr(lang, "Not possible now: %s.", msg)
	case incident.CodeInvalid:
		return tr(lang, "Check the form: %s.", msg)
	}
	c.Logger.Error("console action failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return tr(lang, "Something went wrong on the server; the details are in its log. Try again in a moment.")
}

// statusOf maps a domain error to the HTTP status of a re-rendered form.
func statusOf(err error) int {
	switch incident.CodeOf(err) {
	case incident.CodeForbidden:
		return http.StatusForbidden
	case incident.CodeNotFound:
		return http.StatusNotFound
	case incident.CodeConflict, incident.CodeTransition:
		return http.StatusConflict
	case incident.CodeInvalid:
		return http.StatusUnprocessableEntity
	}
	var fe *formError
	if errors.As(err, &fe) {
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}
