package email

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"

	"github.com/vigie-hq/vigie/internal/channel/email/dkim"
	"github.com/vigie-hq/vigie/internal/channel/email/emailtest"
	"github.com/vigie-hq/vigie/internal/deliver"
)

// rsaKey is generated once: a 2048-bit key takes a noticeable time.
var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func testKeys(t testing.TB) map[string]crypto.Signer {
	t.Helper()
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"rsa-sha256": rsaKey(), "ed25519-sha256": ed}
}

// verify checks msg as a receiver would, with the key's record served for
// vigie._domainkey.cafe-express.fr; it returns the one verification.
func verify(t *testing.T, key crypto.Signer, msg string) *msgauth.Verification {
	t.Helper()
	record, err := dkim.DNSRecord(key)
	if err != nil {
		t.Fatal(err)
	}
	opts := &msgauth.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
		if name != "vigie._domainkey.cafe-express.fr" {
			return nil, errors.New("no such record " + name)
		}
		return []string{record}, nil
	}}
	vs, err := msgauth.VerifyWithOptions(strings.NewReader(msg), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 {
		t.Fatalf("%d signatures, want 1:\n%s", len(vs), msg)
	}
	return vs[0]
}

func TestDKIMSignedOverSMTP(t *testing.T) {
	signedAt := time.Date(2025, 6, 3, 9, 30, 0, 0, time.UTC)
	for algo, key := range testKeys(t) {
		t.Run(algo, func(t *testing.T) {
			srv := emailtest.Start(t)
			s, err := New(srv.URL(), "Café Express <alertes@cafe-express.fr>")
			if err != nil {
				t.Fatal(err)
			}
			s.now = func() time.Time { return signedAt }
			if err := s.WithDKIM("cafe-express.fr", "vigie", key); err != nil {
				t.Fatal(err)
			}
			unsub := "https://status.example/unsubscribe?id=7&sig=x"
			if err := s.Send(context.Background(), Mail{To: "lea@example.org", Subject: "Panne WhatsApp : rôle technique", Body: "Bonjour,\n\nWhatsApp est en panne.   Commandez   par SMS.\t\n", UnsubscribeURL: unsub, Lang: "fr"}); err != nil {
				t.Fatal(err)
			}
			b := NewBulk(s, 1, 10)
			defer b.Close()
			res := b.Send(context.Background(), []deliver.Item{
				{Key: "k1", Address: "a@example.org", Lang: "fr", Subject: "Panne WhatsApp", Text: "Commandez par SMS.", UnsubscribeURL: unsub},
				{Key: "k2", Address: "b@example.org", Lang: "en", Subject: "WhatsApp outage", Text: strings.Repeat("Order by text ", 200)},
			})
			for _, r := range res {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
			}
			msgs := srv.Wait(3, 5*time.Second)
			if len(msgs) != 3 {
				t.Fatalf("%d messages at the server", len(msgs))
			}
			for i, m := range msgs {
				v := verify(t, key, m.Data)
				if v.Err != nil {
					t.Fatalf("message %d: %v\n%s", i, v.Err, m.Data)
				}
				if v.Domain != "cafe-express.fr" || !v.Time.Equal(signedAt) {
					t.Errorf("message %d: d=%s t=%s", i, v.Domain, v.Time)
				}
				if !strings.Contains(m.Data, "a="+algo+";") {
					t.Errorf("message %d is not signed with %s", i, algo)
				}
				for _, h := range []string{"from", "to", "subject", "date", "message-id", "mime-version", "content-type", "list-unsubscribe", "list-unsubscribe-post"} {
					if !slices.Contains(v.HeaderKeys, h) {
						t.Errorf("message %d: h= lacks %s: %v", i, h, v.HeaderKeys)
					}
				}
				// Signed messages are 7-bit clean, so no relay rewrites them.
				for j := 0; j < len(m.Data); j++ {
					if m.Data[j] >= 0x80 {
						t.Fatalf("message %d has 8-bit data at %d", i, j)
					}
				}
			}

			// The first message has a one-click header: changing the body,
			// the header, or putting a second one on top breaks the signature.
			orig := msgs[0].Data
			if !strings.Contains(orig, "List-Unsubscribe: <"+unsub+">") {
				t.Fatalf("no List-Unsubscribe:\n%s", orig)
			}
			tampered := map[string]string{
				"body":                    strings.Replace(orig, "Commandez", "Commandes", 1),
				"body whitespace kept":    strings.Replace(orig, "Bonjour,", "Bonjour ,", 1),
				"List-Unsubscribe":        strings.Replace(orig, "id=7&sig=x>", "id=8&sig=x>", 1),
				"List-Unsubscribe-Post":   strings.Replace(orig, "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "List-Unsubscribe-Post: List-Unsubscribe=Nope", 1),
				"second List-Unsubscribe": "List-Unsubscribe: <https://evil.example/>\r\n" + orig,
				"subject":                 strings.Replace(orig, "Subject: =?utf-8?q?Panne", "Subject: =?utf-8?q?Pann", 1),
			}
			for name, msg := range tampered {
				if msg == orig {
					t.Fatalf("%s: the tampering changed nothing", name)
				}
				if v := verify(t, key, msg); v.Err == nil {
					t.Errorf("tampered %s still verifies", name)
				}
			}
			// Relaxed canonicalisation tolerates what relays do to
			// whitespace: refolding a header, trailing spaces in the body.
			refolded := strings.Replace(orig, "Content-Type: multipart/alternative; boundary=", "Content-Type: multipart/alternative;\r\n\tboundary=", 1)
			if refolded == orig {
				t.Fatal("refolding changed nothing")
			}
			if v := verify(t, key, refolded); v.Err != nil {
				t.Errorf("refolded header: %v", v.Err)
			}
		})
	}
}

func TestWithDKIMErrors(t *testing.T) {
	s, _ := New("smtp://127.0.0.1:2525", "alertes@cafe-express.fr")
	short, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for _, tt := range []struct {
		domain, selector string
		key              crypto.Signer
		want             string
	}{
		{"cafe-express.fr", "vigie", short, "1024 bits"},
		{"other.example", "vigie", ed, "does not cover the sender"},
		{"express.fr", "vigie", ed, "does not cover the sender"}, // a suffix, not a parent domain
		{"cafe-express.fr", "", ed, "selector is empty"},
		{"cafe-express.fr", "a b", ed, "selector"},
	} {
		if err := s.WithDKIM(tt.domain, tt.selector, tt.key); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("WithDKIM(%q, %q): %v, want %q", tt.domain, tt.selector, err, tt.want)
		}
	}
	if s.signer != nil {
		t.Fatal("a failed WithDKIM left a signer")
	}
	// A subdomain sender is covered by its parent domain.
	s2, _ := New("smtp://127.0.0.1:2525", "alertes@mail.cafe-express.fr")
	if err := s2.WithDKIM("cafe-express.fr", "vigie", ed); err != nil {
		t.Fatal(err)
	}
}

func TestUnsignedMessagesStay8bit(t *testing.T) {
	s, _ := New("smtp://127.0.0.1:2525", "alertes@cafe-express.fr")
	msg := mustMessage(t, s, Mail{To: "a@example.org", Subject: "x", Body: "Vérifier les SMS"})
	if !bytes.Contains(msg, []byte("Content-Transfer-Encoding: 8bit\r\n\r\nVérifier les SMS\r\n")) {
		t.Fatalf("unsigned text part is not plain 8bit:\n%s", msg)
	}
	if bytes.Contains(msg, []byte("DKIM-Signature")) {
		t.Fatal("signed without a key")
	}
}
