package deliver_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// With a TTL, Reach answers from one count per message and period.
func TestReachIsSharedForItsTTL(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.subscribe(t, "a@example.org", "fr")
		w.subscribe(t, "b@example.org", "fr")
		msg := w.publishEmailAck(t, false)
		now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
		o := fastOptions()
		o.Now = func() time.Time { return now }
		o.ReachTTL = 2 * time.Second
		e := deliver.New(db, []deliver.Sender{newSink("smtp")}, o)
		drain(t, e)
		ctx := context.Background()
		if r, err := e.Reach(ctx, msg); err != nil || r["email"]["sent"] != 2 {
			t.Fatalf("reach %v %v", r, err)
		}
		if _, err := db.SQL().ExecContext(ctx, db.Rebind(`UPDATE deliveries SET state = 'failed' WHERE id = (SELECT MIN(id) FROM deliveries WHERE message_id = ?)`), msg); err != nil {
			t.Fatal(err)
		}
		if r, _ := e.Reach(ctx, msg); r["email"]["sent"] != 2 {
			t.Fatalf("within the TTL the shared answer is kept: %v", r)
		}
		now = now.Add(3 * time.Second)
		if r, _ := e.Reach(ctx, msg); r["email"]["sent"] != 1 || r["email"]["failed"] != 1 {
			t.Fatalf("after the TTL: %v", r)
		}
	})
}
