package audience

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/internal/channel/webpush"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func TestExportCSV(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := NewStore(db, fixedNow)
		ctx := context.Background()
		seedAudience(t, s)
		var buf bytes.Buffer
		n, err := s.Export(ctx, &buf, Filter{Channel: "sms"})
		if err != nil || n != 2 {
			t.Fatalf("export: %d %v", n, err)
		}
		want := "channel,address,lang,components,state,consent_source,consent_at,consent_wording,confirmed_at,contact\n" +
			"sms,+33612345678,fr,,confirmed,shop,2026-03-01T09:30:00Z,v1,2026-03-01T09:30:00Z,\n" +
			"sms,+447911123456,en,delivery,confirmed,shop,2026-03-01T09:30:00Z,v1,2026-03-01T09:30:00Z,\n"
		if buf.String() != want {
			t.Fatalf("export:\n%s\nwant:\n%s", buf.String(), want)
		}
		// Every state by default; more rows than one batch, in id order.
		buf.Reset()
		if n, err := s.Export(ctx, &buf, Filter{After: 99999}); err != nil || n != 124 {
			t.Fatalf("export all: %d %v", n, err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(recs) != 125 {
			t.Fatalf("csv: %d %v", len(recs), err)
		}
		if recs[1][1] != "Person000@example.org" || recs[1][3] != "delivery|whatsapp-orders" || recs[123][1] != "waiting_100%@example.net" || recs[123][4] != "pending" || recs[123][8] != "" {
			t.Fatalf("rows: %v / %v", recs[1], recs[123])
		}
		if _, err := s.Export(ctx, &buf, Filter{State: "asleep"}); err == nil {
			t.Fatal("bad filter exported")
		}
	})
}

// TestExportImportRoundTrip: an export imported into an empty database
// gives the same confirmed subscribers with their consent record; pending
// and unsubscribed people are not confirmed by it, erased ones are absent.
func TestExportImportRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := NewStore(db, fixedNow)
		ctx := context.Background()
		seedAudience(t, s)
		// Addresses a spreadsheet would take for formulas or strip, as the
		// public subscription form accepts them.
		for _, addr := range []string{"'quoted@example.org", "=1+2@example.org"} {
			tok, err := s.Subscribe(ctx, SubscribeInput{Channel: "email", Address: addr, Lang: "en", Source: "statuspage", Wording: "v2"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Confirm(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Import(ctx, strings.NewReader("channel,address\ntelegram,-100123\n"), ImportOptions{Source: "=cmd", Wording: "v1"}); err != nil {
			t.Fatal(err)
		}
		// A browser subscribed on the status page (web push).
		key, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		browser := webpush.Subscription{Endpoint: "https://push.example/send/abc", P256DH: base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()),
			Auth: base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef"))}.JSON()
		if err := s.AddBrowser(ctx, browser, "fr", []string{"delivery"}, "client", "v3"); err != nil {
			t.Fatal(err)
		}
		if found, err := s.Erase(ctx, "email", "person007@example.org"); err != nil || !found {
			t.Fatalf("erase: %v %v", found, err)
		}
		var buf bytes.Buffer
		if _, err := s.Export(ctx, &buf, Filter{}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.Contains(strings.ToLower(out), "person007") {
			t.Fatal("an erased person was exported")
		}
		for _, cell := range []string{",'=1+2@example.org,", ",'=cmd,", ",''quoted@example.org,", ",-100123,"} {
			if !strings.Contains(out, cell) {
				t.Errorf("export lacks %s:\n%s", cell, out)
			}
		}

		fresh := NewStore(storetest.OpenSQLite(t, true), nil)
		rep, err := fresh.Import(ctx, strings.NewReader(out), ImportOptions{Source: "migration", Wording: "unused", Langs: []string{"fr", "en"}})
		if err != nil {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
		if rep.NotConfirmed != 2 || rep.Added != 119+2+3+1 {
			t.Fatalf("re-import report: %+v", rep)
		}
		before, _ := s.CountConfirmed(ctx)
		after, _ := fresh.CountConfirmed(ctx)
		if len(before) != 4 || before["email"] != after["email"] || before["sms"] != after["sms"] || before["telegram"] != after["telegram"] || after["push"] != 1 {
			t.Fatalf("confirmed counts: before %v, after %v", before, after)
		}
		var again bytes.Buffer
		if _, err := fresh.Export(ctx, &again, Filter{State: Confirmed}); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if _, err := s.Export(ctx, &buf, Filter{State: Confirmed}); err != nil {
			t.Fatal(err)
		}
		if again.String() != buf.String() {
			t.Fatalf("the round trip changed the confirmed subscribers:\n%s\n---\n%s", buf.String(), again.String())
		}
	})
}

func TestNeutralize(t *testing.T) {
	for in, want := range map[string]string{
		"a@example.org": "a@example.org", "+33612345678": "+33612345678", "-100123": "-100123",
		"=1+2": "'=1+2", "@SUM(A1)": "'@SUM(A1)", "+cmd": "'+cmd", "-": "'-", "'x": "''x", "\tx": "'\tx", "": "",
	} {
		got := neutralize(in)
		if got != want {
			t.Errorf("neutralize(%q) = %q, want %q", in, got, want)
		}
		if back := unneutralize(got); back != in {
			t.Errorf("unneutralize(%q) = %q, want %q", got, back, in)
		}
	}
}
