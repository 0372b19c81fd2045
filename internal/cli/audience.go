package cli

import (
	"fmt"
	"os"
	"sort"

	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/planversion"
)

type audienceCmd struct {
	Import audienceImportCmd `cmd:"" help:"Import subscribers from a CSV file."`
	Count  audienceCountCmd  `cmd:"" help:"Count confirmed subscribers per channel."`
	Erase  audienceEraseCmd  `cmd:"" help:"Delete a person's address completely (GDPR erasure)."`
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
	File        string `arg:"" name:"FILE" help:"CSV with a header: channel,address[,lang][,components] (components separated by |)."`
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
