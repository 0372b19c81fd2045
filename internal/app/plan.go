package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/planversion"
)

// examplePlan is loaded when no plan is configured.
const examplePlan = "cafe-express/plan.yaml"

// PlanError is returned when a plan is rejected; it lists the diagnostics.
type PlanError struct {
	Source      string
	Diagnostics plan.Diagnostics
}

func (e *PlanError) Error() string {
	var b strings.Builder
	errs := e.Diagnostics.Errors()
	fmt.Fprintf(&b, "plan %s rejected with %d error(s):", e.Source, len(errs))
	for i, d := range errs {
		if i == 10 {
			fmt.Fprintf(&b, "\n  … and %d more (run vigie plan lint)", len(errs)-i)
			break
		}
		b.WriteString("\n  " + d.String())
	}
	return b.String()
}

// ReloadPlan loads the configured plan (or the embedded example), and when it
// is valid makes it the active plan and records it as a new plan version if
// its hash changed. On any error the active plan stays as it was.
func (a *App) ReloadPlan(ctx context.Context, actor string) error {
	source := a.cfg.Plan
	var (
		p     *plan.Plan
		diags plan.Diagnostics
		err   error
	)
	if source == "" {
		source = "embedded example " + examplePlan
		p, diags, err = plan.LoadFS(examples.FS, examplePlan)
	} else {
		p, diags, err = plan.Load(source)
	}
	if err != nil {
		return fmt.Errorf("app: load plan %s: %w", source, err)
	}
	if diags.HasErrors() || p == nil {
		return &PlanError{Source: source, Diagnostics: diags}
	}
	for _, d := range diags.Warnings() {
		a.logger.Warn("plan readiness gap", "diagnostic", d.String())
	}
	src, err := json.Marshal(p.Sources)
	if err != nil {
		return fmt.Errorf("app: encode plan source: %w", err)
	}
	v, created, err := a.versions.Record(ctx, planversion.Version{
		Hash:         p.Hash(),
		Source:       src,
		Organisation: p.Organisation.Name,
		LoadedBy:     actor,
		Note:         source,
	})
	if err != nil {
		return fmt.Errorf("app: record plan version: %w", err)
	}
	a.mu.Lock()
	a.plan = p
	a.mu.Unlock()
	if a.status != nil {
		a.status.Trigger()
	}
	a.logger.Info("plan loaded", "source", source, "hash", v.Hash, "new_version", created, "warnings", len(diags.Warnings()))
	return nil
}

// storedPlan parses the latest plan version kept in the database.
func (a *App) storedPlan(ctx context.Context) (*plan.Plan, error) {
	v, err := a.versions.Latest(ctx)
	if err != nil {
		return nil, fmt.Errorf("app: latest stored plan: %w", err)
	}
	var files []plan.File
	if err := json.Unmarshal(v.Source, &files); err != nil {
		return nil, fmt.Errorf("app: decode stored plan %s: %w", v.Hash, err)
	}
	p, diags := plan.Parse(files)
	if diags.HasErrors() || p == nil {
		return nil, errors.New("app: stored plan no longer valid for this binary")
	}
	return p, nil
}
