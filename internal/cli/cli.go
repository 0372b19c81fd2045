// Package cli implements the vigie command line: one file per subcommand.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/alecthomas/kong"
)

// Env is what a command may touch of the outside world. Nothing below main
// reads os.Args, os.Getenv or the standard streams directly.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Reload receives a value when the operator asks for the plan to be
	// reloaded (SIGHUP); nil means never.
	Reload <-chan struct{}
}

// Runtime is bound into every command's Run method.
type Runtime struct {
	Ctx    context.Context
	Env    Env
	Logger *slog.Logger
	Global *Globals
}

// Globals are flags accepted by every command.
type Globals struct {
	Config    string `name:"config" short:"c" placeholder:"FILE" help:"Configuration file (YAML, same keys as the environment variables without the VIGIE_ prefix, lower case). Env: VIGIE_CONFIG."`
	LogLevel  string `name:"log-level" placeholder:"LEVEL" help:"debug, info, warn or error. Env: VIGIE_LOG_LEVEL (default info)."`
	LogFormat string `name:"log-format" placeholder:"FORMAT" help:"text or json. Env: VIGIE_LOG_FORMAT (default text)."`
}

// root is the command tree.
type root struct {
	Globals

	Serve       serveCmd       `cmd:"" help:"Run the Vigie server: admin console, public status page, workers."`
	Plan        planCmd        `cmd:"" help:"Check, summarise and describe crisis plans."`
	Migrate     migrateCmd     `cmd:"" help:"Apply database migrations and exit."`
	User        userCmd        `cmd:"" help:"Manage console accounts."`
	Token       tokenCmd       `cmd:"" help:"Manage API tokens."`
	Incident    incidentCmd    `cmd:"" help:"Declare and follow incidents from the command line."`
	Message     messageCmd     `cmd:"" help:"Draft, approve and publish incident messages."`
	Statuspage  statuspageCmd  `cmd:"" name:"statuspage" help:"Export the public status page as static files."`
	Maintenance maintenanceCmd `cmd:"" help:"Announce and follow scheduled maintenance windows."`
	Audience    audienceCmd    `cmd:"" help:"Import and count subscribers."`
	Config      configCmd      `cmd:"" help:"Inspect the effective configuration."`
	Version     versionCmd     `cmd:"" help:"Print the version of this binary."`
	Nlp         nlpCmd         `cmd:"" name:"nlp" help:"Classify social posts: language, sentiment, abuse, rumours, reply policy."`
	Assistant   assistantCmd   `cmd:"" help:"Answer customers' questions from the plan's FAQ and the live status."`
	Detect      detectCmd      `cmd:"" help:"Replay outages through detection; measure the spike detector."`
	ProbeAgent  probeAgentCmd  `cmd:"" name:"probe-agent" help:"Run the server's network probes from another network and push the results."`
}

// ExitError carries a process exit code without printing anything more.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

type kongExit int

// Run parses args, runs the selected command and returns the process exit code.
func Run(ctx context.Context, args []string, env Env) (code int) {
	var cli root
	parser, err := kong.New(&cli,
		kong.Name("vigie"),
		kong.Description("Vigie keeps a business talking to its customers when a platform it depends on goes down."),
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(func(c int) { panic(kongExit(c)) }),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, WrapUpperBound: 100}),
	)
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigie: %v\n", err)
		return 2
	}
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			code = int(c)
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigie: %v\n", err)
		return 2
	}
	logger, err := newLogger(env, &cli.Globals)
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigie: %v\n", err)
		return 2
	}
	rt := &Runtime{Ctx: ctx, Env: env, Logger: logger, Global: &cli.Globals}
	if err := kctx.Run(rt); err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			if ee.Err != nil {
				fmt.Fprintf(env.Stderr, "vigie: %v\n", ee.Err)
			}
			return ee.Code
		}
		fmt.Fprintf(env.Stderr, "vigie: %v\n", err)
		return 1
	}
	return 0
}

func newLogger(env Env, g *Globals) (*slog.Logger, error) {
	level := firstNonEmpty(g.LogLevel, env.Getenv("VIGIE_LOG_LEVEL"), "info")
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format := firstNonEmpty(g.LogFormat, env.Getenv("VIGIE_LOG_FORMAT"), "text"); format {
	case "text":
		return slog.New(slog.NewTextHandler(env.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.Stderr, opts)), nil
	default:
		return nil, fmt.Errorf("log format %q: want text or json", format)
	}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
