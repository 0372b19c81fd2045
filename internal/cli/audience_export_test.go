package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/store"
)

// TestAudienceExportImportRoundTrip: what vigie audience export writes,
// vigie audience import reads into a fresh data directory with the same
// confirmed subscribers; erased people are absent, pending and
// unsubscribed ones are not confirmed by the import.
func TestAudienceExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	data, fresh, csvPath, exported := filepath.Join(dir, "data"), filepath.Join(dir, "fresh"), filepath.Join(dir, "people.csv"), filepath.Join(dir, "out", "audience.csv")
	people := "channel,address,lang,components\n" +
		"email,anna@example.org,fr,whatsapp-orders\nemail,bruno@example.org,en,\nemail,chloe@example.org,fr,\n" +
		"sms,06 12 34 56 78,fr,\nsms,06 98 76 54 32,fr,delivery\ntelegram,123456789,fr,\n"
	if err := os.WriteFile(csvPath, []byte(people), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errw := runIn(t, "", "audience", "import", csvPath, "--data", data, "--source", "order form", "--wording", "cgv-2026-03"); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errw)
	}
	// A pending and an unsubscribed person, as the status page leaves them.
	func() {
		db, err := store.Open(t.Context(), store.Options{SQLitePath: filepath.Join(data, "vigie.db")})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s := audience.NewStore(db, nil)
		ctx := context.Background()
		if _, err := s.Subscribe(ctx, audience.SubscribeInput{Channel: "email", Address: "pending@example.org", Lang: "fr", Source: "statuspage", Wording: "v2"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OptOut(ctx, "email", "chloe@example.org"); err != nil {
			t.Fatal(err)
		}
	}()
	if code, out, errw := runIn(t, "", "audience", "erase", "--data", data, "--channel", "email", "--address", "bruno@example.org"); code != 0 {
		t.Fatalf("erase: %d %s %s", code, out, errw)
	}
	if err := os.MkdirAll(filepath.Dir(exported), 0o700); err != nil {
		t.Fatal(err)
	}
	code, out, errw := runIn(t, "", "audience", "export", "--data", data, exported)
	if code != 0 || out != "" || !strings.Contains(errw, "6 subscribers written to") {
		t.Fatalf("export: %d %q %q", code, out, errw)
	}
	fi, err := os.Stat(exported)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("exported file: %v %v", fi, err)
	}
	b, _ := os.ReadFile(exported)
	csv := string(b)
	if !strings.HasPrefix(csv, "channel,address,lang,components,state,consent_source,consent_at,consent_wording,confirmed_at,contact\n") ||
		!strings.Contains(csv, "\nemail,anna@example.org,fr,whatsapp-orders,confirmed,order form,") || !strings.Contains(csv, ",unsubscribed,") || !strings.Contains(csv, ",pending,statuspage,") {
		t.Fatalf("exported CSV:\n%s", csv)
	}
	if strings.Contains(csv, "bruno") {
		t.Fatalf("an erased person was exported:\n%s", csv)
	}

	code, out, errw = runIn(t, "", "audience", "import", exported, "--data", fresh, "--source", "migration", "--wording", "unused")
	if code != 0 || !strings.Contains(out, "4 imported") || !strings.Contains(out, "2 not confirmed") {
		t.Fatalf("import of the export: %d %s %s", code, out, errw)
	}
	_, before, _ := runIn(t, "", "audience", "count", "--data", data)
	_, after, _ := runIn(t, "", "audience", "count", "--data", fresh)
	if before != after || !strings.Contains(after, "email      1") || !strings.Contains(after, "sms        2") || !strings.Contains(after, "telegram   1") {
		t.Fatalf("confirmed counts: before\n%s\nafter\n%s", before, after)
	}
	// The consent record travels: the second export of confirmed people
	// is the first one's confirmed lines.
	_, first, _ := runIn(t, "", "audience", "export", "--data", data, "--state", "confirmed")
	_, second, _ := runIn(t, "", "audience", "export", "--data", fresh, "--state", "confirmed", "-")
	if first != second || strings.Count(first, "\n") != 5 {
		t.Fatalf("confirmed exports differ:\n%s\n---\n%s", first, second)
	}
	code, out, _ = runIn(t, "", "audience", "export", "--data", data, "--channel", "SMS")
	if code != 0 || strings.Count(out, "\n") != 3 || strings.Contains(out, "email,") {
		t.Fatalf("export --channel sms: %d\n%s", code, out)
	}
	if code, _, errw := runIn(t, "", "audience", "export", "--data", data, "--state", "asleep"); code != 2 || !strings.Contains(errw, "unknown state") {
		t.Fatalf("bad state: %d %s", code, errw)
	}
}
