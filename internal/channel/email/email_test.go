package email

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/email/emailtest"
	"github.com/vigie-hq/vigie/internal/deliver"
)

func TestSendOverSMTP(t *testing.T) {
	srv := emailtest.Start(t)
	s, err := New("smtp://vigie:s3cret@"+srv.Addr(), "Vigie <alerts@cafe-express.fr>")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), Mail{To: "lea@cafe-express.fr", Subject: "Panne WhatsApp : rôle technique", Body: "- Confirmer le périmètre\n- Vérifier les SMS"})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages", len(got))
	}
	msg := got[0].Data
	for _, want := range []string{"To: <lea@cafe-express.fr>", "Subject: =?utf-8?q?", "Content-Type: text/plain; charset=utf-8", "- Confirmer le p\u00e9rim\u00e8tre\r\n"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if len(srv.Auth()) != 1 {
		t.Errorf("no AUTH PLAIN")
	}
}

func TestSendErrors(t *testing.T) {
	srv := emailtest.Start(t)
	srv.SetReject("nobody@")
	s, _ := New(srv.URL(), "alerts@cafe-express.fr")
	if err := s.Send(context.Background(), Mail{To: "nobody@cafe-express.fr", Subject: "x", Body: "y"}); err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("rejected recipient: %v", err)
	}
	if err := s.Send(context.Background(), Mail{To: "not an address", Subject: "x"}); err == nil {
		t.Fatal("bad address accepted")
	}
	if err := s.Send(context.Background(), Mail{To: "a@b.c", Subject: "x\r\nBcc: evil@example.com"}); err == nil {
		t.Fatal("header injection accepted")
	}
	stalled := emailtest.Start(t)
	stalled.SetStall(true)
	s2, _ := New(stalled.URL(), "alerts@cafe-express.fr")
	s2.timeout = 300 * time.Millisecond
	start := time.Now()
	if err := s2.Send(context.Background(), Mail{To: "a@b.c", Subject: "x", Body: "y"}); err == nil {
		t.Fatal("stalled server: no error")
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("timeout not applied: %s", time.Since(start))
	}
	for _, bad := range []string{"http://x", "smtp://", "::"} {
		if _, err := New(bad, "a@b.c"); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
}

func TestBulkSendsOverReusedConnections(t *testing.T) {
	srv := emailtest.Start(t)
	srv.SetReject("gone@")
	s, err := New(srv.URL(), "Café Express <alertes@cafe-express.fr>")
	if err != nil {
		t.Fatal(err)
	}
	b := NewBulk(s, 2, 10)
	defer b.Close()
	items := []deliver.Item{
		{Key: "k1", Address: "a@example.org", Lang: "fr", Subject: "Panne WhatsApp", Text: "Commandez par SMS.", UnsubscribeURL: "https://status.example/unsubscribe?id=1&sig=x"},
		{Key: "k2", Address: "gone@example.org", Lang: "fr", Subject: "Panne WhatsApp", Text: "x"},
		{Key: "k3", Address: "not an address", Text: "x"},
		{Key: "k4", Address: "b@example.org", Lang: "en", Subject: "WhatsApp outage", Text: "Order by text."},
	}
	res := b.Send(context.Background(), items)
	got := map[string]deliver.Result{}
	for _, r := range res {
		got[r.Key] = r
	}
	if len(got) != 4 || got["k1"].Err != nil || got["k4"].Err != nil {
		t.Fatalf("results %+v", res)
	}
	if got["k2"].Err == nil || !got["k2"].Permanent || got["k3"].Err == nil || !got["k3"].Permanent {
		t.Fatalf("rejected recipients must fail permanently: %+v %+v", got["k2"], got["k3"])
	}
	// A second batch reuses the pooled connection.
	if res := b.Send(context.Background(), items[:1]); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	msgs := srv.Wait(3, 5*time.Second)
	if len(msgs) != 3 {
		t.Fatalf("%d messages at the server", len(msgs))
	}
	first := msgs[0].Data
	for _, want := range []string{"List-Unsubscribe: <https://status.example/unsubscribe?id=1&sig=x>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Message-ID: <k1@cafe-express.fr>", "Ne plus recevoir ces alertes"} {
		if !strings.Contains(first, want) {
			t.Errorf("first message lacks %q:\n%s", want, first)
		}
	}
}

// Lines that start with a dot survive the trip (RFC 5321 dot-stuffing),
// in a pipelined batch as in a lone message.
func TestBulkDotStuffing(t *testing.T) {
	srv := emailtest.Start(t)
	s, err := New(srv.URL(), "Café Express <alertes@cafe-express.fr>")
	if err != nil {
		t.Fatal(err)
	}
	b := NewBulk(s, 1, 10)
	defer b.Close()
	text := "Bonjour,\n.\n..deux points\n.un point\nfin."
	var items []deliver.Item
	for i := range 3 {
		items = append(items, deliver.Item{Key: fmt.Sprintf("k%d", i), Address: fmt.Sprintf("c%d@example.org", i), Lang: "fr", Subject: "Panne", Text: text})
	}
	for _, r := range b.Send(context.Background(), items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	msgs := srv.Wait(3, 5*time.Second)
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	for _, m := range msgs {
		if !strings.Contains(m.Data, "Bonjour,\r\n.\r\n..deux points\r\n.un point\r\nfin.") {
			t.Fatalf("%v received:\n%s", m.To, m.Data)
		}
	}
}
