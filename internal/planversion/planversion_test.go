package planversion_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/planversion"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func TestRecord(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := planversion.NewStore(db)
		if _, err := s.Latest(ctx); !errors.Is(err, planversion.ErrNotFound) {
			t.Fatalf("Latest on empty store = %v, want ErrNotFound", err)
		}
		if list, err := s.List(ctx, 10); err != nil || len(list) != 0 {
			t.Fatalf("List on empty store = %v, %v", list, err)
		}

		src := []byte("organisation:\n  name: Café Express\n\x00binary-safe")
		steps := []struct {
			name    string
			in      planversion.Version
			created bool
			wantID  int // index of the step whose version must be returned
		}{
			{"first", planversion.Version{Hash: "h1", Source: src, Organisation: "Café Express", LoadedBy: "startup", Note: "embedded"}, true, 0},
			{"same hash", planversion.Version{Hash: "h1", Source: []byte("ignored"), Organisation: "X", LoadedBy: "reload"}, false, 0},
			{"new hash", planversion.Version{Hash: "h2", Source: []byte("v2"), Organisation: "Café Express", LoadedBy: "alice"}, true, 2},
			{"back to first", planversion.Version{Hash: "h1", Source: src, Organisation: "Café Express", LoadedBy: "bob"}, true, 3},
			{"empty source", planversion.Version{Hash: "h3", LoadedBy: "bob", LoadedAt: time.Date(2030, 1, 1, 0, 0, 0, 1500, time.UTC)}, true, 4},
		}
		got := make([]planversion.Version, len(steps))
		for i, st := range steps {
			v, created, err := s.Record(ctx, st.in)
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if created != st.created {
				t.Errorf("%s: created = %v, want %v", st.name, created, st.created)
			}
			got[i] = v
			if want := got[st.wantID]; v.ID != want.ID || v.Hash != want.Hash || !bytes.Equal(v.Source, want.Source) {
				t.Errorf("%s: returned %+v, want the version of step %d", st.name, v, st.wantID)
			}
		}
		if got[0].ID == 0 || got[0].LoadedAt.IsZero() || got[0].Note != "embedded" || got[0].LoadedBy != "startup" {
			t.Errorf("first version = %+v", got[0])
		}
		if want := time.Date(2030, 1, 1, 0, 0, 0, 1000, time.UTC); !got[4].LoadedAt.Equal(want) {
			t.Errorf("explicit LoadedAt = %v, want %v", got[4].LoadedAt, want)
		}

		latest, err := s.Latest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if latest.ID != got[4].ID || latest.Hash != "h3" || latest.Source == nil || len(latest.Source) != 0 || !latest.LoadedAt.Equal(got[4].LoadedAt) {
			t.Errorf("Latest = %+v, want %+v", latest, got[4])
		}

		list, err := s.List(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		wantHashes := []string{"h3", "h1", "h2", "h1"}
		if len(list) != len(wantHashes) {
			t.Fatalf("List = %+v", list)
		}
		for i, v := range list {
			if v.Hash != wantHashes[i] || v.Source != nil {
				t.Errorf("List[%d] = %+v, want hash %s without source", i, v, wantHashes[i])
			}
		}
		if list[1].Organisation != "Café Express" || list[1].LoadedBy != "bob" || !list[1].LoadedAt.Equal(got[3].LoadedAt) {
			t.Errorf("List[1] = %+v, want %+v", list[1], got[3])
		}
		if short, err := s.List(ctx, 2); err != nil || len(short) != 2 || short[0].Hash != "h3" {
			t.Errorf("List(2) = %+v, %v", short, err)
		}

		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'plan.load'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Errorf("plan.load audit rows = %d, want 4", n)
		}
	})
}

func TestRecordSourceRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := planversion.NewStore(db)
		src := bytes.Repeat([]byte{0, 1, 2, 0xff, 'a'}, 50000)
		if _, _, err := s.Record(ctx, planversion.Version{Hash: "big", Source: src, LoadedBy: "t"}); err != nil {
			t.Fatal(err)
		}
		v, err := s.Latest(ctx)
		if err != nil || !bytes.Equal(v.Source, src) {
			t.Fatalf("Latest source differs (%d bytes, %v)", len(v.Source), err)
		}
		if _, _, err := s.Record(ctx, planversion.Version{LoadedBy: "t"}); err == nil {
			t.Error("Record accepted an empty hash")
		}
	})
}
