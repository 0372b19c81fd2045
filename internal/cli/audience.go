package cli

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/planversion"
)

type audienceCmd struct {
	Import audienceImportCmd `cmd:"" help:"Import subscribers from a CSV file."`
	Count  audienceCountCmd  `cmd:"" help:"Count confirmed subscribers per channel."`
	Erase  audienceEraseCmd  `cmd:"" help:"Delete a person's address completely (GDPR erasure)."`
	Export audienceExportCmd `cmd:"" help:"Write subscribers and their consent record as CSV."`
}

type audienceEraseCmd struct {
	storeFlags
	Channel string `name:"channel" required:"" enum:"email,sms,webhook,telegram" help:"email, sms, webhook or telegram."`
	Address string `name:"address" required:"" placeholder:"ADDRESS" help:"The address to erase (normalised like imports)."`
}

func (audienceEraseCmd) Help() string {
	return `Deletes the subscriber, removes the address from the delivery ledger (its
counts stay) and keeps only a hash so no later import brings the person back.

Example:

  vigie audience erase --channel email --address client@example.org`
}

func (c *audienceEraseCmd) Run(rt *Runtime) error {
	db, _, err := c.storeFlags.open(rt)
	if err != nil {
		return err
	}
	defer db.Close()
	found, err := audience.NewStore(db, nil).Erase(rt.Ctx, c.Channel, c.Address)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if found {
		fmt.Fprintln(rt.Env.Stdout, "Erased; a tombstone prevents re-import.")
	} else {
		fmt.Fprintln(rt.Env.Stdout, "No subscriber had this address; a tombstone now prevents importing it.")
	}
	return nil
}

type audienceImportCmd struct {
	storeFlags
	File        string `arg:"" name:"FILE" help:"CSV with a header: channel,address[,lang][,components] (components separated by |), or a file written by vigie audience export."`
	SkipInvalid bool   `name:"skip-invalid" help:"Import the valid lines and report the others (default: one invalid line rejects the file)."`
	Source      string `name:"source" required:"" placeholder:"TEXT" help:"Where these people gave their consent (recorded with each of them)."`
	Wording     string `name:"wording" required:"" placeholder:"TEXT" help:"Version of the consent text they agreed to."`
}

func (audienceImportCmd) Help() string {
	return `Imports subscribers as confirmed: use it only for people who agreed to be
informed (the source and wording of that consent are recorded). Addresses are
normalised (e-mail, phone numbers to E.164, webhook URLs) and deduplicated;
unsubscribed addresses are never resubscribed. Prints a validation report
with line, field and reason; nothing is imported when a line is invalid
unless --skip-invalid.

A file written by "vigie audience export" keeps its consent record (the
consent_source, consent_at, consent_wording and confirmed_at columns win
over --source and --wording), and its lines whose state is pending or
unsubscribed are skipped: an import never confirms anyone.

Example:

  vigie audience import customers.csv --source "order form" --wording "cgv-2026-03"`
}

func (c *audienceImportCmd) Run(rt *Runtime) error {
	f, err := os.Open(c.File)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	defer f.Close()
	db, cfg, err := c.storeFlags.open(rt)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := activePlan(rt, planversion.NewStore(db), cfg.Plan)
	if err != nil {
		return err
	}
	langs := append([]string{p.Organisation.DefaultLanguage}, p.Organisation.Languages...)
	out := rt.Env.Stderr
	rep, err := audience.NewStore(db, nil).Import(rt.Ctx, f, audience.ImportOptions{
		SkipInvalid: c.SkipInvalid, Source: c.Source, Wording: c.Wording, Langs: langs,
		Progress: func(n int) { fmt.Fprintf(out, "\r%d lines…", n) },
	})
	fmt.Fprintln(out)
	for i, pr := range rep.Problems {
		if i == 50 {
			fmt.Fprintf(rt.Env.Stdout, "… and %d more problems\n", len(rep.Problems)-i)
			break
		}
		fmt.Fprintf(rt.Env.Stdout, "%s: %s\n", c.File, pr)
	}
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	fmt.Fprintf(rt.Env.Stdout, "%d lines read, %d imported or updated, %d duplicates merged, %d invalid skipped\n", rep.Read, rep.Added, rep.Duplicates, len(rep.Problems))
	if rep.NotConfirmed > 0 || rep.Erased > 0 {
		fmt.Fprintf(rt.Env.Stdout, "%d not confirmed (pending or unsubscribed) and %d erased people skipped\n", rep.NotConfirmed, rep.Erased)
	}
	return nil
}

type audienceCountCmd struct {
	storeFlags
}

func (audienceCountCmd) Help() string {
	return "Counts confirmed subscribers per channel.\n\nExample:\n\n  vigie audience count"
}

func (c *audienceCountCmd) Run(rt *Runtime) error {
	db, _, err := c.storeFlags.open(rt)
	if err != nil {
		return err
	}
	defer db.Close()
	counts, err := audience.NewStore(db, nil).CountConfirmed(rt.Ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(rt.Env.Stdout, "%-10s %d\n", k, counts[k])
	}
	return nil
}

type audienceExportCmd struct {
	storeFlags
	Channel string `name:"channel" placeholder:"CHANNEL" help:"Only this channel: email, sms, webhook, telegram or push."`
	State   string `name:"state" placeholder:"STATE" help:"Only this state: pending, confirmed or unsubscribed."`
	File    string `arg:"" optional:"" name:"FILE" default:"-" help:"Where to write the CSV (created with mode 0600); - or nothing for standard output."`
}

func (audienceExportCmd) Help() string {
	return `Writes subscribers as CSV: channel, address, lang, components (separated
by |), then state, consent_source, consent_at, consent_wording and
confirmed_at (RFC 3339, UTC). "vigie audience import" reads the file back:
confirmed people keep their consent record, the others are skipped. People
erased with "vigie audience erase" are not stored, so never exported. Each
export is recorded in the audit log. Values a spreadsheet would run as a
formula start with an apostrophe, which the import removes.

The file holds personal data: keep it private and delete it when done.

Examples:

  vigie audience export --state confirmed audience.csv
  vigie audience export --channel sms - | wc -l`
}

func (c *audienceExportCmd) Run(rt *Runtime) error {
	f := audience.Filter{Channel: strings.ToLower(c.Channel), State: strings.ToLower(c.State)}
	if err := f.Validate(); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	db, _, err := c.storeFlags.open(rt)
	if err != nil {
		return err
	}
	defer db.Close()
	subs := audience.NewStore(db, nil)
	if err := subs.AuditExport(rt.Ctx, "cli", f); err != nil {
		return err
	}
	if c.File == "-" || c.File == "" {
		_, err := subs.Export(rt.Ctx, rt.Env.Stdout, f)
		return err
	}
	out, err := os.OpenFile(c.File, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	w := bufio.NewWriter(out)
	n, err := subs.Export(rt.Ctx, w, f)
	if err == nil {
		err = w.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(c.File) // a partial export is worse than none
		return err
	}
	fmt.Fprintf(rt.Env.Stderr, "%d subscribers written to %s\n", n, c.File)
	return nil
}
