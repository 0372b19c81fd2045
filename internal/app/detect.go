package app

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/detect/watch"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
)

// WhatsAppWebhookPath receives Meta's delivery statuses for the canary and
// real-traffic probes (set it as the app's webhook callback URL).
const WhatsAppWebhookPath = "/hooks/whatsapp"

// newWatcher builds detection from the plan's detection section, or
// returns nil when the plan has none or the configuration turns it off.
func (a *App) newWatcher(cfg config.Config, getenv func(string) string, reports watch.Reports, notifier incident.Notifier, logger *slog.Logger) (*watch.Watcher, error) {
	p := a.Plan()
	if !cfg.Detect || p.Detection == nil || a.role == RoleWeb {
		return nil, nil // web processes leave detection to the workers
	}
	return watch.New(watch.Options{
		Plan:      a.Plan,
		Secret:    func(ref plan.SecretRef) (string, error) { return secret(getenv, ref) },
		Incidents: a.incidents,
		Reports:   reports,
		Page:      a.pageRole(notifier, "communication", logger),
		Receipt:   a.deliver.Receipt,
		Logger:    logger.With("component", "detection"),
	})
}

// pageRole returns a pager that notifies the holder of a plan role (and
// its backups when the holder cannot be reached).
func (a *App) pageRole(n incident.Notifier, role string, logger *slog.Logger) watch.Pager {
	return func(ctx context.Context, subject, body string) {
		p := a.Plan()
		r, ok := p.Team.Roles[role]
		if !ok {
			logger.Warn("no plan role to page", "role", role, "subject", subject)
			return
		}
		for _, id := range append([]string{r.Primary}, r.Backups...) {
			person := p.Person(id)
			if person == nil {
				continue
			}
			if err := n.NotifyTeam(ctx, incident.Notification{Person: *person, Role: role, Subject: subject, Body: body}); err != nil {
				logger.Warn("page failed, trying the backup", "role", role, "person", id, "err", err)
				continue
			}
			return
		}
	}
}

// detectionRoutes mounts Meta's status webhook and the probes' metrics.
func (a *App) detectionRoutes(mux *http.ServeMux) {
	if a.watch == nil {
		return
	}
	if h := a.watch.Webhook(); h != nil {
		mux.Handle("GET "+WhatsAppWebhookPath, h)
		mux.Handle("POST "+WhatsAppWebhookPath, h)
	}
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		if err := a.watch.WriteMetrics(w); err != nil {
			a.logger.Warn("write metrics", "err", err)
		}
	})
}
