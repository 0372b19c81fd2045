package config

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"
)

func TestDKIMKeys(t *testing.T) {
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	der, err := x509.MarshalPKCS8PrivateKey(ed)
	if err != nil {
		t.Fatal(err)
	}
	edPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	short, _ := rsa.GenerateKey(rand.Reader, 1024)
	shortPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(short)}))
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "dkim.pem")
	write(t, keyFile, edPEM)

	env := map[string]string{"VIGIE_SMTP_FROM": "Café Express <alertes@cafe-express.fr>", "VIGIE_DKIM_DOMAIN": "cafe-express.fr", "VIGIE_DKIM_SELECTOR": "vigie2025", "VIGIE_DKIM_PRIVATE_KEY_FILE": keyFile}
	cfg, err := Load(Sources{Getenv: mapenv(env)})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DKIMPrivateKey != strings.TrimRight(edPEM, "\n") || cfg.DKIMSelector != "vigie2025" {
		t.Fatalf("DKIM settings not loaded: %+v", cfg)
	}
	if dump := cfg.Dump(); strings.Contains(dump, "PRIVATE KEY") || !strings.Contains(dump, `dkim_private_key: "<redacted>"`) {
		t.Errorf("dump leaks the key:\n%s", dump)
	}

	ok := Defaults()
	ok.SMTPFrom, ok.DKIMDomain, ok.DKIMSelector, ok.DKIMPrivateKey = "alertes@mail.cafe-express.fr", "cafe-express.fr", "vigie", edPEM
	if err := ok.Validate(); err != nil {
		t.Fatalf("subdomain sender: %v", err)
	}
	for name, tt := range map[string]struct {
		edit func(*Config)
		want string
	}{
		"bad PEM":          {func(c *Config) { c.DKIMPrivateKey = "MC4CAQAwBQYDK2VwBCIEI" }, "dkim_private_key: dkim: no PEM block found"},
		"short RSA key":    {func(c *Config) { c.DKIMPrivateKey = shortPEM }, "dkim_private_key: dkim: RSA key has 1024 bits; want at least 2048"},
		"missing selector": {func(c *Config) { c.DKIMSelector = "" }, "dkim_selector: required when"},
		"missing key":      {func(c *Config) { c.DKIMPrivateKey = "" }, "dkim_private_key: required when"},
		"bad selector":     {func(c *Config) { c.DKIMSelector = "vigie 2025" }, `dkim_selector: dkim: selector "vigie 2025"`},
		"bad domain":       {func(c *Config) { c.DKIMDomain = "cafe express" }, "dkim_domain: dkim: domain"},
		"unaligned":        {func(c *Config) { c.DKIMDomain = "example.org" }, `dkim_domain: "example.org" does not cover smtp_from`},
	} {
		c := ok
		tt.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", name, err, tt.want)
		}
	}
}
