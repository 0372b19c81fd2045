package email

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/testpeer"
)

// Through Mailpit, a real SMTP server: a bulk send of 120 personalised
// messages over pooled connections arrives whole, each once, and every
// message's DKIM signature (both algorithms) verifies on what the server
// stored.
func TestBulkThroughMailpitWithDKIM(t *testing.T) {
	for algo, key := range testKeys(t) {
		t.Run(algo, func(t *testing.T) {
			mp := testpeer.StartMailpit(t)
			s, err := New(mp.SMTPURL(), "Café Express <alertes@cafe-express.fr>")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.WithDKIM("cafe-express.fr", "vigie", key); err != nil {
				t.Fatal(err)
			}
			b := NewBulk(s, 4, 25)
			defer b.Close()
			var items []deliver.Item
			for i := range 120 {
				items = append(items, deliver.Item{Key: fmt.Sprintf("k%d", i), Address: fmt.Sprintf("client%03d@clients.example", i), Lang: "fr",
					Subject: "Panne WhatsApp", Text: fmt.Sprintf("Bonjour client %d,\n\nWhatsApp est en panne : commandez par SMS.", i),
					UnsubscribeURL: fmt.Sprintf("https://status.example/unsubscribe?id=%d&sig=x", i)})
			}
			for _, r := range b.Send(context.Background(), items) {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			list, err := mp.Messages(ctx)
			if err != nil || len(list) != len(items) {
				t.Fatalf("%d messages stored, want %d (%v)", len(list), len(items), err)
			}
			seen := map[string]bool{}
			for _, m := range list[:10] { // verifying all would only repeat the same check
				raw, err := mp.Raw(ctx, m.ID)
				if err != nil {
					t.Fatal(err)
				}
				if v := verify(t, key, raw); v.Err != nil {
					t.Fatalf("%s: %v\n%s", m.To[0].Address, v.Err, raw)
				}
				var n int
				fmt.Sscanf(m.To[0].Address, "client%d@", &n)
				if !strings.Contains(raw, fmt.Sprintf("Bonjour client %d,", n)) {
					t.Fatalf("%s got another person's text:\n%s", m.To[0].Address, raw)
				}
			}
			for _, m := range list {
				if seen[m.To[0].Address] {
					t.Fatalf("%s received twice", m.To[0].Address)
				}
				seen[m.To[0].Address] = true
			}
		})
	}
}
