package vault

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func TestSealOpenReplaceDelete(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		key := []byte(strings.Repeat("k", 32))
		v, err := New(db, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := v.Get(ctx, "x:@cafe"); ok || err != nil {
			t.Fatalf("empty vault: %v %v", ok, err)
		}
		secret := `{"access_token":"AT-123","refresh_token":"RT-456"}`
		if err := v.Put(ctx, "x:@cafe", []byte(secret)); err != nil {
			t.Fatal(err)
		}
		var sealed string
		if err := db.SQL().QueryRowContext(ctx, `SELECT sealed FROM vault WHERE name = 'x:@cafe'`).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, "AT-123") || strings.Contains(sealed, "RT-456") {
			t.Fatal("the token is stored in clear")
		}
		got, ok, err := v.Get(ctx, "x:@cafe")
		if err != nil || !ok || string(got) != secret {
			t.Fatalf("get: %q %v %v", got, ok, err)
		}
		if err := v.Put(ctx, "x:@cafe", []byte("new")); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := v.Get(ctx, "x:@cafe"); string(got) != "new" {
			t.Fatalf("replaced value: %q", got)
		}
		// A value copied under another name, or read with another key, does not open.
		if _, err := db.SQL().ExecContext(ctx, db.Rebind(`INSERT INTO vault (name, sealed, updated_at) SELECT 'mastodon:@cafe', sealed, updated_at FROM vault WHERE name = 'x:@cafe'`)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := v.Get(ctx, "mastodon:@cafe"); !errors.Is(err, ErrSealedWithAnotherKey) {
			t.Fatalf("copied value opened: %v", err)
		}
		other, _ := New(db, []byte(strings.Repeat("z", 32)), nil)
		if _, _, err := other.Get(ctx, "x:@cafe"); !errors.Is(err, ErrSealedWithAnotherKey) {
			t.Fatalf("other key opened the value: %v", err)
		}
		if err := v.Delete(ctx, "x:@cafe"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := v.Get(ctx, "x:@cafe"); ok {
			t.Fatal("deleted value still there")
		}
		if _, err := New(db, []byte("short"), nil); err == nil {
			t.Fatal("short key accepted")
		}
	})
}
