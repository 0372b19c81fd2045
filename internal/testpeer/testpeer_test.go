package testpeer

import (
	"context"
	"net/smtp"
	"strings"
	"testing"
)

// Each peer starts, answers, and is stopped at the end of the test.
func TestPeersStart(t *testing.T) {
	ctx := context.Background()
	t.Run("mailpit", func(t *testing.T) {
		m := StartMailpit(t)
		msg := "From: a@example.org\r\nTo: b@example.org\r\nSubject: essai\r\n\r\nbonjour\r\n"
		if err := smtp.SendMail(m.SMTPAddr, nil, "a@example.org", []string{"b@example.org"}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		got, err := m.Messages(ctx)
		if err != nil || len(got) != 1 || got[0].Subject != "essai" || got[0].To[0].Address != "b@example.org" {
			t.Fatalf("messages %+v %v", got, err)
		}
		raw, err := m.Raw(ctx, got[0].ID)
		if err != nil || !strings.Contains(raw, "bonjour") {
			t.Fatalf("raw %q %v", raw, err)
		}
	})
	t.Run("web-push-testing", func(t *testing.T) {
		p := StartWebPush(t)
		// An application server key that is not a P-256 point is refused.
		if _, _, err := p.Subscribe(ctx, "not-a-key"); err == nil {
			t.Fatal("subscribed with an invalid application server key")
		}
	})
	t.Run("telegram-test-api", func(t *testing.T) {
		tg := StartTelegram(t)
		got, err := tg.BotMessages(ctx, "123:abc")
		if err != nil || len(got) != 0 {
			t.Fatalf("history %+v %v", got, err)
		}
	})
}
