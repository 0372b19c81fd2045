package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/maintenance"
	"github.com/vigie-hq/vigie/internal/plan"
)

type maintenanceCmd struct {
	Schedule maintenanceScheduleCmd `cmd:"" help:"Announce a maintenance window on the status page."`
	List     maintenanceListCmd     `cmd:"" help:"List current, upcoming and recent maintenance windows."`
	Status   maintenanceStatusCmd   `cmd:"" help:"Start early, verify, complete early or cancel a window."`
}

type maintenanceScheduleCmd struct {
	crisisFlags
	TitleFR    string    `name:"title-fr" placeholder:"TEXT" help:"Title in French."`
	TitleEN    string    `name:"title-en" placeholder:"TEXT" help:"Title in English."`
	BodyFR     string    `name:"body-fr" placeholder:"TEXT" help:"What visitors should know, in French."`
	BodyEN     string    `name:"body-en" placeholder:"TEXT" help:"What visitors should know, in English."`
	Components []string  `name:"component" required:"" placeholder:"ID" help:"Affected component id from the plan (repeat for several)."`
	From       time.Time `name:"from" required:"" format:"2006-01-02T15:04:05Z07:00" placeholder:"TIME" help:"Start, RFC 3339 (2026-12-01T02:00:00+01:00)."`
	Until      time.Time `name:"until" required:"" format:"2006-01-02T15:04:05Z07:00" placeholder:"TIME" help:"End, RFC 3339."`
}

func (maintenanceScheduleCmd) Help() string {
	return `Announces planned work: the status page lists it as upcoming, puts its
components "under maintenance" between --from and --until, then keeps it in
the history; /api/v2/scheduled-maintenances*.json follow. A running server
shows the change within 30 seconds (at once when made through the API).

Example:

  vigie maintenance schedule --component web-orders \
    --title-fr "Changement d'hébergeur" --title-en "Hosting move" \
    --from 2026-12-01T02:00:00+01:00 --until 2026-12-01T03:00:00+01:00`
}

func (c *maintenanceScheduleCmd) Run(rt *Runtime) error {
	db, p, actor, done, err := c.session(rt)
	if err != nil {
		return err
	}
	defer done()
	svc := maintenance.NewService(db, func() *plan.Plan { return p }, nil, nil)
	texts := func(fr, en string) plan.Text {
		t := plan.Text{}
		if fr != "" {
			t["fr"] = fr
		}
		if en != "" {
			t["en"] = en
		}
		return t
	}
	w, err := svc.Schedule(rt.Ctx, actor, maintenance.Input{Title: texts(c.TitleFR, c.TitleEN), Body: texts(c.BodyFR, c.BodyEN),
		Components: c.Components, StartsAt: c.From, EndsAt: c.Until})
	if err != nil {
		return domainError(err)
	}
	if c.JSON {
		return writeJSONOut(rt.Env.Stdout, w)
	}
	fmt.Fprintf(rt.Env.Stdout, "maintenance %d scheduled: %s → %s (%s)\n", w.ID, w.StartsAt.Local().Format("2006-01-02 15:04"),
		w.EndsAt.Local().Format("2006-01-02 15:04"), w.StatusAt(time.Now()))
	return nil
}

type maintenanceListCmd struct {
	crisisFlags
}

func (c *maintenanceListCmd) Run(rt *Runtime) error {
	db, p, actor, done, err := c.session(rt)
	if err != nil {
		return err
	}
	defer done()
	if !incident.Can(actor.Role, incident.ActRead) {
		return domainError(&incident.Error{Code: incident.CodeForbidden, Message: actor.Username + " may not read maintenance windows"})
	}
	list, err := maintenance.NewService(db, func() *plan.Plan { return p }, nil, nil).List(rt.Ctx, time.Now().AddDate(0, 0, -90))
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSONOut(rt.Env.Stdout, list)
	}
	tw := tabwriter.NewWriter(rt.Env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tFROM\tUNTIL\tCOMPONENTS\tTITLE")
	def := p.Organisation.DefaultLanguage
	for _, w := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%v\t%s\n", w.ID, w.StatusAt(time.Now()), w.StartsAt.Local().Format("2006-01-02 15:04"),
			w.EndsAt.Local().Format("2006-01-02 15:04"), w.Components, w.Title.Get(def, def))
	}
	return tw.Flush()
}

type maintenanceStatusCmd struct {
	crisisFlags
	ID     int64  `arg:"" name:"ID" help:"Maintenance id."`
	Status string `arg:"" name:"STATUS" enum:"in_progress,verifying,completed,cancelled" help:"in_progress, verifying, completed or cancelled."`
}

func (c *maintenanceStatusCmd) Run(rt *Runtime) error {
	db, p, actor, done, err := c.session(rt)
	if err != nil {
		return err
	}
	defer done()
	w, err := maintenance.NewService(db, func() *plan.Plan { return p }, nil, nil).SetStatus(rt.Ctx, actor, c.ID, maintenance.Status(c.Status))
	if err != nil {
		return domainError(err)
	}
	if c.JSON {
		return writeJSONOut(rt.Env.Stdout, w)
	}
	fmt.Fprintf(rt.Env.Stdout, "maintenance %d is now %s\n", w.ID, w.StatusAt(time.Now()))
	return nil
}
