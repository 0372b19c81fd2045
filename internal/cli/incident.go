package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/planversion"
	"github.com/vigie-hq/vigie/internal/store"
)

// crisisFlags are shared by the crisis-room commands.
type crisisFlags struct {
	storeFlags
	As   string `name:"as" placeholder:"USER" help:"Act as this console account (its role and plan person apply). Without it, the command acts as the operator 'cli' with commander rights and no plan person, which cannot approve messages."`
	JSON bool   `name:"json" help:"Print JSON instead of text."`
}

// open opens the database and the crisis room on the plan serve would use.
func (f crisisFlags) open(rt *Runtime) (*incident.Service, incident.Actor, func(), error) {
	db, p, actor, done, err := f.session(rt)
	if err != nil {
		return nil, incident.Actor{}, nil, err
	}
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{Logger: rt.Logger})
	return svc, actor, done, nil
}

// session opens the database, the plan serve would use (the latest stored
// version, else the configured plan, else the embedded example) and
// resolves the acting user.
func (f crisisFlags) session(rt *Runtime) (*store.DB, *plan.Plan, incident.Actor, func(), error) {
	fail := func(err error) (*store.DB, *plan.Plan, incident.Actor, func(), error) {
		return nil, nil, incident.Actor{}, nil, err
	}
	db, cfg, err := f.storeFlags.open(rt)
	if err != nil {
		return fail(err)
	}
	p, err := activePlan(rt, planversion.NewStore(db), cfg.Plan)
	if err != nil {
		db.Close()
		return fail(err)
	}
	actor := incident.Actor{Username: cliActor, Role: "commander"}
	if f.As != "" {
		u, err := account.NewStore(db).ByUsername(rt.Ctx, f.As)
		if err != nil {
			db.Close()
			return fail(fmt.Errorf("--as %s: %w", f.As, err))
		}
		if u.Disabled {
			db.Close()
			return fail(fmt.Errorf("--as %s: account disabled", f.As))
		}
		actor = incident.Actor{Username: u.Username, Person: u.Person, Role: string(u.Role)}
	}
	return db, p, actor, func() { db.Close() }, nil
}

func activePlan(rt *Runtime, versions *planversion.Store, configured string) (*plan.Plan, error) {
	if v, err := versions.Latest(rt.Ctx); err == nil {
		var files []plan.File
		if err := json.Unmarshal(v.Source, &files); err == nil {
			if p, diags := plan.Parse(files); p != nil && !diags.HasErrors() {
				return p, nil
			}
		}
	}
	var (
		p     *plan.Plan
		diags plan.Diagnostics
		err   error
	)
	if configured != "" {
		p, diags, err = plan.Load(configured)
	} else {
		p, diags, err = plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	}
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("plan has errors:\n%s", diags.Error())
	}
	return p, nil
}

// domainError turns crisis-room errors into an exit code: 2 for refusals
// (forbidden, invalid, illegal transition, conflict), 1 otherwise.
func domainError(err error) error {
	if incident.CodeOf(err) != "" {
		return &ExitError{Code: 2, Err: err}
	}
	return err
}

type incidentCmd struct {
	Declare incidentDeclareCmd `cmd:"" help:"Declare an incident for a plan scenario and activate the plan."`
	List    incidentListCmd    `cmd:"" help:"List incidents."`
	Show    incidentShowCmd    `cmd:"" help:"Show an incident: state, roles, tasks, messages, timeline."`
	State   incidentStateCmd   `cmd:"" help:"Change an incident's state."`
	Note    incidentNoteCmd    `cmd:"" help:"Add a note to an incident's timeline."`
}

type incidentDeclareCmd struct {
	crisisFlags
	Scenario    string `name:"scenario" required:"" placeholder:"ID" help:"Scenario id from the plan."`
	Drill       bool   `name:"drill" help:"An exercise: never reaches real customers, kept out of metrics."`
	AutoPublish bool   `name:"auto-publish" help:"Publish the scenario's pre-approved acknowledgements immediately."`
	Note        string `name:"note" placeholder:"TEXT" help:"What was observed."`
}

func (incidentDeclareCmd) Help() string {
	return `Declares an incident: the scenario's components turn red, each role goes to
its primary (or first available backup), checklists become tasks, the team
is paged and the acknowledgements are drafted in every language. With an
open incident of the same scenario, that one is shown instead.

Example:

  vigie incident declare --scenario whatsapp-outage --as marie`
}

func (c *incidentDeclareCmd) Run(rt *Runtime) error {
	svc, actor, done, err := c.open(rt)
	if err != nil {
		return err
	}
	defer done()
	res, err := svc.Declare(rt.Ctx, actor, incident.DeclareInput{Scenario: c.Scenario, Drill: c.Drill, AutoPublish: c.AutoPublish, Note: c.Note})
	if err != nil {
		return domainError(err)
	}
	if c.JSON {
		return writeJSONOut(rt.Env.Stdout, res)
	}
	verb := "Declared"
	if !res.Created {
		verb = "Already open:"
	}
	fmt.Fprintf(rt.Env.Stdout, "%s incident %d (%s, %s). %d message(s) drafted, %d published.\n", verb, res.Incident.ID, res.Incident.Scenario, res.Incident.State, len(res.Drafts), len(res.Published))
	return nil
}

