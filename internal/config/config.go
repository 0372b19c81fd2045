// Package config resolves Vigie's effective configuration from defaults, an
// optional YAML file, the environment (VIGIE_*) and command-line flags, in
// increasing order of precedence. Secrets may also come from files (*_FILE).
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/email/dkim"
	"github.com/vigie-hq/vigie/internal/s3"
)

// Config is the effective configuration of a Vigie process.
type Config struct {
	// Listen is the address the HTTP server binds, e.g. 127.0.0.1:8080.
	Listen string
	// DataDir holds the SQLite database and other local state.
	DataDir string
	// Plan is the crisis plan file or directory; empty means the embedded example.
	Plan string
	// DatabaseURL selects PostgreSQL (postgres://…); empty means SQLite in DataDir.
	DatabaseURL string
	// BaseURL is the public URL of this instance, used in links; derived from Listen when empty.
	BaseURL string
	// SecretKey signs sessions and encrypts secrets at rest; generated in DataDir when empty.
	SecretKey string
	// SMTPURL is the mail relay for team notifications, e.g.
	// smtp://user:password@mail.example.com:587 (STARTTLS when offered) or
	// smtps://… for implicit TLS; empty means notifications are only logged.
	SMTPURL string
	// SMTPFrom is the sender address of team notifications.
	SMTPFrom string
	// DKIMDomain, DKIMSelector and DKIMPrivateKey (PEM, RSA of at least
	// 2048 bits or Ed25519) make the SMTP channel DKIM-sign every message
	// as d=DKIMDomain, s=DKIMSelector; all three or none.
	DKIMDomain     string
	DKIMSelector   string
	DKIMPrivateKey string
	// StatuspageExport, when set, is a directory the status page is written
	// to as static files after every change (for a static host or CDN origin).
	StatuspageExport string
	// StatuspageS3 is an S3-compatible bucket URL the status page is
	// mirrored to after every change:
	// s3://BUCKET/PREFIX?endpoint=URL&region=REGION&path_style=true.
	StatuspageS3 string
	// S3AccessKeyID and S3SecretAccessKey sign requests to that bucket
	// (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are used when unset).
	S3AccessKeyID     string
	S3SecretAccessKey string
	// Detect runs the plan's detection probes (default true; tests and
	// machines without internet turn it off).
	Detect bool
	// AllowPrivateTargets lets webhooks and web push reach loopback and
	// private addresses, and push endpoints be http (tests, or receivers
	// on the operator's own network).
	AllowPrivateTargets bool
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout time.Duration
	// LogLevel and LogFormat configure logging.
	LogLevel  string
	LogFormat string
}

// Defaults returns the configuration used when nothing else is set.
func Defaults() Config {
	return Config{
		Listen:          "127.0.0.1:8080",
		DataDir:         "./vigie-data",
		ShutdownTimeout: 15 * time.Second,
		Detect:          true,
		LogLevel:        "info",
		LogFormat:       "text",
	}
}

// IsPostgres reports whether the configuration selects PostgreSQL.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// PublicURL returns BaseURL, or a URL derived from Listen.
func (c Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return "http://" + c.Listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Validate reports every problem with the configuration, naming the key.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen: %q is not host:port: %w", c.Listen, err))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("data: must not be empty when no database_url is set"))
	}
	if c.DatabaseURL != "" && !c.IsPostgres() {
		errs = append(errs, fmt.Errorf("database_url: want postgres://… or postgresql://…, got scheme %q", schemeOf(c.DatabaseURL)))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("base_url: %q is not an absolute http(s) URL", c.BaseURL))
		}
	}
	if c.ShutdownTimeout <= 0 || c.ShutdownTimeout > 10*time.Minute {
		errs = append(errs, fmt.Errorf("shutdown_timeout: %s is outside (0, 10m]", c.ShutdownTimeout))
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		errs = append(errs, errors.New("secret_key: must be at least 32 characters"))
	}
	if c.StatuspageS3 != "" {
		if _, err := s3.ParseURL(c.StatuspageS3); err != nil {
			errs = append(errs, fmt.Errorf("statuspage_s3: %w", err))
		}
	}
	errs = append(errs, c.validateDKIM()...)
	return errors.Join(errs...)
}

// validateDKIM checks the three DKIM keys together, so a half-configured
// signer fails at start-up rather than at the first message.
func (c Config) validateDKIM() []error {
	if c.DKIMDomain == "" && c.DKIMSelector == "" && c.DKIMPrivateKey == "" {
		return nil
	}
	var errs []error
	for _, k := range []struct{ name, v string }{{"dkim_domain", c.DKIMDomain}, {"dkim_selector", c.DKIMSelector}, {"dkim_private_key", c.DKIMPrivateKey}} {
		if k.v == "" {
			errs = append(errs, fmt.Errorf("%s: required when any of dkim_domain, dkim_selector, dkim_private_key is set", k.name))
		}
	}
	if c.DKIMDomain != "" {
		if err := dkim.CheckDomain(c.DKIMDomain); err != nil {
			errs = append(errs, fmt.Errorf("dkim_domain: %w", err))
		} else if at := strings.LastIndexByte(c.SMTPFrom, '@'); at >= 0 {
			from := strings.ToLower(strings.TrimRight(c.SMTPFrom[at+1:], "> "))
			d := strings.ToLower(c.DKIMDomain)
			if from != d && !strings.HasSuffix(from, "."+d) {
				errs = append(errs, fmt.Errorf("dkim_domain: %q does not cover smtp_from %q; DMARC needs the sender's domain to be it or a subdomain", c.DKIMDomain, c.SMTPFrom))
			}
		}
	}
	if c.DKIMSelector != "" {
		if err := dkim.CheckSelector(c.DKIMSelector); err != nil {
			errs = append(errs, fmt.Errorf("dkim_selector: %w", err))
		}
	}
	if c.DKIMPrivateKey != "" {
		if _, err := dkim.ParsePrivateKey([]byte(c.DKIMPrivateKey)); err != nil {
			errs = append(errs, fmt.Errorf("dkim_private_key: %w (set dkim_private_key_file to a PEM file from: openssl genpkey -algorithm ed25519)", err))
		}
	}
	return errs
}

// SQLitePath is the database file used when no DatabaseURL is set.
func (c Config) SQLitePath() string {
	return filepath.Join(c.DataDir, "vigie.db")
}

func schemeOf(s string) string {
	if i := strings.Index(s, "://"); i > 0 {
		return s[:i]
	}
	return ""
}

// readSecretFile reads a secret from a file, trimming one trailing newline.
func readSecretFile(key, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s_file: %w", key, err)
	}
	if len(b) > 64<<10 {
		return "", fmt.Errorf("%s_file: %s is larger than 64 KiB", key, path)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
