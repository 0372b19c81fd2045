package config

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// key describes one configuration key and where it may come from.
type key struct {
	name   string // file key and flag name with '_' for '-'
	secret bool   // redacted in dumps; may come from NAME_FILE
	get    func(*Config) string
	set    func(*Config, string) error
}

func str(field func(*Config) *string) (func(*Config) string, func(*Config, string) error) {
	return func(c *Config) string { return *field(c) },
		func(c *Config, v string) error { *field(c) = v; return nil }
}

func keys() []key {
	mk := func(name string, secret bool, field func(*Config) *string) key {
		g, s := str(field)
		return key{name: name, secret: secret, get: g, set: s}
	}
	return []key{
		mk("listen", false, func(c *Config) *string { return &c.Listen }),
		mk("data", false, func(c *Config) *string { return &c.DataDir }),
		mk("plan", false, func(c *Config) *string { return &c.Plan }),
		mk("database_url", true, func(c *Config) *string { return &c.DatabaseURL }),
		mk("base_url", false, func(c *Config) *string { return &c.BaseURL }),
		mk("secret_key", true, func(c *Config) *string { return &c.SecretKey }),
		mk("smtp_url", true, func(c *Config) *string { return &c.SMTPURL }),
		mk("smtp_from", false, func(c *Config) *string { return &c.SMTPFrom }),
		mk("dkim_domain", false, func(c *Config) *string { return &c.DKIMDomain }),
		mk("dkim_selector", false, func(c *Config) *string { return &c.DKIMSelector }),
		mk("dkim_private_key", true, func(c *Config) *string { return &c.DKIMPrivateKey }),
		mk("statuspage_export", false, func(c *Config) *string { return &c.StatuspageExport }),
		mk("statuspage_s3", false, func(c *Config) *string { return &c.StatuspageS3 }),
		mk("s3_access_key_id", false, func(c *Config) *string { return &c.S3AccessKeyID }),
		mk("s3_secret_access_key", true, func(c *Config) *string { return &c.S3SecretAccessKey }),
		{
			name: "shutdown_timeout",
			get:  func(c *Config) string { return c.ShutdownTimeout.String() },
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil {
					return fmt.Errorf("want a duration like 15s: %w", err)
				}
				c.ShutdownTimeout = d
				return nil
			},
		},
		{
			name: "allow_private_targets",
			get:  func(c *Config) string { return strconv.FormatBool(c.AllowPrivateTargets) },
			set: func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return fmt.Errorf("want true or false: %w", err)
				}
				c.AllowPrivateTargets = b
				return nil
			},
		},
		{
			name: "detect",
			get:  func(c *Config) string { return strconv.FormatBool(c.Detect) },
			set: func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return fmt.Errorf("want true or false: %w", err)
				}
				c.Detect = b
				return nil
			},
		},
		mk("log_level", false, func(c *Config) *string { return &c.LogLevel }),
		mk("log_format", false, func(c *Config) *string { return &c.LogFormat }),
	}
}

// EnvName returns the environment variable for a key, e.g. VIGIE_DATABASE_URL.
func EnvName(name string) string { return "VIGIE_" + strings.ToUpper(name) }

// Sources are the inputs to Load besides the defaults.
type Sources struct {
	// File is a YAML configuration file; empty means none (or VIGIE_CONFIG).
	File string
	// Getenv reads the environment.
	Getenv func(string) string
	// Flags holds values set explicitly on the command line, by key name.
	Flags map[string]string
}

// Load resolves the configuration: defaults < file < environment < flags.
// For a secret key K, K_FILE (in the file or the environment) names a file
// holding the value.
func Load(src Sources) (Config, error) {
	getenv := src.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	cfg := Defaults()
	file := src.File
	if file == "" {
		file = getenv("VIGIE_CONFIG")
	}
	if file != "" {
		values, err := readFile(file)
		if err != nil {
			return Config{}, err
		}
		if err := apply(&cfg, values, "config file "+file); err != nil {
			return Config{}, err
		}
	}
	env := map[string]string{}
	for _, k := range keys() {
		if v := getenv(EnvName(k.name)); v != "" {
			env[k.name] = v
		}
		if k.secret {
			if v := getenv(EnvName(k.name) + "_FILE"); v != "" {
				env[k.name+"_file"] = v
			}
		}
	}
	if err := apply(&cfg, env, "environment"); err != nil {
		return Config{}, err
	}
	if err := apply(&cfg, src.Flags, "flag"); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

func apply(cfg *Config, values map[string]string, where string) error {
	for _, k := range keys() {
		if k.secret {
			if path, ok := values[k.name+"_file"]; ok {
				if _, both := values[k.name]; both {
					return fmt.Errorf("config: %s sets both %s and %s_file; keep one", where, k.name, k.name)
				}
				v, err := readSecretFile(k.name, path)
				if err != nil {
					return fmt.Errorf("config: %s: %w", where, err)
				}
				values[k.name] = v
			}
		}
		v, ok := values[k.name]
		if !ok {
			continue
		}
		if err := k.set(cfg, v); err != nil {
			return fmt.Errorf("config: %s: %s: %w", where, k.name, err)
		}
	}
	return nil
}

const maxConfigFile = 1 << 20

func readFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(b) > maxConfigFile {
		return nil, fmt.Errorf("config: %s is larger than 1 MiB", path)
	}
	allowed := map[string]bool{}
	for _, k := range keys() {
		allowed[k.name] = true
		if k.secret {
			allowed[k.name+"_file"] = true
		}
	}
	raw := map[string]any{}
	if len(bytes.TrimSpace(b)) > 0 {
		if err := yaml.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("config: %s: %s", path, yaml.FormatError(err, false, true))
		}
	}
	out := map[string]string{}
	for name, v := range raw {
		if !allowed[name] {
			return nil, fmt.Errorf("config: %s: unknown key %q (known keys: %s)", path, name, strings.Join(sortedKeys(allowed), ", "))
		}
		switch v := v.(type) {
		case string:
			out[name] = v
		case uint64, int64, float64, bool:
			out[name] = fmt.Sprint(v)
		default:
			return nil, fmt.Errorf("config: %s: %s: want a scalar value", path, name)
		}
	}
	return out, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Dump returns the effective configuration as YAML-like "key: value" lines
// with secrets redacted.
func (c Config) Dump() string {
	var b strings.Builder
	for _, k := range keys() {
		v := k.get(&c)
		if k.secret && v != "" {
			v = redact(k.name, v)
		}
		fmt.Fprintf(&b, "%s: %q\n", k.name, v)
	}
	return b.String()
}

// redact hides a secret value; a database URL keeps everything but its password.
func redact(name, v string) string {
	if name == "database_url" || name == "smtp_url" {
		if u, err := url.Parse(v); err == nil && u.Host != "" {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "redacted")
			}
			q := u.Query()
			if q.Has("password") {
				q.Set("password", "redacted")
				u.RawQuery = q.Encode()
			}
			return u.String()
		}
	}
	return "<redacted>"
}
