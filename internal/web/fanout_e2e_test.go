package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/app"
	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/channel/twilio/twiliotest"
	"github.com/vigie-hq/vigie/internal/channel/webhook"
	"github.com/vigie-hq/vigie/internal/channel/webpush"
	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/testpeer"
)

// The generated audience of the five-channel test.
const (
	fanEmail    = 300
	fanSMS      = 200
	fanPush     = 60
	fanWebhook  = 40
	fanTelegram = 100
)

// hookSink is the shop's webhook receivers: every request is checked
// against the signing secret and counted per path.
type hookSink struct {
	secret []byte
	mu     sync.Mutex
	got    map[string][]string
	bad    int
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	err := webhook.Verify(h.secret, r.Header.Get("X-Vigie-Timestamp"), r.Header.Get("X-Vigie-Signature"), body, time.Now(), 0)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	h.got[r.URL.Path] = append(h.got[r.URL.Path], string(body))
	w.WriteHeader(http.StatusNoContent)
}

// fanoutPlan is the Café Express plan with its SMS, push and Telegram
// channels pointed at the local peers.
func fanoutPlan(t *testing.T, twilioURL, telegramURL string) string {
	t.Helper()
	b, err := examples.FS.ReadFile("cafe-express/plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, r := range [][2]string{
		{"      from: \"+33600001234\"\n", "      from: \"+33600001234\"\n      base_url: " + twilioURL + "\n"},
		{"vapid_private_key: {file: /run/secrets/vapid_private_key}", "vapid_private_key: {env: VAPID_PRIVATE_KEY}"},
		{"      channel: \"@CafeExpressLyon\"\n", "      channel: \"@CafeExpressLyon\"\n      base_url: " + telegramURL + "\n"},
	} {
		if strings.Count(text, r[0]) != 1 {
			t.Fatalf("the example plan no longer has exactly one %q", r[0])
		}
		text = strings.Replace(text, r[0], r[1], 1)
	}
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCrisisRoomReachesTheAudienceOnFiveChannels is the fan-out end to
// end: a generated Café Express audience (e-mail, SMS, web push, webhook,
// Telegram, in French and English) and the real local peers — Mailpit
// for SMTP, web-push-testing as the browsers' push service (it checks
// VAPID and decrypts each message), telegram-test-api as Telegram's Bot
// API, signed-webhook receivers, and the Twilio double (Twilio has no
// local server). Marie declares the WhatsApp outage in the console and
// publishes the acknowledgements from the crisis room; every recipient
// gets exactly one message in their language, Twilio's delivery receipts
// come back, a browser that unsubscribed meanwhile (the push service
// answers 410) is dropped from the audience, and the crisis room shows the
// reach per channel.
func TestCrisisRoomReachesTheAudienceOnFiveChannels(t *testing.T) {
	ctx := context.Background()
	mail := testpeer.StartMailpit(t)
	push := testpeer.StartWebPush(t)
	tg := testpeer.StartTelegram(t)
	const sid, twToken, tgToken = "AC0123456789abcdef0123456789abcdef", "twilio-token", "4242:bot-token"
	twl := twiliotest.Start(t, sid, twToken)
	hooks := &hookSink{secret: []byte("webhook-signing-secret"), got: map[string][]string{}}
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()
	vapidPub, vapidPriv, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": twToken, "TELEGRAM_BOT_TOKEN": tgToken,
		"VIGIE_WEBHOOK_SECRET": string(hooks.secret), "VAPID_PRIVATE_KEY": vapidPriv}
	planPath := fanoutPlan(t, twl.URL(), tg.URL)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a known port: Twilio's callbacks come back to it
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	s := newTestServerWith(t, app.Options{Getenv: func(k string) string { return env[k] }}, func(c *config.Config) {
		c.Plan, c.Listen = planPath, listen
		c.SMTPURL, c.SMTPFrom = mail.SMTPURL(), "Café Express <alerte@cafe-express.fr>"
		c.AllowPrivateTargets = true
	})

	// The audience: one CSV import for e-mail, SMS, webhooks and Telegram
	// chats; browsers subscribe through the status page (two of them) or
	// are added as the page adds them.
	lang := func(i int) string {
		if i%4 == 3 {
			return "en"
		}
		return "fr"
	}
	var csv strings.Builder
	csv.WriteString("channel,address,lang\n")
	for i := range fanEmail {
		fmt.Fprintf(&csv, "email,client%03d@clients.example,%s\n", i, lang(i))
	}
	for i := range fanSMS {
		fmt.Fprintf(&csv, "sms,+3361234%04d,%s\n", i, lang(i))
	}
	for i := range fanWebhook {
		fmt.Fprintf(&csv, "webhook,%s/shop/%d,%s\n", hookSrv.URL, i, lang(i))
	}
	for i := range fanTelegram {
		fmt.Fprintf(&csv, "telegram,%d,%s\n", 700000+i, lang(i))
	}
	subs := audience.NewStore(s.db, nil)
	rep, err := subs.Import(ctx, strings.NewReader(csv.String()), audience.ImportOptions{Source: "e2e", Wording: "v1", Langs: []string{"fr", "en"}})
	if err != nil || rep.Added != fanEmail+fanSMS+fanWebhook+fanTelegram {
		t.Fatalf("import: %+v %v", rep, err)
	}
	browsers := map[string]string{} // client hash → language
	var goneHash, goneSub string    // a browser that unsubscribed since
	for i := range fanPush + 1 {
		sub, hash, err := push.Subscribe(ctx, vapidPub)
		if err != nil {
			t.Fatal(err)
		}
		if i == fanPush {
			goneHash, goneSub = hash, sub
			if err := subs.AddBrowser(ctx, sub, "fr", nil, "e2e", "v1"); err != nil {
				t.Fatal(err)
			}
			if err := push.Expire(ctx, hash); err != nil {
				t.Fatal(err)
			}
			continue
		}
		browsers[hash] = lang(i)
		if i < 2 {
			body, _ := json.Marshal(map[string]any{"subscription": json.RawMessage(sub), "lang": lang(i)})
			resp, err := http.Post(s.URL+"/push/subscribe", "application/json", bytes.NewReader(body))
			if err != nil || resp.StatusCode != http.StatusCreated {
				t.Fatalf("status page push subscription: %v %v", resp, err)
			}
			resp.Body.Close()
			continue
		}
		if err := subs.AddBrowser(ctx, sub, lang(i), nil, "e2e", "v1"); err != nil {
			t.Fatal(err)
		}
	}

	// The crisis room: declare, then publish the four acknowledgements.
	marie := s.login("marie", account.RoleCommander, "marie")
	id, _ := marie.declare("whatsapp-outage")
	for _, tpl := range []string{"wa-ack-email", "wa-ack-sms", "wa-ack-status", "wa-ack-social"} {
		m := s.message(id, tpl)
		_, body := marie.post(fmt.Sprintf("%s/messages/%d/publish", roomURL(id), m.ID), nil)
		if f := flashOf(body); !strings.Contains(f, "published") && !strings.Contains(f, "publié") {
			t.Fatalf("publish %s: flash %q", tpl, f)
		}
	}

	// Every peer receives exactly what it should, within a bounded time.
	var (
		emails   map[string]int
		texts    map[string][]string
		pushed   map[string][]string
		channel  int
		dms      map[string][]string
		problems []string
	)
	deadline := time.Now().Add(90 * time.Second)
	for {
		emails, texts, pushed, dms, channel = map[string]int{}, map[string][]string{}, map[string][]string{}, map[string][]string{}, 0
		if list, err := mail.Messages(ctx); err == nil {
			for _, m := range list {
				for _, to := range m.To {
					if strings.HasSuffix(to.Address, "@clients.example") {
						emails[to.Address]++
					}
				}
			}
		}
		for _, m := range twl.Messages() {
			if strings.HasPrefix(m.To, "+3361234") {
				texts[m.To] = append(texts[m.To], m.Body)
			}
		}
		for hash := range browsers {
			if n, err := push.Notifications(ctx, hash); err == nil && len(n) > 0 {
				pushed[hash] = n
			}
		}
		if msgs, err := tg.BotMessages(ctx, tgToken); err == nil {
			for _, m := range msgs {
				if m.ChatID == "@CafeExpressLyon" {
					channel++
				} else {
					dms[m.ChatID] = append(dms[m.ChatID], m.Text)
				}
			}
		}
		hooks.mu.Lock()
		nhooks := len(hooks.got)
		hooks.mu.Unlock()
		if (len(emails) == fanEmail && len(texts) == fanSMS && len(pushed) == fanPush && nhooks == fanWebhook && len(dms) == fanTelegram && channel == 1) ||
			time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("received: %d e-mails, %d SMS, %d push, %d webhooks, %d Telegram chats + %d channel post", len(emails), len(texts), len(pushed), len(hooks.got), len(dms), channel)

	// Exactly once, in each person's language.
	check := func(channel, who string, got []string, en bool) {
		want := "panne"
		if en {
			want = "down"
		}
		if len(got) != 1 {
			problems = append(problems, fmt.Sprintf("%s %s: %d messages", channel, who, len(got)))
		} else if !strings.Contains(got[0], want) && !strings.Contains(got[0], "outage") {
			problems = append(problems, fmt.Sprintf("%s %s (%v): %.120q", channel, who, map[bool]string{true: "en", false: "fr"}[en], got[0]))
		}
	}
	for i := range fanEmail {
		if n := emails[fmt.Sprintf("client%03d@clients.example", i)]; n != 1 {
			problems = append(problems, fmt.Sprintf("e-mail %d: %d messages", i, n))
		}
	}
	for i := range fanSMS {
		check("sms", strconv.Itoa(i), texts[fmt.Sprintf("+3361234%04d", i)], lang(i) == "en")
	}
	for hash, l := range browsers {
		check("push", hash, pushed[hash], l == "en")
	}
	hooks.mu.Lock()
	for i := range fanWebhook {
		check("webhook", strconv.Itoa(i), hooks.got[fmt.Sprintf("/shop/%d", i)], lang(i) == "en")
	}
	if hooks.bad != 0 {
		problems = append(problems, fmt.Sprintf("%d webhook requests with a bad signature", hooks.bad))
	}
	hooks.mu.Unlock()
	for i := range fanTelegram {
		check("telegram", strconv.Itoa(i), dms[strconv.Itoa(700000+i)], lang(i) == "en")
	}
	if channel != 1 {
		problems = append(problems, fmt.Sprintf("%d posts in the Telegram channel", channel))
	}
	if n, err := push.Notifications(ctx, goneHash); err == nil && len(n) > 0 {
		problems = append(problems, "the unsubscribed browser got a notification")
	}
	if len(problems) > 0 {
		t.Fatalf("%d problems, first ones:\n%s", len(problems), strings.Join(problems[:min(len(problems), 15)], "\n"))
	}

	// An e-mail carries its one-click unsubscribe (RFC 8058).
	list, _ := mail.Messages(ctx)
	for _, m := range list {
		if m.To[0].Address == "client003@clients.example" {
			raw, err := mail.Raw(ctx, m.ID)
			if err != nil || !strings.Contains(raw, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") || !strings.Contains(raw, "is down") {
				t.Fatalf("client003's e-mail (English): %v\n%.1500s", err, raw)
			}
		}
	}

	// Twilio reports the texts delivered.
	for _, m := range twl.Messages() {
		if strings.HasPrefix(m.To, "+3361234") {
			if err := twl.Callback(ctx, m.SID, "delivered", ""); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The crisis room shows the reach of each published message.
	want := map[string]string{
		"email":    fmt.Sprintf("email: %d sent", fanEmail),
		"sms":      fmt.Sprintf("sms: %d delivered", fanSMS),
		"push":     fmt.Sprintf("push: %d sent, 1 failed", fanPush),
		"webhook":  fmt.Sprintf("webhook: %d sent", fanWebhook),
		"telegram": fmt.Sprintf("telegram: %d sent", fanTelegram+1),
	}
	reachRe := regexp.MustCompile(`<p class="reach">[^<]*?: ([^<]*)</p>`)
	var lines []string
	deadline = time.Now().Add(20 * time.Second) // the room caches reach for 2 s
	for {
		_, room := marie.get(roomURL(id))
		lines = lines[:0]
		for _, m := range reachRe.FindAllStringSubmatch(room, -1) {
			lines = append(lines, html.UnescapeString(m[1]))
		}
		all := strings.Join(lines, "\n")
		missing := 0
		for _, w := range want {
			if !strings.Contains(all, w) {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			for ch, w := range want {
				if !strings.Contains(all, w) {
					t.Errorf("the crisis room lacks %q (%s)", w, ch)
				}
			}
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("reach in the crisis room:\n%s", strings.Join(lines, "\n"))
	for _, l := range lines {
		for _, bad := range []string{"failed", "dead", "uncertain"} {
			if strings.Contains(l, bad) && !strings.Contains(l, "push: ") {
				t.Errorf("reach line with %s deliveries: %s", bad, l)
			}
		}
	}
	// The push service answered 410 for the unsubscribed browser: it is
	// no longer a subscriber.
	page, err := subs.Search(ctx, audience.Filter{Channel: "push", State: audience.Confirmed}, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range page.Subscribers {
		if sub.Address == goneSub {
			t.Fatal("the browser the push service says is gone is still subscribed")
		}
	}
	if len(page.Subscribers) != fanPush {
		t.Fatalf("%d browsers still subscribed, want %d", len(page.Subscribers), fanPush)
	}
}
