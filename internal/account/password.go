package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password hashing parameters for new hashes (argon2id, RFC 9106 second
// recommended option with 64 MiB). Existing hashes keep the parameters
// recorded in their PHC string.
const (
	argonMemory  = 64 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds accepted when verifying a stored hash, so that a corrupted or
// hostile hash cannot make verification arbitrarily expensive.
const (
	maxArgonMemory  = 1024 * 1024 // 1 GiB
	maxArgonTime    = 16
	maxArgonThreads = 64
)

// Password length limits.
const (
	// MinPasswordLength is the minimum number of characters in a password.
	MinPasswordLength = 12
	// MaxPasswordBytes bounds the input of the hash function.
	MaxPasswordBytes = 1024
)

// generatedAlphabet leaves out characters easily confused when read aloud
// or copied by hand: 0 O o 1 l I.
const generatedAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// generatedLength is the length of [GeneratePassword] results (about 116 bits).
const generatedLength = 20

// dummyHash is verified against when a username does not exist, so that
// unknown and known users take about the same time to reject.
const dummyHash = "$argon2id$v=19$m=65536,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// ErrWeakPassword is returned for passwords outside the length limits.
var ErrWeakPassword = errors.New("account: password too weak")

// ValidatePassword checks the password policy: at least
// [MinPasswordLength] characters and at most [MaxPasswordBytes] bytes.
func ValidatePassword(password string) error {
	if n := utf8.RuneCountInString(password); n < MinPasswordLength {
		return fmt.Errorf("%w: it has %d characters, at least %d are required", ErrWeakPassword, n, MinPasswordLength)
	}
	if len(password) > MaxPasswordBytes {
		return fmt.Errorf("%w: it is longer than %d bytes", ErrWeakPassword, MaxPasswordBytes)
	}
	return nil
}

// HashPassword validates password and returns its argon2id hash as a PHC
// string: $argon2id$v=19$m=65536,t=2,p=1$<salt>$<key>, base64 without padding.
func HashPassword(password string) (string, error) {
	if err := ValidatePassword(password); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("account: hash password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC string encoded,
// using the parameters recorded in it. It returns an error only when
// encoded is malformed.
func VerifyPassword(encoded, password string) (bool, error) {
	h, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// phc is a decoded argon2id PHC string.
type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parsePHC(s string) (phc, error) {
	bad := func(why string) (phc, error) {
		return phc{}, fmt.Errorf("account: malformed password hash: %s", why)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want $argon2id$v=…$m=…,t=…,p=…$salt$key")
	}
	if parts[1] != "argon2id" {
		return bad(fmt.Sprintf("algorithm %q, want argon2id", parts[1]))
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return bad(fmt.Sprintf("version %q, want v=%d", parts[2], argon2.Version))
	}
	var m, t, p uint64
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || n != 3 ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) {
		return bad(fmt.Sprintf("parameters %q", parts[3]))
	}
	if p < 1 || p > maxArgonThreads || t < 1 || t > maxArgonTime || m < 8*p || m > maxArgonMemory {
		return bad(fmt.Sprintf("parameters %q out of range", parts[3]))
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return bad("salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return bad("key")
	}
	return phc{memory: uint32(m), time: uint32(t), threads: uint8(p), salt: salt, key: key}, nil
}

// GeneratePassword returns a random 20-character password drawn from an
// alphabet without look-alike characters.
func GeneratePassword() string {
	const n = len(generatedAlphabet)
	// Largest multiple of n that fits in a byte: rejecting bytes above it
	// keeps every character equally likely.
	const limit = 256 - 256%n
	out := make([]byte, 0, generatedLength)
	buf := make([]byte, 2*generatedLength)
	for len(out) < generatedLength {
		rand.Read(buf) // never fails; crashes the program if randomness is unavailable
		for _, b := range buf {
			if int(b) < limit && len(out) < generatedLength {
				out = append(out, generatedAlphabet[int(b)%n])
			}
		}
	}
	return string(out)
}
