package audience

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func TestSubscriptionLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
		s := NewStore(db, func() time.Time { return now })
		ctx := context.Background()
		in := SubscribeInput{Channel: "email", Address: "Client@Example.COM", Lang: "fr", Components: []string{"whatsapp-orders"}, Source: "statuspage", Client: "k", Wording: "v1"}
		tok, err := s.Subscribe(ctx, in)
		if err != nil || tok == "" {
			t.Fatalf("subscribe: %q %v", tok, err)
		}
		if _, err := s.Confirm(ctx, "wrong"); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("wrong token: %v", err)
		}
		sub, err := s.Confirm(ctx, tok)
		if err != nil || sub.State != Confirmed || sub.Address != "Client@example.com" || sub.ConfirmedAt == nil {
			t.Fatalf("confirm: %+v %v", sub, err)
		}
		// Confirmed address: no new token, nothing to send.
		if again, err := s.Subscribe(ctx, in); err != nil || again != "" {
			t.Fatalf("resubscribe confirmed: %q %v", again, err)
		}
		if n, _ := s.CountConfirmed(ctx); n["email"] != 1 {
			t.Fatalf("count %v", n)
		}
		if err := s.Unsubscribe(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		// Unsubscribed then subscribing again needs a new confirmation, which expires.
		tok2, err := s.Subscribe(ctx, in)
		if err != nil || tok2 == "" {
			t.Fatalf("subscribe after unsubscribe: %q %v", tok2, err)
		}
		now = now.Add(ConfirmTTL + time.Minute)
		if _, err := s.Confirm(ctx, tok2); !errors.Is(err, ErrExpiredToken) {
			t.Fatalf("expired token: %v", err)
		}
		if got, _ := s.Get(ctx, sub.ID); got.State != Pending {
			t.Fatalf("state after expired confirmation: %s", got.State)
		}
		if _, err := s.Subscribe(ctx, SubscribeInput{Channel: "email", Address: "nope", Lang: "fr", Source: "x", Wording: "v"}); err == nil {
			t.Fatal("bad address accepted")
		}
		if _, err := s.Subscribe(ctx, SubscribeInput{Channel: "pigeon", Address: "a@b.c", Lang: "fr", Source: "x", Wording: "v"}); err == nil {
			t.Fatal("unknown channel accepted")
		}
		if err := s.Unsubscribe(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unsubscribe unknown: %v", err)
		}
	})
}
