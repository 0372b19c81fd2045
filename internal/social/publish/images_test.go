package publish_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/social/publish"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func TestImagesPutGetPrune(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
		im := publish.NewImages(db, func() time.Time { return now })
		png := []byte("\x89PNG\r\n\x1a\n fake card bytes \x00\xff")
		name, err := im.Put(ctx, png)
		if err != nil || len(name) != 64 {
			t.Fatalf("put: %q %v", name, err)
		}
		if again, err := im.Put(ctx, png); err != nil || again != name {
			t.Fatalf("same bytes twice: %q %v", again, err)
		}
		got, err := im.Get(ctx, name)
		if err != nil || !bytes.Equal(got, png) {
			t.Fatalf("get: %q %v", got, err)
		}
		if _, err := im.Get(ctx, "0000"); !errors.Is(err, publish.ErrNoImage) {
			t.Fatalf("unknown name: %v", err)
		}
		if _, err := im.Put(ctx, nil); err == nil {
			t.Fatal("empty image stored")
		}
		now = now.Add(48 * time.Hour)
		if n, err := im.Prune(ctx, 24*time.Hour); err != nil || n != 1 {
			t.Fatalf("prune: %d %v", n, err)
		}
	})
}
