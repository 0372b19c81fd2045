package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "vigie.yaml")
	write(t, file, "listen: 127.0.0.1:7000\ndata: /from/file\nplan: file.yaml\nshutdown_timeout: 5s\n")
	env := map[string]string{"VIGIE_DATA": "/from/env", "VIGIE_PLAN": "env.yaml"}
	cfg, err := Load(Sources{File: file, Getenv: mapenv(env), Flags: map[string]string{"plan": "flag.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Listen: "127.0.0.1:7000", DataDir: "/from/env", Plan: "flag.yaml", ShutdownTimeout: 5 * time.Second, Detect: true, LogLevel: "info", LogFormat: "text"}
	if cfg != want {
		t.Errorf("got %+v\nwant %+v", cfg, want)
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg != Defaults() {
		t.Errorf("got %+v, want defaults", cfg)
	}
	if cfg.IsPostgres() {
		t.Error("defaults select PostgreSQL")
	}
	if got := cfg.PublicURL(); got != "http://127.0.0.1:8080" {
		t.Errorf("PublicURL = %q", got)
	}
}

func TestSecretFromFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "db-url")
	write(t, secret, "postgres://vigie:s3cr3t@127.0.0.1:5432/vigie\n")
	cfg, err := Load(Sources{Getenv: mapenv(map[string]string{"VIGIE_DATABASE_URL_FILE": secret})})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DatabaseURL != "postgres://vigie:s3cr3t@127.0.0.1:5432/vigie" || !cfg.IsPostgres() {
		t.Errorf("DatabaseURL = %q", cfg.DatabaseURL)
	}
	dump := cfg.Dump()
	if strings.Contains(dump, "s3cr3t") {
		t.Errorf("dump leaks the password:\n%s", dump)
	}
	if !strings.Contains(dump, "postgres://vigie:redacted@127.0.0.1:5432/vigie") {
		t.Errorf("dump should keep the non-secret parts of the URL:\n%s", dump)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.yaml")
	write(t, unknown, "listen: 127.0.0.1:1\nlisten_adress: x\n")
	malformed := filepath.Join(dir, "malformed.yaml")
	write(t, malformed, "listen: [\n")
	both := filepath.Join(dir, "both.yaml")
	write(t, both, "secret_key: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nsecret_key_file: /nope\n")

	tests := []struct {
		name string
		src  Sources
		want string
	}{
		{"unknown key", Sources{File: unknown}, `unknown key "listen_adress"`},
		{"malformed", Sources{File: malformed}, "malformed.yaml"},
		{"missing file", Sources{File: filepath.Join(dir, "none.yaml")}, "none.yaml"},
		{"both secret and file", Sources{File: both}, "both secret_key and secret_key_file"},
		{"bad listen", Sources{Flags: map[string]string{"listen": "nonsense"}}, "listen:"},
		{"bad database", Sources{Getenv: mapenv(map[string]string{"VIGIE_DATABASE_URL": "mysql://x"})}, `scheme "mysql"`},
		{"bad duration", Sources{Flags: map[string]string{"shutdown_timeout": "soon"}}, "shutdown_timeout"},
		{"short secret", Sources{Flags: map[string]string{"secret_key": "short"}}, "at least 32"},
		{"missing secret file", Sources{Getenv: mapenv(map[string]string{"VIGIE_SECRET_KEY_FILE": "/nonexistent/key"})}, "secret_key_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestEnsureSecretKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k1, created, err := EnsureSecretKey(dir)
	if err != nil || !created || len(k1) < 32 {
		t.Fatalf("first call: %q %v %v", k1, created, err)
	}
	st, err := os.Stat(SecretKeyPath(dir))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", st, err)
	}
	k2, created, err := EnsureSecretKey(dir)
	if err != nil || created || k2 != k1 {
		t.Fatalf("second call: %q %v %v, want the same key", k2, created, err)
	}
}

func mapenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
