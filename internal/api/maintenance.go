package api

import (
	"context"
	"net/http"
	"time"

	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/maintenance"
)

// Maintenances schedules and updates maintenance windows.
type Maintenances interface {
	Schedule(ctx context.Context, actor incident.Actor, in maintenance.Input) (maintenance.Window, error)
	SetStatus(ctx context.Context, actor incident.Actor, id int64, to maintenance.Status) (maintenance.Window, error)
	Get(ctx context.Context, id int64) (maintenance.Window, error)
	List(ctx context.Context, since time.Time) ([]maintenance.Window, error)
}

// maintenanceJSON is a window with the status visitors see now.
type maintenanceJSON struct {
	maintenance.Window
	Status maintenance.Status `json:"status"`
}

func (s *Server) maintenanceOut(w maintenance.Window) maintenanceJSON {
	return maintenanceJSON{Window: w, Status: w.StatusAt(time.Now())}
}

func (s *Server) listMaintenances(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	if err := s.read(p); err != nil {
		return err
	}
	since := time.Now().AddDate(0, 0, -90)
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return &badRequest{"since: expected an RFC 3339 time such as 2026-11-25T00:00:00Z"}
		}
		since = t
	}
	list, err := s.Maintenances.List(ctx, since)
	if err != nil {
		return err
	}
	out := make([]maintenanceJSON, 0, len(list))
	for _, m := range list {
		out = append(out, s.maintenanceOut(m))
	}
	writeJSON(w, http.StatusOK, map[string]any{"maintenances": out})
	return nil
}

func (s *Server) scheduleMaintenance(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	var in maintenance.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	m, err := s.Maintenances.Schedule(ctx, p.Actor(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.maintenanceOut(m))
	return nil
}

func (s *Server) getMaintenance(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	if err := s.read(p); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Maintenances.Get(ctx, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.maintenanceOut(m))
	return nil
}

func (s *Server) setMaintenanceStatus(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Status maintenance.Status `json:"status"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	m, err := s.Maintenances.SetStatus(ctx, p.Actor(), id, req.Status)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.maintenanceOut(m))
	return nil
}
