package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/vigie-hq/vigie/internal/plan"
)

type planCmd struct {
	Lint   planLintCmd   `cmd:"" help:"Check a plan: schema, references, templates and readiness gaps."`
	Show   planShowCmd   `cmd:"" help:"Print a readable summary of a plan, with its risk matrix."`
	Schema planSchemaCmd `cmd:"" help:"Print the JSON Schema of plan files."`
}

type planLintCmd struct {
	Path   string `arg:"" name:"PLAN" help:"Plan file, or directory of YAML files merged in name order."`
	Strict bool   `name:"strict" help:"Exit 1 when there are warnings (readiness gaps)."`
	Format string `name:"format" enum:"text,json" default:"text" help:"Output format: text or json."`
}

func (planLintCmd) Help() string {
	return `Reports every problem with file:line:column, what is wrong and how to fix it.
Errors (unknown keys, dangling references, duplicate ids, out-of-range values,
broken templates, secrets in clear) make the plan unusable. Warnings are
readiness gaps: a missing translation, a role without backup, an SMS longer
than one segment, a post over the platform's limit.

Exit status: 0 clean, 1 warnings with --strict, 2 errors. Nothing is written.

Example:

  vigie plan lint examples/cafe-express/plan.yaml
  vigie plan lint --strict --format json ./plan/`
}

func (c *planLintCmd) Run(rt *Runtime) error {
	p, diags, err := plan.Load(c.Path)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	out := rt.Env.Stdout
	errs, warns := len(diags.Errors()), len(diags.Warnings())
	if c.Format == "json" {
		type result struct {
			File        string            `json:"file"`
			Valid       bool              `json:"valid"`
			Errors      int               `json:"errors"`
			Warnings    int               `json:"warnings"`
			Hash        string            `json:"hash,omitempty"`
			Diagnostics []plan.Diagnostic `json:"diagnostics"`
		}
		r := result{File: c.Path, Valid: errs == 0, Errors: errs, Warnings: warns, Diagnostics: diags}
		if r.Diagnostics == nil {
			r.Diagnostics = []plan.Diagnostic{}
		}
		if p != nil {
			r.Hash = p.Hash()
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		writeDiagnostics(out, diags)
		switch {
		case errs > 0:
			fmt.Fprintf(out, "%s: %d error(s), %d warning(s)\n", c.Path, errs, warns)
		case warns > 0:
			fmt.Fprintf(out, "%s: valid, %d warning(s)\n", c.Path, warns)
		default:
			fmt.Fprintf(out, "%s: valid, no warnings (%d scenarios, %d people, %d messages, %d FAQ entries)\n", c.Path, len(p.Scenarios), len(p.Team.People), len(p.Messages), len(p.FAQ))
		}
	}
	switch {
	case errs > 0:
		return &ExitError{Code: 2}
	case warns > 0 && c.Strict:
		return &ExitError{Code: 1}
	}
	return nil
}

func writeDiagnostics(w io.Writer, diags plan.Diagnostics) {
	for _, d := range diags {
		fmt.Fprintln(w, d.String())
	}
}

type planShowCmd struct {
	Path string `arg:"" name:"PLAN" help:"Plan file or directory."`
	Lang string `name:"lang" placeholder:"LANG" help:"Language of the summary (default: the plan's default language)."`
}

func (planShowCmd) Help() string {
	return `Prints the organisation, the 5×5 risk matrix (rows: probability 5→1, columns:
impact 1→5, each cell its score, priority band and scenarios), scenarios by
risk, the crisis team, channels, continuity options and counts.

Example:

  vigie plan show examples/cafe-express/plan.yaml --lang en`
}

func (c *planShowCmd) Run(rt *Runtime) error {
	p, diags, err := plan.Load(c.Path)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if diags.HasErrors() {
		writeDiagnostics(rt.Env.Stderr, diags.Errors())
		return &ExitError{Code: 2, Err: fmt.Errorf("%s has %d error(s); run vigie plan lint", c.Path, len(diags.Errors()))}
	}
	return p.WriteSummary(rt.Env.Stdout, c.Lang)
}

type planSchemaCmd struct{}

func (planSchemaCmd) Help() string {
	return `Prints the JSON Schema (draft 2020-12) of plan files. Point your editor's YAML
language server at it to get completion and inline errors.

Example:

  vigie plan schema > plan.schema.json
  # in plan.yaml:  # yaml-language-server: $schema=./plan.schema.json`
}

func (planSchemaCmd) Run(rt *Runtime) error {
	_, err := rt.Env.Stdout.Write(plan.Schema())
	return err
}
