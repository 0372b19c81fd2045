package app

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/vigie-hq/vigie/internal/buildinfo"
)

// readiness is what /readyz needs from the database.
type readiness interface {
	Ping(ctx context.Context) error
	Check(ctx context.Context) error
	SchemaVersion(ctx context.Context) (current, latest int64, err error)
}

// handleHealthz answers as long as the process serves HTTP.
func handleHealthz(started time.Time, now func() time.Time) http.HandlerFunc {
	info := buildinfo.Read()
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"status":         "ok",
			"version":        info.Version,
			"uptime_seconds": int64(now().Sub(started).Seconds()),
		})
	}
}

// handleReadyz answers 200 when the database is reachable and its schema is
// the one this binary expects, 503 otherwise.
func handleReadyz(db readiness, dialect string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		body := map[string]any{"database": dialect}
		if err := db.Ping(ctx); err != nil {
			body["status"] = "not_ready"
			body["error"] = "database unreachable"
			writeJSON(w, http.StatusServiceUnavailable, body)
			return
		}
		cur, latest, err := db.SchemaVersion(ctx)
		body["schema_version"] = cur
		body["schema_expected"] = latest
		if err == nil {
			err = db.Check(ctx)
		}
		if err != nil {
			body["status"] = "not_ready"
			body["error"] = err.Error()
			writeJSON(w, http.StatusServiceUnavailable, body)
			return
		}
		body["status"] = "ready"
		writeJSON(w, http.StatusOK, body)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
