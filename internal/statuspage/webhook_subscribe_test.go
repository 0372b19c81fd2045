package statuspage

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/channel/webhook"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/userreport"
)

// TestSubscribeWebhook: a visitor subscribes a webhook URL; the URL gets one
// signed confirmation request and nothing else until its owner posts the
// token back; then the subscriber is confirmed.
func TestSubscribeWebhook(t *testing.T) {
	secret := []byte("webhook-signing-secret-0123456789")
	var (
		mu       sync.Mutex
		received []WebhookConfirmation
		badSig   int
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := webhook.Verify(secret, r.Header.Get("X-Vigie-Timestamp"), r.Header.Get("X-Vigie-Signature"), body, time.Now(), 5*time.Minute); err != nil {
			badSig++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var c WebhookConfirmation
		if err := json.Unmarshal(body, &c); err != nil {
			t.Errorf("confirmation body %s: %v", body, err)
		}
		received = append(received, c)
	}))
	defer receiver.Close()

	db := storetest.OpenSQLite(t, true)
	p, _, _ := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	hooks, err := webhook.New(webhook.Options{Secret: secret, AllowPrivate: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	subs := audience.NewStore(db, nil)
	mux := http.NewServeMux()
	hs := httptest.NewServer(mux)
	defer hs.Close()
	page := New(Options{Source: incident.NewService(db, func() *plan.Plan { return p }, incident.Options{}), Reports: userreport.NewStore(db, nil),
		Plan: func() *plan.Plan { return p }, BaseURL: hs.URL, Subscribers: subs, Hooks: hooks, Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err := page.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	page.Routes(mux)
	_, pageBody := get(t, hs.URL+"/en/")
	if !strings.Contains(string(pageBody), `name="webhook_url"`) || strings.Contains(string(pageBody), `name="email"`) {
		t.Fatal("a webhook-only instance should offer the webhook field and no e-mail field")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	post := func(form url.Values) int {
		resp, err := client.PostForm(hs.URL+"/subscribe", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, bad := range []string{"", "ftp://example.org/x", "not a url", "https:///nohost"} {
		if code := post(url.Values{"channel": {"webhook"}, "webhook_url": {bad}, "consent": {"yes"}, "lang": {"en"}}); code != http.StatusUnprocessableEntity {
			t.Errorf("webhook_url %q: %d, want 422", bad, code)
		}
	}
	if code := post(url.Values{"channel": {"email"}, "email": {"a@example.org"}, "consent": {"yes"}, "lang": {"en"}}); code != http.StatusUnprocessableEntity {
		t.Errorf("e-mail on a webhook-only instance: %d, want 422", code)
	}
	if code := post(url.Values{"channel": {"webhook"}, "webhook_url": {receiver.URL + "/hooks/vigie"}, "consent": {"yes"}, "lang": {"en"}}); code != http.StatusSeeOther {
		t.Fatalf("subscribe: %d", code)
	}
	mu.Lock()
	got := append([]WebhookConfirmation(nil), received...)
	mu.Unlock()
	if len(got) != 1 || got[0].Type != "subscription_confirmation" || got[0].Token == "" || !strings.HasPrefix(got[0].ConfirmURL, hs.URL+"/subscribe/confirm?token=") || badSig != 0 {
		t.Fatalf("confirmation requests: %+v (bad signatures %d)", got, badSig)
	}
	if n, _ := subs.CountConfirmed(context.Background()); n["webhook"] != 0 {
		t.Fatalf("webhook confirmed before its owner answered: %v", n)
	}
	resp, err := client.PostForm(hs.URL+"/subscribe/confirm", url.Values{"token": {got[0].Token}, "lang": {"en"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	if n, _ := subs.CountConfirmed(context.Background()); n["webhook"] != 1 {
		t.Fatalf("confirmed webhooks: %v", n)
	}
	// Subscribing the same URL again sends nothing (no enumeration, no spam).
	if code := post(url.Values{"channel": {"webhook"}, "webhook_url": {receiver.URL + "/hooks/vigie"}, "consent": {"yes"}, "lang": {"en"}}); code != http.StatusSeeOther {
		t.Fatalf("subscribe again: %d", code)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(received) != 1 {
		t.Fatalf("%d confirmation requests after subscribing a confirmed URL again", len(received))
	}
}