type incidentListCmd struct {
	crisisFlags
	All    bool `name:"all" help:"Include resolved and closed incidents."`
	Drills bool `name:"drills" help:"Include drills."`
}

func (incidentListCmd) Help() string {
	return "Lists open incidents (all with --all).\n\nExample:\n\n  vigie incident list --all"
}

func (c *incidentListCmd) Run(rt *Runtime) error {
	svc, actor, done, err := c.open(rt)
	if err != nil {
		return err
	}
	defer done()
	if !incident.Can(actor.Role, incident.ActRead) {
		return domainError(&incident.Error{Code: incident.CodeForbidden, Message: actor.Username + " may not read incidents"})
	}
	list, err := svc.List(rt.Ctx, incident.ListFilter{Open: !c.All, Drills: c.Drills})
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSONOut(rt.Env.Stdout, list)
	}
	tw := tabwriter.NewWriter(rt.Env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSCENARIO\tSTATE\tSEVERITY\tDECLARED\tNEXT UPDATE")
	for _, inc := range list {
		next := "—"
		if inc.NextUpdateDue != nil {
			next = inc.NextUpdateDue.Local().Format("15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", inc.ID, inc.Scenario, inc.State, inc.Severity, inc.DeclaredAt.Local().Format("2006-01-02 15:04"), next)
	}
	return tw.Flush()
}

type incidentShowCmd struct {
	crisisFlags
	ID int64 `arg:"" name:"ID" help:"Incident id."`
}

func (incidentShowCmd) Help() string {
	return "Shows an incident with its roles, tasks, messages and timeline.\n\nExample:\n\n  vigie incident show 1"
}

func (c *incidentShowCmd) Run(rt *Runtime) error {
	svc, _, done, err := c.open(rt)
	if err != nil {
		return err
	}
	defer done()
	inc, err := svc.Get(rt.Ctx, c.ID)
	if err != nil {
		return domainError(err)
	}
	tasks, err := svc.Tasks(rt.Ctx, c.ID)
	if err != nil {
		return err
	}
	msgs, err := svc.Messages(rt.Ctx, c.ID)
	if err != nil {
		return err
	}
	events, err := svc.Timeline(rt.Ctx, c.ID, 0, 0)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSONOut(rt.Env.Stdout, map[string]any{"incident": inc, "tasks": tasks, "messages": msgs, "timeline": events})
	}
	w := rt.Env.Stdout
	fmt.Fprintf(w, "Incident %d — %s — %s (%s)%s\n", inc.ID, inc.Title.Get("fr", "en"), inc.State, inc.Severity, map[bool]string{true: " [DRILL]"}[inc.Drill])
	for _, comp := range inc.Components {
		fmt.Fprintf(w, "  component %s: %s\n", comp.Component, comp.Status)
	}
	for _, r := range inc.Roles {
		fmt.Fprintf(w, "  role %s: %s\n", r.Role, r.Person)
	}
	fmt.Fprintln(w, "Tasks:")
	for _, t := range tasks {
		mark := "[ ]"
		if t.DoneAt != nil {
			mark = "[x]"
		}
		fmt.Fprintf(w, "  %s #%d %s/%s %s (due %s)\n", mark, t.ID, t.Role, t.Key, t.Title.Get("fr", "en"), t.DueAt.Local().Format("15:04"))
	}
	fmt.Fprintln(w, "Messages:")
	for _, m := range msgs {
		_, why := svc.Publishable(m, inc.Scenario)
		fmt.Fprintf(w, "  #%d %s %s r%d %v %s\n", m.ID, m.TemplateID, m.State, m.Revision, m.Channels, why)
	}
	fmt.Fprintln(w, "Timeline:")
	for _, e := range events {
		fmt.Fprintf(w, "  %s %-10s %s %s\n", e.At.Local().Format("15:04:05"), e.Actor, e.Kind, compactJSON(e.Payload))
	}
	return nil
}

type incidentStateCmd struct {
	crisisFlags
	ID    int64  `arg:"" name:"ID" help:"Incident id."`
	State string `arg:"" name:"STATE" help:"investigating, identified, monitoring, resolved or closed."`
	Note  string `name:"note" placeholder:"TEXT" help:"Why."`
}

func (incidentStateCmd) Help() string {
	return "Moves an incident along investigating → identified → monitoring → resolved → closed.\n\nExample:\n\n  vigie incident state 1 resolved --as marie --note \"WhatsApp delivers again\""
}

func (c *incidentStateCmd) Run(rt *Runtime) error {
	svc, actor, done, err := c.open(rt)
	if err != nil {
		return err
	}
	defer done()
	inc, err := svc.Transition(rt.Ctx, actor, c.ID, incident.State(c.State), c.Note)
	if err != nil {
		return domainError(err)
	}
	fmt.Fprintf(rt.Env.Stdout, "Incident %d is now %s.\n", inc.ID, inc.State)
	return nil
}

