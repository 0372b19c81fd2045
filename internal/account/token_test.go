package account

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func TestTokensAndProfile(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := NewStore(db)
		u, err := s.Create(ctx, "test", User{Username: "bot-owner", Role: RoleCommander, Person: "marie"}, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ByID(ctx, u.ID); got.Person != "marie" {
			t.Fatalf("person = %q", got.Person)
		}
		if err := s.SetProfile(ctx, "test", u.ID, "thomas", "en"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ByID(ctx, u.ID); got.Person != "thomas" || got.Lang != "en" {
			t.Fatalf("profile = %q %q", got.Person, got.Lang)
		}
		secret, tok, err := s.CreateToken(ctx, "test", u.ID, "ci", ScopeWrite, time.Hour)
		if err != nil || !strings.HasPrefix(secret, "vigie_") {
			t.Fatalf("create token: %v", err)
		}
		got, gotTok, err := s.VerifyToken(ctx, secret)
		if err != nil || got.ID != u.ID || gotTok.Scope != ScopeWrite {
			t.Fatalf("verify: %v", err)
		}
		if _, _, err := s.VerifyToken(ctx, secret+"x"); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("wrong secret: %v", err)
		}
		if _, _, err := s.CreateToken(ctx, "test", u.ID, "x", "admin", 0); err == nil {
			t.Fatal("bad scope accepted")
		}
		s.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		if _, _, err := s.VerifyToken(ctx, secret); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("expired token accepted: %v", err)
		}
		s.now = time.Now
		if err := s.RevokeToken(ctx, "test", tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.VerifyToken(ctx, secret); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("revoked token accepted: %v", err)
		}
	})
}
