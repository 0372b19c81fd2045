package audience

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// seedAudience imports 120 confirmed e-mail subscribers (person000…119,
// even ones on the "delivery" component, every third in English), two SMS
// subscribers, one pending and one unsubscribed e-mail address.
func seedAudience(t *testing.T, s *Store) (pending, unsubscribed int64) {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("channel,address,lang,components\n")
	for i := range 120 {
		comp, lang := "", "fr"
		if i%2 == 0 {
			comp = "delivery|whatsapp-orders"
		}
		if i%3 == 0 {
			lang = "en"
		}
		fmt.Fprintf(&b, "email,Person%03d@Example.org,%s,%s\n", i, lang, comp)
	}
	b.WriteString("sms,06 12 34 56 78,fr,\nsms,+44 7911 123456,en,delivery\n")
	if _, err := s.Import(ctx, strings.NewReader(b.String()), ImportOptions{Source: "shop", Wording: "v1", Langs: []string{"fr", "en"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscribe(ctx, SubscribeInput{Channel: "email", Address: "waiting_100%@example.net", Lang: "fr", Source: "statuspage", Client: "c1", Wording: "v2"}); err != nil {
		t.Fatal(err)
	}
	tok, err := s.Subscribe(ctx, SubscribeInput{Channel: "email", Address: "gone@example.net", Lang: "fr", Source: "statuspage", Wording: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.Confirm(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	p, err := s.Search(ctx, Filter{State: Pending}, 0)
	if err != nil || len(p.Subscribers) != 1 {
		t.Fatalf("pending: %+v %v", p, err)
	}
	return p.Subscribers[0].ID, sub.ID
}

func addresses(subs []Subscriber) []string {
	out := make([]string, len(subs))
	for i, s := range subs {
		out[i] = s.Address
	}
	return out
}

func TestSearchFilters(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := NewStore(db, nil)
		ctx := context.Background()
		pending, gone := seedAudience(t, s)
		for _, c := range []struct {
			name  string
			f     Filter
			count int
			first string
		}{
			{"all", Filter{}, 124, "Person000@example.org"},
			{"channel", Filter{Channel: "sms"}, 2, "+33612345678"},
			{"confirmed", Filter{State: Confirmed}, 122, "Person000@example.org"},
			{"unsubscribed", Filter{State: Unsubscribed}, 1, "gone@example.net"},
			{"component", Filter{Component: "delivery"}, 61, "Person000@example.org"},
			{"component and channel", Filter{Channel: "sms", Component: "delivery"}, 1, "+447911123456"},
			{"unknown component", Filter{Component: "deliv"}, 0, ""},
			{"language", Filter{Lang: "en", Channel: "email"}, 40, "Person000@example.org"},
			{"substring, any case", Filter{Query: "SON11"}, 10, "Person110@example.org"},
			{"prefix", Filter{Query: "person00"}, 10, "Person000@example.org"},
			{"domain", Filter{Query: "@EXAMPLE.NET"}, 2, "waiting_100%@example.net"},
			{"wildcards are literal", Filter{Query: "_100%"}, 1, "waiting_100%@example.net"},
			{"underscore is literal", Filter{Query: "n_"}, 0, ""},
			{"national phone", Filter{Query: "06 12 34"}, 1, "+33612345678"},
			{"international phone", Filter{Query: "+44 7911"}, 1, "+447911123456"},
			{"everything", Filter{Channel: "email", State: Confirmed, Component: "whatsapp-orders", Lang: "en", Query: "person1"}, 3, "Person102@example.org"},
		} {
			p, err := s.Search(ctx, c.f, 500)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(p.Subscribers) != c.count {
				t.Errorf("%s: %d results, want %d: %v", c.name, len(p.Subscribers), c.count, addresses(p.Subscribers))
				continue
			}
			if c.count > 0 && p.Subscribers[0].Address != c.first {
				t.Errorf("%s: first %q, want %q", c.name, p.Subscribers[0].Address, c.first)
			}
		}
		got, err := s.Get(ctx, pending)
		if err != nil || got.ConsentClient != "c1" || got.ConsentWording != "v2" || got.State != Pending {
			t.Fatalf("get pending: %+v %v", got, err)
		}
		counts, err := s.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["email"][Confirmed] != 120 || counts["email"][Pending] != 1 || counts["email"][Unsubscribed] != 1 || counts["sms"][Confirmed] != 2 || len(counts) != 2 {
			t.Fatalf("counts %v", counts)
		}
		for _, bad := range []Filter{{Channel: "pigeon"}, {State: "asleep"}, {Query: strings.Repeat("x", 201)}, {After: -1}} {
			if _, err := s.Search(ctx, bad, 0); !errors.Is(err, ErrBadFilter) {
				t.Errorf("filter %+v: %v", bad, err)
			}
		}
		// An erased person is gone from search and counts.
		if _, err := s.EraseID(ctx, "test", gone); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.Search(ctx, Filter{Query: "gone@"}, 0); len(p.Subscribers) != 0 {
			t.Fatalf("erased person still found: %v", addresses(p.Subscribers))
		}
		if _, err := s.EraseID(ctx, "test", gone); !errors.Is(err, ErrNotFound) {
			t.Fatalf("erase twice: %v", err)
		}
	})
}

func TestSearchPagination(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := NewStore(db, nil)
		ctx := context.Background()
		seedAudience(t, s)
		f := Filter{Channel: "email", State: Confirmed}
		var seen []string
		var pages []Page
		for {
			p, err := s.Search(ctx, f, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Subscribers) > PageSize {
				t.Fatalf("page of %d", len(p.Subscribers))
			}
			pages = append(pages, p)
			seen = append(seen, addresses(p.Subscribers)...)
			if p.Next == 0 {
				break
			}
			if len(pages) > 5 {
				t.Fatal("pagination does not end")
			}
			f.After = p.Next
		}
		if len(pages) != 3 || len(seen) != 120 || seen[0] != "Person000@example.org" || seen[119] != "Person119@example.org" {
			t.Fatalf("%d pages, %d rows: %v…", len(pages), len(seen), seen[:3])
		}
		if pages[0].Prev != 0 || pages[1].Prev == 0 || len(pages[2].Subscribers) != 20 {
			t.Fatalf("cursors: %d/%d, %d/%d, last page %d", pages[0].Prev, pages[0].Next, pages[1].Prev, pages[1].Next, len(pages[2].Subscribers))
		}
		// Going back from the third page gives the second again, in order.
		back, err := s.Search(ctx, Filter{Channel: "email", State: Confirmed, Before: pages[2].Prev}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(addresses(back.Subscribers), ",") != strings.Join(addresses(pages[1].Subscribers), ",") || back.Prev != pages[1].Prev || back.Next != pages[1].Next {
			t.Fatalf("back: %v prev %d next %d", addresses(back.Subscribers)[:2], back.Prev, back.Next)
		}
		// The first page, reached backwards, has no previous page.
		first, _ := s.Search(ctx, Filter{Channel: "email", State: Confirmed, Before: pages[1].Prev}, 0)
		if first.Prev != 0 || first.Next != pages[0].Next || len(first.Subscribers) != PageSize {
			t.Fatalf("first page backwards: prev %d next %d, %d rows", first.Prev, first.Next, len(first.Subscribers))
		}
		// The page size is bounded whatever is asked.
		if p, _ := s.Search(ctx, Filter{}, 1_000_000); len(p.Subscribers) != 124 {
			t.Fatalf("big page: %d", len(p.Subscribers))
		}
		if p, _ := s.Search(ctx, Filter{}, 7); len(p.Subscribers) != 7 || p.Next != p.Subscribers[6].ID {
			t.Fatalf("small page: %d next %d", len(p.Subscribers), p.Next)
		}
	})
}

func TestPhoneQuery(t *testing.T) {
	for in, want := range map[string]string{
		"06 12 34": "+3361234", "+44 7911": "+447911", "0044 79": "+4479",
		"person": "person", "6": "6", "06.12": "+33612", "a1 2": "a1 2",
	} {
		if got := phoneQuery(in); got != want {
			t.Errorf("phoneQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

// fixedNow is a clock for export tests.
func fixedNow() time.Time { return time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC) }
