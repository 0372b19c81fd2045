package audience

import (
	"context"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"06 12 34 56 78": "+33612345678", "+33 6 12 34 56 78": "+33612345678", "0033612345678": "+33612345678",
		"+44 7911 123456": "+447911123456", "(+1) 415-555-2671": "+14155552671",
	} {
		got, err := NormalizePhone(in, "FR")
		if err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"12", "06 12 34", "+33 1", "hello", "+999 123456789"} {
		if got, err := NormalizePhone(bad, "FR"); err == nil {
			t.Errorf("NormalizePhone(%q) = %q, accepted", bad, got)
		}
	}
}

const goodCSV = "channel,address,lang,components\n" +
	"email,Client@Example.ORG,fr,whatsapp-orders|delivery\n" +
	"sms,06 12 34 56 78,fr,\n" +
	"email,client@example.org,en,\n" + // duplicate after normalisation
	"webhook,https://hooks.example.org/vigie,en,\n" +
	"sms,+33 6 12 34 56 78,,\n" // duplicate phone

func TestImport(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := NewStore(db, nil)
		ctx := context.Background()
		opts := ImportOptions{Source: "shop-signup", Wording: "terms-2026", Langs: []string{"fr", "en"}}
		rep, err := s.Import(ctx, strings.NewReader(goodCSV), opts)
		if err != nil || rep.Read != 5 || rep.Added != 3 || rep.Duplicates != 2 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		if n, _ := s.CountConfirmed(ctx); n["email"] != 1 || n["sms"] != 1 || n["webhook"] != 1 {
			t.Fatalf("counts %v", n)
		}
		// One bad line rejects everything...
		bad := "channel,address,lang\nemail,ok@example.org,fr\nsms,12,fr\npigeon,x,fr\nemail,x@example.org,de\npush,\"{\"\"endpoint\"\":\"\"http://push.example/x\"\"}\",fr\n"
		rep, err = s.Import(ctx, strings.NewReader(bad), opts)
		if err == nil || len(rep.Problems) != 4 || !strings.Contains(rep.Problems[3].String(), "line 6, address: subscription endpoint must be an absolute https URL") {
			t.Fatalf("bad file: %+v %v", rep, err)
		}
		if !strings.Contains(rep.Problems[0].String(), "line 3, address") || !strings.Contains(rep.Problems[1].String(), "line 4, channel") || !strings.Contains(rep.Problems[2].String(), "line 5, lang") {
			t.Fatalf("problems %v", rep.Problems)
		}
		if n, _ := s.CountConfirmed(ctx); n["email"] != 1 {
			t.Fatal("a rejected import wrote something")
		}
		// ...unless asked to skip invalid lines.
		opts.SkipInvalid = true
		rep, err = s.Import(ctx, strings.NewReader(bad), opts)
		if err != nil || rep.Added != 1 {
			t.Fatalf("skip invalid: %+v %v", rep, err)
		}
		// An unsubscribed address is not resubscribed by an import.
		sub, _ := s.Subscribe(ctx, SubscribeInput{Channel: "email", Address: "left@example.org", Lang: "fr", Source: "x", Wording: "v"})
		conf, _ := s.Confirm(ctx, sub)
		if err := s.Unsubscribe(ctx, conf.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Import(ctx, strings.NewReader("channel,address\nemail,left@example.org\n"), opts); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(ctx, conf.ID); got.State != Unsubscribed {
			t.Fatalf("import resubscribed an unsubscribed address: %s", got.State)
		}
		if _, err := s.Import(ctx, strings.NewReader("address\nx@example.org\n"), opts); err == nil || !strings.Contains(err.Error(), `"channel"`) {
			t.Fatalf("missing column: %v", err)
		}
	})
}

func TestEraseLeavesOnlyATombstone(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := NewStore(db, nil)
		ctx := context.Background()
		opts := ImportOptions{Source: "shop", Wording: "v1", Langs: []string{"fr"}}
		if _, err := s.Import(ctx, strings.NewReader("channel,address\nemail,Person@Example.org\nsms,06 12 34 56 78\n"), opts); err != nil {
			t.Fatal(err)
		}
		found, err := s.Erase(ctx, "email", "person@example.org")
		if err != nil || !found {
			t.Fatalf("erase: %v %v", found, err)
		}
		var n int
		if err := db.SQL().QueryRow(db.Rebind(`SELECT COUNT(*) FROM subscribers WHERE address LIKE ?`), "%erson%").Scan(&n); err != nil || n != 0 {
			t.Fatalf("address still stored: %d %v", n, err)
		}
		rep, err := s.Import(ctx, strings.NewReader("channel,address\nemail,PERSON@example.org\nemail,other@example.org\n"), opts)
		if err != nil || rep.Erased != 1 || rep.Added != 1 {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
		if found, err := s.Erase(ctx, "email", "nobody@example.org"); err != nil || found {
			t.Fatalf("erase unknown: %v %v", found, err)
		}
		if _, err := s.Erase(ctx, "email", "not an address"); err == nil {
			t.Fatal("bad address accepted")
		}
	})
}
