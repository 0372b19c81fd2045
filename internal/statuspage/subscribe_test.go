package statuspage

import (
	"context"
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
