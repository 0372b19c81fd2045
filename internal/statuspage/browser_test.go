package statuspage

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/browsertest"
	"github.com/vigie-hq/vigie/internal/channel/email"
	"github.com/vigie-hq/vigie/internal/channel/email/emailtest"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/userreport"
)

// browserSite is a status page with subscriptions and reports, served on
// loopback for a real browser.
type browserSite struct {
	url  string
	svc  *incident.Service
	smtp *emailtest.Server
	page *Server
}

func newBrowserSite(t testing.TB) *browserSite {
	t.Helper()
	smtp := emailtest.Start(t)
	db := storetest.OpenSQLite(t, true)
	p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	if err != nil || p == nil {
		t.Fatal(err)
	}
	svc := incident.NewService(db, func() *plan.Plan { return p }, incident.Options{})
	sender, err := email.New(smtp.URL(), "alertes@cafe-express.fr")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	// The browser talks to the page as vigie serve serves it: through the
	// fast path, net/http behind it.
	hs := httptest.NewUnstartedServer(mux)
	base := "http://" + hs.Listener.Addr().String()
	page := New(Options{Source: svc, Reports: userreport.NewStore(db, nil), Plan: func() *plan.Plan { return p }, Events: svc.Hub(), BaseURL: base,
		Mailer: mailer{sender}, Secret: []byte("0123456789abcdef0123456789abcdef"),
		ClientKey: func(r *http.Request) string { return r.UserAgent() }})
	page.SetSubscribers(audience.NewStore(db, nil))
	if err := page.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	page.Routes(mux)
	hs.Listener = page.FastListener(hs.Listener)
	hs.Start()
	t.Cleanup(hs.Close)
	ctx, cancel := context.WithCancel(context.Background())
	go page.Run(ctx)
	t.Cleanup(cancel)
	return &browserSite{url: hs.URL, svc: svc, smtp: smtp, page: page}
}

var marie = incident.Actor{Username: "marie", Person: "marie", Role: "commander"}

