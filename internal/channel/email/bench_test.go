package email

import (
	"net/mail"
	"strings"
	"testing"
)

// BenchmarkMessage measures building one bulk message (text + HTML parts,
// headers) with and without its DKIM signature; the body is the ~1.6 KB
// alert of bench/smtpbulk. Run with:
//
//	go test -run '^$' -bench Message -benchmem ./internal/channel/email
func BenchmarkMessage(b *testing.B) {
	body := "Bonjour client 42,\n" + strings.Repeat("WhatsApp rencontre une panne. Commandez par SMS au 06 00 00 12 34 ou sur https://cafe-express.fr/commande. ", 16)
	m := Mail{To: "client42@example.org", Subject: "Panne WhatsApp", Body: body, Lang: "fr", UnsubscribeURL: "https://status.example/unsubscribe?id=42&sig=x",
		Headers: map[string]string{"Message-ID": "<0123456789abcdef@cafe-express.fr>"}}
	keys := testKeys(b)
	for _, algo := range []string{"unsigned", "ed25519-sha256", "rsa-sha256"} {
		b.Run(algo, func(b *testing.B) {
			s, _ := New("smtp://127.0.0.1:2525", "Café Express <alertes@cafe-express.fr>")
			if key, ok := keys[algo]; ok {
				if err := s.WithDKIM("cafe-express.fr", "vigie", key); err != nil {
					b.Fatal(err)
				}
			}
			from, _ := mail.ParseAddress(s.from)
			to, _ := mail.ParseAddress(m.To)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.message(from, to, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
