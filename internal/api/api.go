// Package api serves Vigie's JSON API under /api/v1/: everything the
// console does, for automation and for the CLI, authenticated by API token
// or console session, with one error model.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
)

//go:embed openapi.json
var openapi []byte

// maxBody bounds request bodies.
const maxBody = 1 << 20

// Server holds the API's collaborators.
type Server struct {
	Auth      *auth.Authenticator
	Incidents *incident.Service
	Plan      func() *plan.Plan
	Logger    *slog.Logger
	// FailLimit bounds unauthenticated requests per client address.
	FailLimit *auth.Limiter
	// Reach counts a message's deliveries per channel and state.
	Reach func(ctx context.Context, messageID int64) (map[string]map[string]int, error)
	// Posts, when set, serves the incidents' social posts.
	Posts Posts
	// Maintenances, when set, serves /api/v1/maintenances.
	Maintenances Maintenances
	// Detection, when set, serves /api/v1/detect/… (otherwise they answer
	// 404 with how to turn detection on).
	Detection Detection
}

// Error is the JSON error body: {"error": {"code": …, "message": …}}.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type errorBody struct {
	Error Error `json:"error"`
}

var statusOf = map[string]int{
	incident.CodeNotFound:      http.StatusNotFound,
	incident.CodeInvalid:       http.StatusUnprocessableEntity,
	incident.CodeConflict:      http.StatusConflict,
	incident.CodeForbidden:     http.StatusForbidden,
	incident.CodeTransition:    http.StatusConflict,
	"bad_request":              http.StatusBadRequest,
	"unauthenticated":          http.StatusUnauthorized,
	"password_change_required": http.StatusForbidden,
	"rate_limited":             http.StatusTooManyRequests,
	"internal":                 http.StatusInternalServerError,
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := incident.CodeOf(err)
	msg := err.Error()
	var be *badRequest
	switch {
	case errors.As(err, &be):
		code = "bad_request"
	case code == "":
		s.Logger.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		code, msg = "internal", "internal error; see the server log"
	}
	writeJSON(w, statusOf[code], errorBody{Error{Code: code, Message: msg}})
}

type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

// decode reads a JSON body into v, refusing unknown fields and trailing data.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var mb *http.MaxBytesError
		switch {
		case errors.As(err, &se):
			return &badRequest{fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err)}
		case errors.As(err, &te):
			return &badRequest{fmt.Sprintf("field %q: expected %s", te.Field, te.Type)}
		case errors.As(err, &mb):
			return &badRequest{fmt.Sprintf("body larger than %d bytes", maxBody)}
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return &badRequest{strings.TrimPrefix(err.Error(), "json: ")}
		case errors.Is(err, io.EOF):
			return &badRequest{"empty body: a JSON object is expected"}
		}
		return &badRequest{"invalid JSON: " + err.Error()}
	}
	if dec.More() {
		return &badRequest{"unexpected data after the JSON object"}
	}
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, &badRequest{fmt.Sprintf("%s %q is not a positive integer", name, r.PathValue(name))}
	}
	return id, nil
}

type handler func(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error

// wrap authenticates the request and maps errors.
func (s *Server) wrap(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		p, err := s.Auth.Authenticate(ctx, r)
		if err != nil {
			if s.FailLimit != nil && !s.FailLimit.Allow(auth.ClientIP(r)) {
				w.Header().Set("Retry-After", "60")
				writeJSON(w, http.StatusTooManyRequests, errorBody{Error{Code: "rate_limited", Message: "too many unauthenticated requests; wait a minute"}})
				return
			}
			if errors.Is(err, auth.ErrPasswordExpired) {
				writeJSON(w, http.StatusForbidden, errorBody{Error{Code: "password_change_required", Message: "change the one-time password in the console first"}})
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigie"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{Error{Code: "unauthenticated", Message: "send Authorization: Bearer <token> (vigie token create) or sign in to the console"}})
			return
		}
		if err := h(ctx, p, w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

// DetectionRoutes registers only /api/v1/detect/… (a worker process, which
// runs detection, serves them without the rest of the API).
func (s *Server) DetectionRoutes(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	s.detectionRoutes(func(pattern string, h handler) { mux.Handle(pattern, cop.Handler(s.wrap(h))) })
}

func (s *Server) detectionRoutes(handle func(string, handler)) {
	handle("POST /api/v1/detect/results", s.pushResults)
	handle("GET /api/v1/detect/config", s.detectConfig)
	handle("GET /api/v1/detect/status", s.detectStatus)
}

// Routes registers the API on mux. Unsafe methods from browsers are
// checked for cross-origin requests (session cookies must not be usable
// from other sites); token clients send no Origin and pass.
func (s *Server) Routes(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	handle := func(pattern string, h handler) {
		mux.Handle(pattern, cop.Handler(s.wrap(h)))
	}
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi)
	})
	handle("GET /api/v1/incidents", s.listIncidents)
	handle("POST /api/v1/incidents", s.declare)
	handle("GET /api/v1/incidents/{id}", s.getIncident)
	handle("POST /api/v1/incidents/{id}/state", s.setState)
	handle("POST /api/v1/incidents/{id}/severity", s.setSeverity)
	handle("POST /api/v1/incidents/{id}/components", s.setComponent)
	handle("POST /api/v1/incidents/{id}/roles", s.assignRole)
	handle("POST /api/v1/incidents/{id}/notes", s.addNote)
	handle("POST /api/v1/incidents/{id}/reports", s.addReport)
	handle("GET /api/v1/incidents/{id}/timeline", s.timeline)
	handle("GET /api/v1/incidents/{id}/tasks", s.tasks)
	handle("GET /api/v1/incidents/{id}/messages", s.messages)
	handle("POST /api/v1/incidents/{id}/messages", s.draft)
	handle("POST /api/v1/tasks/{id}/complete", s.completeTask)
	handle("GET /api/v1/messages/{id}", s.getMessage)
	handle("PATCH /api/v1/messages/{id}", s.editMessage)
	handle("POST /api/v1/messages/{id}/approve", s.approve)
	handle("POST /api/v1/messages/{id}/reject", s.reject)
	handle("POST /api/v1/messages/{id}/publish", s.publish)
	handle("GET /api/v1/messages/{id}/reach", s.reach)
	handle("POST /api/v1/team/{person}/availability", s.availability)
	handle("GET /api/v1/me", s.me)
	s.detectionRoutes(handle)
	if s.Posts != nil {
		handle("GET /api/v1/incidents/{id}/posts", s.listPosts)
		handle("POST /api/v1/posts/{id}/delete", s.deletePost)
	}
	if s.Maintenances != nil {
		handle("GET /api/v1/maintenances", s.listMaintenances)
		handle("POST /api/v1/maintenances", s.scheduleMaintenance)
		handle("GET /api/v1/maintenances/{id}", s.getMaintenance)
		handle("POST /api/v1/maintenances/{id}/status", s.setMaintenanceStatus)
	}
}
