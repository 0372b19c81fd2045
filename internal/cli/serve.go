package cli

import (
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/vigie-hq/vigie/internal/app"
	"github.com/vigie-hq/vigie/internal/config"
)

type serveCmd struct {
	storeFlags
	Listen string `name:"listen" placeholder:"ADDR" help:"Address to listen on. Env: VIGIE_LISTEN (default 127.0.0.1:8080)."`
	Plan   string `name:"plan" placeholder:"FILE" help:"Crisis plan file or directory. Env: VIGIE_PLAN (default: the embedded Café Express example)."`
	Role   string `name:"role" env:"VIGIE_ROLE" default:"all" enum:"all,web,worker" help:"all: everything (default); web: console, status page, API and callbacks only; worker: delivery, detection and reminders, with /healthz and /readyz only. Several processes share the work on PostgreSQL."`
}

func (serveCmd) Help() string {
	return `Runs the admin console, the public status page and the workers in one process.
With no flags, state goes to ./vigie-data (SQLite) and the embedded Café Express
example plan is loaded. On first start an "admin" account is created and its
one-time password printed. SIGINT/SIGTERM stop it gracefully; SIGHUP reloads the plan.

Examples:

  vigie serve
  vigie serve --listen 0.0.0.0:8080 --plan ./plan.yaml
  VIGIE_DATABASE_URL=postgres://vigie@db/vigie vigie serve
  VIGIE_DATABASE_URL=postgres://vigie@db/vigie vigie serve --role worker`
}

func (c *serveCmd) Run(rt *Runtime) error {
	begin := time.Now()
	tuneGC(rt.Env.Getenv)
	flags := map[string]string{}
	c.storeFlags.set(flags)
	if c.Listen != "" {
		flags["listen"] = c.Listen
	}
	if c.Plan != "" {
		flags["plan"] = c.Plan
	}
	cfg, err := rt.loadConfig(flags)
	if err != nil {
		return err
	}
	if cfg.SecretKey == "" {
		key, created, err := config.EnsureSecretKey(cfg.DataDir)
		if err != nil {
			return err
		}
		cfg.SecretKey = key
		if created {
			rt.Logger.Info("generated secret key", "path", config.SecretKeyPath(cfg.DataDir))
		}
		if cfg.IsPostgres() {
			rt.Logger.Warn("secret_key not set: every node sharing this database needs the same VIGIE_SECRET_KEY")
		}
	}
	db, err := openStore(rt, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()

	if c.Role != "all" && !cfg.IsPostgres() {
		return &ExitError{Code: 2, Err: fmt.Errorf("--role %s needs PostgreSQL (several processes on one SQLite file cannot share the work)", c.Role)}
	}
	a, err := app.New(rt.Ctx, cfg, rt.Logger, db, app.Options{Getenv: rt.Env.Getenv, Role: app.Role(c.Role)})
	if err != nil {
		return err
	}
	user, password, created, err := a.Accounts().EnsureAdmin(rt.Ctx)
	if err != nil {
		return fmt.Errorf("serve: first admin account: %w", err)
	}
	if created {
		// Hashing the generated password took 64 MiB (argon2id); give it back
		// now rather than carry it as resident memory.
		debug.FreeOSMemory()
	}
	go func() {
		for {
			select {
			case <-rt.Ctx.Done():
				return
			case <-rt.Env.Reload:
				if err := a.ReloadPlan(rt.Ctx, "sighup"); err != nil {
					rt.Logger.Error("plan reload rejected; the active plan is unchanged", "err", err)
				}
			}
		}
	}()
	return a.Serve(rt.Ctx, func(addr net.Addr) {
		base := cfg.PublicURL()
		if cfg.BaseURL == "" {
			base = config.Config{Listen: addr.String()}.PublicURL()
		}
		out := rt.Env.Stdout
		fmt.Fprintf(out, "Vigie is running (%s, plan %q, role %s, ready in %s)\n", db.Dialect(), a.Plan().Organisation.Name, c.Role, time.Since(begin).Round(time.Millisecond))
		fmt.Fprintf(out, "  Status page:   %s/\n", base)
		fmt.Fprintf(out, "  Admin console: %s/admin/\n", base)
		if created {
			fmt.Fprintf(out, "  First start: admin account %q created with one-time password:\n\n      %s\n\n  It is shown only once; you will be asked to change it at first sign-in.\n", user, password)
		}
		if f, ok := out.(*os.File); ok {
			_ = f.Sync()
		}
	})
}

// tuneGC trades memory for throughput under a stampede: the garbage
// collector runs at 400 % heap growth instead of 100 % (most garbage is
// per-request and short-lived), bounded by a soft limit of 512 MiB so a
// crowd cannot make the heap run away. GOGC and GOMEMLIMIT override both.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(512 << 20)
	}
}
