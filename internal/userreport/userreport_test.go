package userreport

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func TestAddDedupAndCount(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 25, 15, 40, 0, 0, time.UTC)
		s := NewStore(db, func() time.Time { return now })
		ctx := context.Background()
		for i, tc := range []struct {
			dep, client string
			want        bool
		}{
			{"whatsapp", "a", true}, {"whatsapp", "a", false}, {"whatsapp", "b", true}, {"instagram", "a", true},
		} {
			got, err := s.Add(ctx, tc.dep, "send", tc.client)
			if err != nil || got != tc.want {
				t.Fatalf("#%d Add(%s, %s) = %v, %v; want %v", i, tc.dep, tc.client, got, err, tc.want)
			}
		}
		now = now.Add(DedupWindow + time.Minute)
		if got, _ := s.Add(ctx, "whatsapp", "", "a"); !got {
			t.Fatal("report after the dedup window was dropped")
		}
		counts, err := s.CountSince(ctx, now.Add(-30*time.Minute))
		if err != nil || counts["whatsapp"] != 3 || counts["instagram"] != 1 {
			t.Fatalf("counts %v %v", counts, err)
		}
		per, err := s.PerMinute(ctx, "whatsapp", now.Add(-20*time.Minute))
		if err != nil || len(per) != 21 || per[0]+per[len(per)-1] != 1 {
			t.Fatalf("per minute %v %v", per, err)
		}
		if _, err := s.Add(ctx, "", "", "x"); err == nil {
			t.Fatal("empty dependency accepted")
		}
	})
}