func (s *browserSite) publishOutage(t testing.TB) int64 {
	t.Helper()
	res, err := s.svc.Declare(context.Background(), marie, incident.DeclareInput{Scenario: "whatsapp-outage"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Drafts {
		if d.PreApproved {
			if _, err := s.svc.Publish(context.Background(), marie, d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	return res.Incident.ID
}

// TestBrowserStatusPage: the page renders, an outage declared meanwhile
// appears in place without a reload, "I have a problem" is counted, and
// screenshots are taken at phone and desktop widths in light and dark.
func TestBrowserStatusPage(t *testing.T) {
	site := newBrowserSite(t)
	browser := browsertest.NewBrowser(t)
	tab := browsertest.Tab(t, browser, false)
	browsertest.Navigate(t, tab, "open the page", chromedp.Navigate(site.url+"/fr/"))
	browsertest.Do(t, tab, "mark the document", chromedp.Evaluate[chromedp.Void]("window.notReloaded = true"))
	browsertest.WaitJS(t, tab, "live script connected", "document.body.classList.contains('js')", 5*time.Second)
	if got := browsertest.Run(t, tab, "read the banner", chromedp.Text(chromedp.ID("banner-text"))); !strings.Contains(got, "Tous nos services") {
		t.Fatalf("calm banner: %q", got)
	}
	time.Sleep(200 * time.Millisecond) // the EventSource is open
	site.publishOutage(t)
	browsertest.WaitJS(t, tab, "the outage appears without reload",
		"document.getElementById('banner-text').textContent.includes('WhatsApp rencontre une panne') && window.notReloaded === true", 10*time.Second)
	for _, v := range []struct {
		name   string
		w, h   int64
		dark   bool
		mobile bool
	}{{"statuspage-375-light.png", 375, 812, false, true}, {"statuspage-375-dark.png", 375, 812, true, true}, {"statuspage-1280-light.png", 1280, 900, false, false}, {"statuspage-1280-dark.png", 1280, 900, true, false}} {
		scheme := "light"
		if v.dark {
			scheme = "dark"
		}
		browsertest.Do(t, tab, "colour scheme "+scheme, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
			return err
		}))
		var opts []chromedp.EmulateViewportOption
		if v.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		browsertest.Screenshot(t, tab, v.name, v.w, v.h, opts...)
	}
	browsertest.Do(t, tab, "back to the desktop viewport", chromedp.EmulateViewport(1280, 900))
	// Accessibility: every visible form control has a label, the page has
	// one h1, a main landmark and a language.
	problems := browsertest.Run(t, tab, "check labels", chromedp.Evaluate[string](`(function(){
		var out = [];
		document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(function(el){
			if (el.closest('.hp')) return;
			var ok = el.labels && el.labels.length > 0 || el.getAttribute('aria-label');
			if (!ok) out.push(el.outerHTML.slice(0, 80));
		});
		document.querySelectorAll('button').forEach(function(b){ if (!b.textContent.trim()) out.push('empty button'); });
		document.querySelectorAll('img').forEach(function(i){ if (!i.hasAttribute('alt')) out.push('img without alt'); });
		if (document.querySelectorAll('h1').length !== 1) out.push('h1 count');
		if (!document.querySelector('main')) out.push('no main');
		if (!document.documentElement.lang) out.push('no lang');
		return out.join('\n');
	})()`))
	if problems != "" {
		t.Errorf("accessibility problems:\n%s", problems)
	}
	// Report a problem with WhatsApp.
	browsertest.Navigate(t, tab, "report a problem", chromedp.Click(chromedp.CSS(`form.report-form button`)))
	if hash := browsertest.Run(t, tab, "read the location", chromedp.Evaluate[string]("location.hash")); hash != "#reported" {
		t.Fatalf("after reporting: %q", hash)
	}
	browsertest.WaitJS(t, tab, "thanks shown", "getComputedStyle(document.getElementById('reported')).display !== 'none'", 5*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for {
		browsertest.Navigate(t, tab, "reload", chromedp.Reload())
		count := browsertest.Run(t, tab, "read the counter", chromedp.Text(chromedp.CSS(`.count[data-dependency="whatsapp"]`)))
		if strings.HasPrefix(count, "1 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("report counter: %q", count)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserSubscribe subscribes by e-mail in the browser, receives the
// confirmation at a real SMTP server on loopback, and confirms from the link.
func TestBrowserSubscribe(t *testing.T) {
	site := newBrowserSite(t)
	browser := browsertest.NewBrowser(t)
	tab := browsertest.Tab(t, browser, false)
	browsertest.Navigate(t, tab, "open the page", chromedp.Navigate(site.url+"/en/"))
	browsertest.Do(t, tab, "fill the form",
		chromedp.SendKeys(chromedp.ID("sub-email"), "reader@example.org"),
		chromedp.Click(chromedp.CSS(`input[name=components][value="whatsapp-orders"]`)),
		chromedp.Click(chromedp.CSS(`input[name=consent]`)))
	browsertest.Navigate(t, tab, "subscribe", chromedp.Submit(chromedp.ID("sub-email")))
	if hash := browsertest.Run(t, tab, "read the location", chromedp.Evaluate[string]("location.hash")); hash != "#subscribed" {
		t.Fatalf("after subscribing: %q", hash)
	}
	msgs := site.smtp.Wait(1, 10*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("%d confirmation e-mails", len(msgs))
	}
	link := regexp.MustCompile(`http://\S+/subscribe/confirm\?token=\S+`).FindString(msgs[0].Data)
	if link == "" {
		t.Fatalf("no link in:\n%s", msgs[0].Data)
	}
	browsertest.Navigate(t, tab, "open the confirmation link", chromedp.Navigate(strings.TrimSpace(link)))
	browsertest.Navigate(t, tab, "confirm", chromedp.Click(chromedp.CSS("button")))
	if got := browsertest.Run(t, tab, "read the answer", chromedp.Text(chromedp.CSS("[role=status]"))); !strings.Contains(got, "Done") {
		t.Fatalf("after confirming: %q", got)
	}
}

// TestPaletteContrast checks WCAG AA contrast (4.5:1 for text) of the
// page's palette in light and dark mode, read from the stylesheet.
func TestPaletteContrast(t *testing.T) {
	css, err := files.ReadFile("assets/style.css")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile(`:root\{([^}]*)\}`).FindAllStringSubmatch(string(css), -1)
	if len(blocks) != 2 {
		t.Fatalf("want a light and a dark :root palette, found %d", len(blocks))
	}
	for i, b := range blocks {
		vars := map[string]string{}
		for _, m := range regexp.MustCompile(`--([a-z]+):(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b`).FindAllStringSubmatch(b[1], -1) {
			c := m[2]
			if len(c) == 4 {
				c = "#" + strings.Repeat(c[1:2], 2) + strings.Repeat(c[2:3], 2) + strings.Repeat(c[3:4], 2)
			}
			vars[m[1]] = c
		}
		mode := []string{"light", "dark"}[i]
		for _, fg := range []string{"fg", "muted", "link", "ok", "minor", "major", "crit"} {
			for _, bg := range []string{"bg", "card"} {
				if r := contrast(vars[fg], vars[bg]); r < 4.5 {
					t.Errorf("%s: --%s on --%s has contrast %.2f, want ≥ 4.5", mode, fg, bg, r)
				}
			}
		}
	}
	// Buttons: white text on the light link colour, near-black on the dark one.
	if r := contrast("#ffffff", "#0b57d0"); r < 4.5 {
		t.Errorf("button text contrast %.2f", r)
	}
	if r := contrast("#111111", "#8ab4f8"); r < 4.5 {
		t.Errorf("dark button text contrast %.2f", r)
	}
}

func luminance(hex string) float64 {
	var rgb [3]float64
	for i := range rgb {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			rgb[i] = c / 12.92
		} else {
			rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
}

func contrast(a, b string) float64 {
	if len(a) != 7 || len(b) != 7 {
		return 0
	}
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// BenchmarkPublishToVisible measures, in a real headless Chromium, the time
// from publishing an update to its text showing in an open status page
// (20 publications; reports p50/p95 in ms).
func BenchmarkPublishToVisible(b *testing.B) {
	site := newBrowserSite(b)
	browser := browsertest.NewBrowser(b)
	tab := browsertest.Tab(b, browser, false)
	browsertest.Navigate(b, tab, "open the page", chromedp.Navigate(site.url+"/fr/"))
	browsertest.WaitJS(b, tab, "live script", "document.body.classList.contains('js')", 5*time.Second)
	id := site.publishOutage(b)
	browsertest.WaitJS(b, tab, "outage shown", "document.getElementById('banner-text').textContent.includes('panne')", 10*time.Second)
	p := site.page.o.Plan()
	var tmpl string
	for _, m := range p.MessagesFor("whatsapp-outage", "update") {
		if containsStr(m.Channels, "statuspage") {
			tmpl = m.ID
		}
	}
	thomas := incident.Actor{Username: "thomas", Person: "thomas", Role: "commander"}
	var lat []time.Duration
	for i := 0; i < 20; i++ {
		m, err := site.svc.Draft(context.Background(), marie, id, tmpl)
		if err != nil {
			b.Fatal(err)
		}
		marker := fmt.Sprintf("Mise à jour numéro %d.", i)
		m, err = site.svc.Edit(context.Background(), marie, m.ID, m.Revision, map[string]incident.Content{"fr": {Text: marker}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := site.svc.Approve(context.Background(), thomas, m.ID, m.Revision, ""); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := site.svc.Publish(context.Background(), marie, m.ID); err != nil {
			b.Fatal(err)
		}
		browsertest.WaitJS(b, tab, "update visible", fmt.Sprintf("document.getElementById('live').textContent.includes(%q)", marker), 10*time.Second)
		lat = append(lat, time.Since(t0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Milliseconds()), "p95-ms")
	b.Logf("publish → visible over %d publications: p50 %s, p95 %s, max %s", len(lat), lat[len(lat)/2], lat[len(lat)*95/100], lat[len(lat)-1])
}
