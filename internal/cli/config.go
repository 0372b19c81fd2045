package cli

import (
	"fmt"

	"github.com/vigie-hq/vigie/internal/config"
)

// storeFlags are the flags of every command that opens the database.
type storeFlags struct {
	Data     string `name:"data" placeholder:"DIR" help:"Data directory for the embedded SQLite database. Env: VIGIE_DATA (default ./vigie-data)."`
	Database string `name:"database" placeholder:"URL" help:"PostgreSQL URL (postgres://…); when set, SQLite is not used. Env: VIGIE_DATABASE_URL or VIGIE_DATABASE_URL_FILE."`
}

func (f storeFlags) set(m map[string]string) {
	if f.Data != "" {
		m["data"] = f.Data
	}
	if f.Database != "" {
		m["database_url"] = f.Database
	}
}

// loadConfig resolves the configuration from the config file, the
// environment and the flags explicitly given to the command.
func (rt *Runtime) loadConfig(flags map[string]string) (config.Config, error) {
	if flags == nil {
		flags = map[string]string{}
	}
	if rt.Global.LogLevel != "" {
		flags["log_level"] = rt.Global.LogLevel
	}
	if rt.Global.LogFormat != "" {
		flags["log_format"] = rt.Global.LogFormat
	}
	return config.Load(config.Sources{File: rt.Global.Config, Getenv: rt.Env.Getenv, Flags: flags})
}

type configCmd struct {
	Dump configDumpCmd `cmd:"" help:"Print the effective configuration, secrets redacted."`
}

type configDumpCmd struct {
	storeFlags
	Listen string `name:"listen" placeholder:"ADDR" help:"As for serve."`
	Plan   string `name:"plan" placeholder:"FILE" help:"As for serve."`
}

func (configDumpCmd) Help() string {
	return "Shows what `vigie serve` would use after reading the config file, VIGIE_* variables and flags.\n\nExample:\n\n  VIGIE_LISTEN=0.0.0.0:9000 vigie config dump"
}

func (c *configDumpCmd) Run(rt *Runtime) error {
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
	_, err = fmt.Fprint(rt.Env.Stdout, cfg.Dump())
	return err
}