type incidentNoteCmd struct {
	crisisFlags
	ID   int64  `arg:"" name:"ID" help:"Incident id."`
	Text string `arg:"" name:"TEXT" help:"The note."`
}

func (incidentNoteCmd) Help() string {
	return "Adds a note to the timeline.\n\nExample:\n\n  vigie incident note 1 \"Meta confirms on its status page\" --as lea"
}

func (c *incidentNoteCmd) Run(rt *Runtime) error {
	svc, actor, done, err := c.open(rt)
	if err != nil {
		return err
	}
	defer done()
	ev, err := svc.AddNote(rt.Ctx, actor, c.ID, c.Text)
	if err != nil {
		return domainError(err)
	}
	fmt.Fprintf(rt.Env.Stdout, "Note %d added.\n", ev.ID)
	return nil
}

type messageCmd struct {
	Draft   messageDraftCmd   `cmd:"" help:"Draft a message for an incident from a plan template."`
	Approve messageApproveCmd `cmd:"" help:"Approve a message (not your own)."`
	Reject  messageRejectCmd  `cmd:"" help:"Reject a message."`
	Publish messagePublishCmd `cmd:"" help:"Publish an approved or pre-approved message."`
}

type messageDraftCmd struct {
	crisisFlags
	Incident int64  `name:"incident" required:"" placeholder:"ID" help:"Incident id."`
	Template string `name:"template" required:"" placeholder:"ID" help:"Message template id from the plan."`
}

func (messageDraftCmd) Help() string {
	return "Renders a plan template for an incident as a draft.\n\nExample:\n\n  vigie message draft --incident 1 --template wa-update-status --as karim"
}

func (c *messageDraftCmd) Run(rt *Runtime) error {
	svc, actor, done, err := c.open(rt)
	if err != nil {
		return err
	}
	defer done()
	m, err := svc.Draft(rt.Ctx, actor, c.Incident, c.Template)
	if err != nil {
		return domainError(err)
	}
	if c.JSON {
		return writeJSONOut(rt.Env.Stdout, m)
	}
	fmt.Fprintf(rt.Env.Stdout, "Drafted message %d (revision %d).\n", m.ID, m.Revision)
	for lang, content := range m.Content {
		fmt.Fprintf(rt.Env.Stdout, "  [%s] %s\n", lang, content.Text)
	}
	return nil
}

type messageDecision struct {
	crisisFlags
	ID       int64  `arg:"" name:"ID" help:"Message id."`
	Revision int    `name:"revision" required:"" placeholder:"N" help:"The revision you read (vigie incident show), so you never decide on a text you have not seen."`
	Comment  string `name:"comment" placeholder:"TEXT" help:"Comment recorded with the decision."`
}

func (c *messageDecision) run(rt *Runtime, approve bool) error {
	svc, actor, done, err := c.open(rt)
	if err != nil {
		return err
	}
	defer done()
	decide, verb := svc.Approve, "Approved"
	if !approve {
		decide, verb = svc.Reject, "Rejected"
	}
	m, err := decide(rt.Ctx, actor, c.ID, c.Revision, c.Comment)
	if err != nil {
		return domainError(err)
	}
	fmt.Fprintf(rt.Env.Stdout, "%s revision %d of message %d; it is now %s.\n", verb, c.Revision, m.ID, m.State)
	return nil
}

type messageApproveCmd struct{ messageDecision }

func (messageApproveCmd) Help() string {
	return "Approves one revision of a message. The plan's approval policy applies: authors cannot approve their own text.\n\nExample:\n\n  vigie message approve 3 --revision 1 --as marie"
}

func (c *messageApproveCmd) Run(rt *Runtime) error { return c.run(rt, true) }

type messageRejectCmd struct{ messageDecision }

func (messageRejectCmd) Help() string {
	return "Rejects one revision of a message; its authors edit it and ask again.\n\nExample:\n\n  vigie message reject 3 --revision 1 --as marie --comment \"too vague\""
}

func (c *messageRejectCmd) Run(rt *Runtime) error { return c.run(rt, false) }

type messagePublishCmd struct {
	crisisFlags
	ID int64 `arg:"" name:"ID" help:"Message id."`
}

func (messagePublishCmd) Help() string {
	return "Publishes a message and queues its deliveries.\n\nExample:\n\n  vigie message publish 3 --as karim"
}

func (c *messagePublishCmd) Run(rt *Runtime) error {
	svc, actor, done, err := c.open(rt)
	if err != nil {
		return err
	}
	defer done()
	m, err := svc.Publish(rt.Ctx, actor, c.ID)
	if err != nil {
		return domainError(err)
	}
	fmt.Fprintf(rt.Env.Stdout, "Published message %d on %s.\n", m.ID, strings.Join(m.Channels, ", "))
	return nil
}

func writeJSONOut(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
