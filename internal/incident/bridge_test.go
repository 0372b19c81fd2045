package incident_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// TestBridgeBetweenProcesses runs two services on two connection pools to
// one PostgreSQL schema, as two `vigie serve` processes would, and checks
// that an event made through one reaches the other's hub exactly once.
func TestBridgeBetweenProcesses(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	open := func() *store.DB {
		db, err := store.Open(ctx, store.Options{DatabaseURL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA, dbB := open(), open()
	if err := dbA.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p := cafePlan(t)
	active := func() *plan.Plan { return p }
	a := incident.NewService(dbA, active, incident.Options{})
	b := incident.NewService(dbB, active, incident.Options{})
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	go a.RunBridge(bctx)
	go b.RunBridge(bctx)
	seenB, unsubB := b.Hub().Subscribe()
	defer unsubB()
	seenA, unsubA := a.Hub().Subscribe()
	defer unsubA()
	time.Sleep(300 * time.Millisecond) // both listeners connected
	res, err := a.Declare(ctx, incident.Actor{Username: "marie", Person: "marie", Role: "commander"}, incident.DeclareInput{Scenario: "ddos"})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := a.Timeline(ctx, res.Incident.ID, 0, 0)
	got := map[int64]int{}
	deadline := time.After(10 * time.Second)
	for len(got) < len(want) {
		select {
		case e := <-seenB:
			if e.Kind == incident.EventResync {
				continue
			}
			if !e.Remote {
				t.Fatalf("event %d on B not marked remote", e.ID)
			}
			got[e.ID]++
		case <-deadline:
			t.Fatalf("B received %d of %d events", len(got), len(want))
		}
	}
	// A must not receive its own events back.
	drain := time.After(500 * time.Millisecond)
	for {
		select {
		case e := <-seenA:
			if e.Remote {
				t.Fatalf("A received its own event %d back", e.ID)
			}
		case e := <-seenB:
			if e.Kind != incident.EventResync {
				got[e.ID]++
			}
		case <-drain:
			for id, n := range got {
				if n != 1 {
					t.Fatalf("event %d delivered %d times to B", id, n)
				}
			}
			return
		}
	}
}
