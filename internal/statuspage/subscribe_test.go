package statuspage

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/channel/email"
	"github.com/vigie-hq/vigie/internal/channel/email/emailtest"
	"github.com/vigie-hq/vigie/internal/channel/twilio"
	"github.com/vigie-hq/vigie/internal/channel/twilio/twiliotest"
	"github.com/vigie-hq/vigie/internal/channel/webpush"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/userreport"
)

type mailer struct{ s *email.Sender }

func (m mailer) SendMail(ctx context.Context, to, subject, body string, headers map[string]string) error {
	return m.s.Send(ctx, email.Mail{To: to, Subject: subject, Body: body, Headers: headers})
}

func TestSubscribeDoubleOptIn(t *testing.T) {
	smtp := emailtest.Start(t)
	db := storetest.OpenSQLite(t, true)
	p, _, _ := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
	sender, err := email.New(smtp.URL(), "Café Express <alertes@cafe-express.fr>")
	if err != nil {
		t.Fatal(err)
	}
	subs := audience.NewStore(db, nil)
	mux := http.NewServeMux()
	hs := httptest.NewServer(mux)
	defer hs.Close()
	page := New(Options{Source: svc, Reports: userreport.NewStore(db, nil), Plan: func() *plan.Plan { return p }, BaseURL: hs.URL,
		Subscribers: subs, Mailer: mailer{sender}, Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err := page.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	page.Routes(mux)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	post := func(path string, form url.Values) (*http.Response, string) {
		resp, err := client.PostForm(hs.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	_, pageBody := get(t, hs.URL+"/fr/")
	if !strings.Contains(string(pageBody), `action="/subscribe"`) {
		t.Fatal("page has no subscription form")
	}
	form := url.Values{"email": {"Sofia.Client@Example.ORG"}, "consent": {"yes"}, "lang": {"fr"}, "components": {"whatsapp-orders", "bogus"}}
	resp, _ := post("/subscribe", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/fr/#subscribed" {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	msgs := smtp.Wait(1, 10*time.Second)
	if len(msgs) != 1 || msgs[0].To[0] != "Sofia.Client@example.org" {
		t.Fatalf("confirmation mail: %+v", msgs)
	}
	link := regexp.MustCompile(`http://\S+/subscribe/confirm\?token=([A-Za-z0-9_-]+)&lang=fr`).FindStringSubmatch(msgs[0].Data)
	if link == nil {
		t.Fatalf("no confirmation link in:\n%s", msgs[0].Data)
	}
	// Opening the link (as a mail scanner would) does not confirm.
	_, confirmPage := get(t, link[0])
	if !strings.Contains(string(confirmPage), `method="post"`) {
		t.Fatalf("confirm page: %s", confirmPage)
	}
	var id int64 = 1
	if s, _ := subs.Get(context.Background(), id); s.State != audience.Pending || len(s.Components) != 1 {
		t.Fatalf("before confirmation: %+v", s)
	}
	resp, body := post("/subscribe/confirm", url.Values{"token": {link[1]}, "lang": {"fr"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "C&#39;est fait") {
		t.Fatalf("confirm: %d %s", resp.StatusCode, body)
	}
	if resp, _ := post("/subscribe/confirm", url.Values{"token": {link[1]}}); resp.StatusCode != 404 {
		t.Fatalf("token reused: %d", resp.StatusCode)
	}
	// Same answer for an address already subscribed, and no mail.
	if resp, _ := post("/subscribe", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("resubscribe: %d", resp.StatusCode)
	}
	if resp, _ := post("/subscribe", url.Values{"email": {"bot@example.org"}, "consent": {"yes"}, "website": {"x"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("honeypot: %d", resp.StatusCode)
	}
	if resp, _ := post("/subscribe", url.Values{"email": {"not-an-address"}, "consent": {"yes"}}); resp.StatusCode != 422 {
		t.Fatalf("bad address: %d", resp.StatusCode)
	}
	if resp, _ := post("/subscribe", url.Values{"email": {"x@example.org"}}); resp.StatusCode != 422 {
		t.Fatalf("missing consent: %d", resp.StatusCode)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(smtp.Messages()); n != 1 {
		t.Fatalf("%d mails sent; only the first confirmation was due", n)
	}
	// One-click unsubscribe (RFC 8058).
	u, _ := url.Parse(page.UnsubscribeURL(id))
	resp, _ = post(u.Path+"?"+u.RawQuery, url.Values{"List-Unsubscribe": {"One-Click"}})
	if resp.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %d", resp.StatusCode)
	}
	if s, _ := subs.Get(context.Background(), id); s.State != audience.Unsubscribed {
		t.Fatalf("after unsubscribe: %s", s.State)
	}
	if resp, _ := post("/unsubscribe?id=1&sig=forged", url.Values{}); resp.StatusCode != 404 {
		t.Fatalf("forged unsubscribe: %d", resp.StatusCode)
	}
}

type smsTexter struct{ s *twilio.Sender }

func (t smsTexter) SendSMS(ctx context.Context, to, text string) error {
	res := t.s.Send(ctx, []deliver.Item{{Key: "confirm", Address: to, Text: text}})
	return res[0].Err
}

// TestSubscribeBySMS: the confirmation goes out as a text through Twilio's
// documented API (a local double: Twilio has no local server), and the
// per-prefix cap stops SMS pumping.
func TestSubscribeBySMS(t *testing.T) {
	const sid, token = "AC0123456789abcdef0123456789abcdef", "twilio-token"
	twl := twiliotest.Start(t, sid, token)
	sender, err := twilio.New(twilio.Options{AccountSID: sid, AuthToken: token, From: "+33600001234", BaseURL: twl.URL()})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.OpenSQLite(t, true)
	p, _, _ := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
	subs := audience.NewStore(db, nil)
	mux := http.NewServeMux()
	hs := httptest.NewServer(mux)
	defer hs.Close()
	page := New(Options{Source: svc, Reports: userreport.NewStore(db, nil), Plan: func() *plan.Plan { return p }, BaseURL: hs.URL,
		Subscribers: subs, Mailer: mailer{}, Texter: smsTexter{sender}, Secret: []byte("0123456789abcdef0123456789abcdef"), SMSPerPrefixHour: 2})
	if err := page.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	page.Routes(mux)
	_, body := get(t, hs.URL+"/fr/")
	if !strings.Contains(string(body), `name="phone"`) {
		t.Fatal("no phone field on the page")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	post := func(path string, form url.Values) int {
		resp, err := client.PostForm(hs.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("/subscribe", url.Values{"channel": {"sms"}, "phone": {"06 12 34 56 78"}, "consent": {"yes"}, "lang": {"fr"}}); code != http.StatusSeeOther {
		t.Fatalf("subscribe by SMS: %d", code)
	}
	sent := twl.Messages()
	if len(sent) != 1 || sent[0].To != "+33612345678" {
		t.Fatalf("confirmation texts: %+v", sent)
	}
	tok := regexp.MustCompile(`token=([A-Za-z0-9_-]+)`).FindStringSubmatch(sent[0].Body)
	if tok == nil || !strings.HasPrefix(sent[0].Body, "Café Express : confirmez vos alertes SMS") {
		t.Fatalf("text: %q", sent[0].Body)
	}
	if code := post("/subscribe/confirm", url.Values{"token": {tok[1]}, "lang": {"fr"}}); code != 200 {
		t.Fatalf("confirm: %d", code)
	}
	if n, _ := subs.CountConfirmed(context.Background()); n["sms"] != 1 {
		t.Fatalf("confirmed: %v", n)
	}
	if code := post("/subscribe", url.Values{"channel": {"sms"}, "phone": {"12"}, "consent": {"yes"}}); code != 422 {
		t.Fatalf("bad number: %d", code)
	}
	// Same operator prefix: the second text this hour passes, the third is refused.
	if code := post("/subscribe", url.Values{"channel": {"sms"}, "phone": {"06 12 00 00 01"}, "consent": {"yes"}}); code != http.StatusSeeOther {
		t.Fatalf("second number: %d", code)
	}
	if code := post("/subscribe", url.Values{"channel": {"sms"}, "phone": {"06 12 00 00 02"}, "consent": {"yes"}}); code != http.StatusTooManyRequests {
		t.Fatalf("third number on the prefix: %d", code)
	}
	if n := len(twl.Messages()); n != 2 {
		t.Fatalf("%d texts sent, want 2", n)
	}
}

func TestPushSubscription(t *testing.T) {
	db := storetest.OpenSQLite(t, true)
	p, _, _ := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
	subs := audience.NewStore(db, nil)
	mux := http.NewServeMux()
	hs := httptest.NewServer(mux)
	defer hs.Close()
	pub, _, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	page := New(Options{Source: svc, Reports: userreport.NewStore(db, nil), Plan: func() *plan.Plan { return p }, BaseURL: hs.URL})
	page.SetPush(pub, subs)
	if err := page.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	page.Routes(mux)
	_, body := get(t, hs.URL+"/fr/")
	if !strings.Contains(string(body), `data-key="`+pub+`"`) {
		t.Fatal("the page does not offer browser alerts")
	}
	if resp, sw := get(t, hs.URL+"/sw.js"); resp.StatusCode != 200 || !strings.Contains(string(sw), "showNotification") {
		t.Fatalf("service worker: %d", resp.StatusCode)
	}
	// A browser's key pair, as PushManager.subscribe would create.
	browser, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	authSecret := make([]byte, 16)
	_, _ = rand.Read(authSecret)
	sub := fmt.Sprintf(`{"endpoint":"https://push.example.net/send/abc","keys":{"p256dh":%q,"auth":%q}}`,
		base64.RawURLEncoding.EncodeToString(browser.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(authSecret))
	post := func(path, body string) int {
		resp, err := http.Post(hs.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("/push/subscribe", `{"subscription":`+sub+`,"lang":"en","components":["whatsapp-orders"]}`); code != 201 {
		t.Fatalf("subscribe: %d", code)
	}
	if n, _ := subs.CountConfirmed(context.Background()); n["push"] != 1 {
		t.Fatalf("confirmed: %v", n)
	}
	if code := post("/push/subscribe", `{"subscription":{"endpoint":"http://127.0.0.1/x","keys":{"p256dh":"AAA","auth":"BBB"}}}`); code != 422 {
		t.Fatalf("invalid subscription: %d", code)
	}
	if code := post("/push/unsubscribe", `{"subscription":`+sub+`}`); code != 204 {
		t.Fatalf("unsubscribe: %d", code)
	}
	if n, _ := subs.CountConfirmed(context.Background()); n["push"] != 0 {
		t.Fatalf("after unsubscribe: %v", n)
	}
}
