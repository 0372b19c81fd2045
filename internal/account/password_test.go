package account

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

var phcFormat = regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPassword(t *testing.T) {
	const pw = "correct horse battery"
	h1, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !phcFormat.MatchString(h1) {
		t.Errorf("hash %q does not have the expected PHC format and parameters", h1)
	}
	h2, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Error("two hashes of the same password are equal: salt not random")
	}
	parsed, err := parsePHC(h1)
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.salt) != 16 || len(parsed.key) != 32 || parsed.memory != 65536 || parsed.time != 2 || parsed.threads != 1 {
		t.Errorf("parsed %+v", parsed)
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{{pw, true}, {pw + " ", false}, {"Correct horse battery", false}, {"", false}} {
		ok, err := VerifyPassword(h1, tt.pw)
		if err != nil || ok != tt.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", tt.pw, ok, err, tt.want)
		}
	}
}

// TestVerifyUsesStoredParameters checks that parameters come from the hash,
// not from the current defaults.
func TestVerifyUsesStoredParameters(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("older password here"), salt, 1, 1024, 2, 24)
	b64 := base64.RawStdEncoding
	h := fmt.Sprintf("$argon2id$v=19$m=1024,t=1,p=2$%s$%s", b64.EncodeToString(salt), b64.EncodeToString(key))
	if ok, err := VerifyPassword(h, "older password here"); err != nil || !ok {
		t.Errorf("VerifyPassword with m=1024,t=1,p=2 = %v, %v", ok, err)
	}
	if ok, _ := VerifyPassword(h, "older password her"); ok {
		t.Error("wrong password accepted")
	}
}

func TestVerifyMalformed(t *testing.T) {
	good := "$argon2id$v=19$m=1024,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$AAAAAAAAAAAAAAAAAAAAAA"
	if _, err := VerifyPassword(good, "x"); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	tests := []string{
		"",
		"plaintext",
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "m=1024,t=1,p=1", "m=1024,t=1", 1),
		strings.Replace(good, "m=1024", "m=99999999", 1),
		strings.Replace(good, "t=1", "t=0", 1),
		strings.Replace(good, "p=1", "p=0", 1),
		strings.Replace(good, "m=1024", "m=01024", 1),
		strings.Replace(good, "MDEyMzQ1Njc4OWFiY2RlZg", "!!!", 1),
		strings.Replace(good, "AAAAAAAAAAAAAAAAAAAAAA", "AAAA", 1),
		good + "$extra",
	}
	for _, h := range tests {
		if ok, err := VerifyPassword(h, "x"); err == nil || ok {
			t.Errorf("VerifyPassword(%q) = %v, %v; want an error", h, ok, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"", false},
		{"short", false},
		{"elevenchars", false},
		{"twelve chars", true},
		{"éééééééééééé", true}, // 12 characters, 24 bytes
		{strings.Repeat("x", MaxPasswordBytes), true},
		{strings.Repeat("x", MaxPasswordBytes+1), false},
	}
	for _, tt := range tests {
		err := ValidatePassword(tt.pw)
		if (err == nil) != tt.ok {
			t.Errorf("ValidatePassword(%.20q…) = %v, want ok=%v", tt.pw, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrWeakPassword) {
			t.Errorf("error %v is not ErrWeakPassword", err)
		}
	}
	if _, err := HashPassword("short"); !errors.Is(err, ErrWeakPassword) || !strings.Contains(err.Error(), "12") {
		t.Errorf("HashPassword(short) = %v, want a weak-password error mentioning 12", err)
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p := GeneratePassword()
		if len(p) != 20 {
			t.Fatalf("length %d: %q", len(p), p)
		}
		if strings.Trim(p, generatedAlphabet) != "" {
			t.Fatalf("%q has characters outside the alphabet", p)
		}
		if strings.ContainsAny(p, "0O1lIo") {
			t.Fatalf("%q has ambiguous characters", p)
		}
		if err := ValidatePassword(p); err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("duplicate %q", p)
		}
		seen[p] = true
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in   string
		want Role
		ok   bool
	}{
		{"admin", RoleAdmin, true},
		{" Commander ", RoleCommander, true},
		{"communication", RoleCommunication, true},
		{"approver", RoleApprover, true},
		{"RESPONDER", RoleResponder, true},
		{"viewer", RoleViewer, true},
		{"root", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := ParseRole(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseRole(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "admin, commander, communication, approver, responder, viewer") {
			t.Errorf("error %q does not list the valid roles", err)
		}
	}
}

func TestNormalizeUsername(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"alice", "alice", true},
		{"Alice.Smith", "alice.smith", true},
		{" bob_2 ", "bob_2", true},
		{"a-b", "a-b", true},
		{"x", "", false},
		{strings.Repeat("a", 64), strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), "", false},
		{"bad name", "", false},
		{"émile", "", false},
		{"a@b", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeUsername(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("NormalizeUsername(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidUsername) {
			t.Errorf("error %v is not ErrInvalidUsername", err)
		}
	}
}
