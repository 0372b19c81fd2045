package config

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SecretKeyPath is where a generated secret key is kept in the data directory.
func SecretKeyPath(dataDir string) string { return filepath.Join(dataDir, "secret.key") }

// EnsureSecretKey returns the secret key stored in dataDir, generating one
// (256 random bits, file mode 0600) when none exists yet.
func EnsureSecretKey(dataDir string) (key string, created bool, err error) {
	path := SecretKeyPath(dataDir)
	b, err := os.ReadFile(path)
	if err == nil {
		key = strings.TrimSpace(string(b))
		if len(key) < 32 {
			return "", false, fmt.Errorf("config: %s holds a key shorter than 32 characters; remove it to generate a new one", path)
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("config: read secret key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", false, fmt.Errorf("config: create data directory: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", false, fmt.Errorf("config: generate secret key: %w", err)
	}
	key = base64.RawURLEncoding.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", false, fmt.Errorf("config: write secret key: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return "", false, fmt.Errorf("config: write secret key: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", false, fmt.Errorf("config: write secret key: %w", err)
	}
	return key, true, nil
}
