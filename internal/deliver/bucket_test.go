package deliver

import (
	"context"
	"testing"
	"time"
)

// A slow platform limit (X: 300 posts in 3 hours) still lets a burst of
// posts out at once, then paces the rest.
func TestBucketBurstThenRate(t *testing.T) {
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
	b := newBucket(300.0/(3*3600), 30, func() time.Time { return now })
	ctx := context.Background()
	for i := range 30 {
		done := make(chan error, 1)
		go func() { done <- b.wait(ctx, 1) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("post %d of the burst was held back", i+1)
		}
	}
	// The 31st must wait about 36 s of the bucket's clock: it is not
	// granted now.
	ctx2, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := b.wait(ctx2, 1); err == nil {
		t.Fatal("the 31st post went out at once")
	}
	now = now.Add(37 * time.Second)
	if err := b.wait(ctx, 1); err != nil {
		t.Fatal(err)
	}
}
