package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/app"
	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/listen"
	"github.com/vigie-hq/vigie/internal/qa"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/web"
)

// socialRecorder stands for the social accounts.
type socialRecorder struct {
	mu    sync.Mutex
	posts []string
}

func (m *socialRecorder) Mirror(_ context.Context, incidentID int64, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.posts = append(m.posts, fmt.Sprintf("%d: %s", incidentID, text))
	return nil
}

// qaServer is the console and the public /qa page on one loopback server,
// on the app's accounts, plan and crisis room, with the real language
// engine flagging questions.
type qaServer struct {
	*testServer
	qa     *qa.Service
	social *socialRecorder
}

var (
	engineOnce sync.Once
	engine     *listen.Engine
	engineErr  error
)

func newQAServer(t *testing.T) *qaServer {
	t.Helper()
	db := storetest.OpenSQLite(t, true)
	cfg := config.Defaults()
	cfg.SecretKey = strings.Repeat("k", 43)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(context.Background(), cfg, logger, db, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	engineOnce.Do(func() { engine, engineErr = listen.Load() })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	social := &socialRecorder{}
	svc := qa.NewService(db, qa.Options{Plan: a.Plan, Timeline: a.Incidents(), Mirror: social, Flagger: qa.NewListenFlagger(engine), Logger: logger})
	con, err := web.New(web.Deps{Accounts: a.Accounts(), Incidents: a.Incidents(), Plan: a.Plan, Logger: logger,
		Sessions: auth.NewSessions([]byte(cfg.SecretKey), false, time.Now), QA: svc})
	if err != nil {
		t.Fatal(err)
	}
	public, err := qa.NewServer(qa.ServerOptions{Service: svc, Plan: a.Plan, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	con.Routes(mux)
	public.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { public.Close(); con.Close(); srv.Close() })
	return &qaServer{testServer: &testServer{t: t, app: a, URL: srv.URL}, qa: svc, social: social}
}

// ask posts a question on the public page as a visitor without
// JavaScript would, and returns the page it lands on.
func (s *qaServer) ask(text, userAgent string) string {
	s.t.Helper()
	sess, err := s.qa.Current(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	form := url.Values{"question": {text}, "lang": {"fr"}, "session": {fmt.Sprint(sess.ID)}}
	req, _ := http.NewRequest("POST", s.URL+"/qa/questions", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", userAgent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Request.URL.Query().Get("sent") != "1" {
		s.t.Fatalf("ask %q: %d at %s\n%s", text, resp.StatusCode, resp.Request.URL, b)
	}
	return html.UnescapeString(string(b))
}

var questionID = regexp.MustCompile(`id="q-(\d+)-text" class="qa-text">([^<]*)<`)

// questions maps the texts on the console page to their ids.
func questions(body string) map[string]string {
	out := map[string]string{}
	for _, m := range questionID.FindAllStringSubmatch(body, -1) {
		out[html.UnescapeString(m[2])] = m[1]
	}
	return out
}

func qaFlash(body string) string {
	if m := regexp.MustCompile(`<p class="flash (\w+)"[^>]*>([^<]*)</p>`).FindStringSubmatch(body); m != nil {
		return m[1] + ": " + html.UnescapeString(m[2])
	}
	return ""
}

func TestConsoleQAModeration(t *testing.T) {
	s := newQAServer(t)
	karim := s.login("karim", account.RoleCommunication, "karim")
	incidentID, _ := karim.declare("whatsapp-outage")

	// Karim opens a session on the incident, Léa answering.
	resp, body := karim.post("/admin/qa/sessions", url.Values{"title": {"Panne WhatsApp : vos questions"}, "answerer": {"lea"}, "incident": {fmt.Sprint(incidentID)}})
	if resp.StatusCode != 200 || !strings.Contains(qaFlash(body), "ok: ") || !strings.Contains(body, "Panne WhatsApp : vos questions") {
		t.Fatalf("open session: %d %q\n%.2000s", resp.StatusCode, qaFlash(body), body)
	}
	page := s.ask("Mes commandes de ce midi sont-elles perdues ?", "visitor-1")
	if !strings.Contains(page, "en attente de modération") {
		t.Fatalf("after asking:\n%s", page)
	}
	s.ask("les immigrés sont de la vermine", "visitor-2")

	// Hugo holds media_watch in the plan: his responder account moderates.
	hugo := s.login("hugo", account.RoleResponder, "hugo")
	_, body = hugo.get("/admin/qa")
	ids := questions(body)
	good, bad := ids["Mes commandes de ce midi sont-elles perdues ?"], ids["les immigrés sont de la vermine"]
	if good == "" || bad == "" {
		t.Fatalf("queue:\n%s", body)
	}
	if !strings.Contains(html.UnescapeString(section(body, `id="q-`+bad+`"`, `</article>`)), "do_not_engage") {
		t.Fatalf("flag reason not shown to moderators:\n%s", section(body, `id="q-`+bad+`"`, `</article>`))
	}
	// Without the CSRF token nothing happens.
	resp, _ = hugo.post("/admin/qa/questions/"+good+"/publish", url.Values{"csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("publish without CSRF: %d", resp.StatusCode)
	}
	// Sofia (customer service, responder) may not moderate.
	sofia := s.login("sofia", account.RoleResponder, "sofia")
	if resp, _ := sofia.get("/admin/qa"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sofia's console page: %d", resp.StatusCode)
	}
	_, body = sofia.post("/admin/qa/questions/"+good+"/publish", nil)
	if f := qaFlash(body); !strings.HasPrefix(f, "error: Not allowed") {
		t.Fatalf("sofia published: %q", f)
	}
	_, body = hugo.post("/admin/qa/questions/"+bad+"/publish", nil)
	if f := qaFlash(body); !strings.HasPrefix(f, "error: Not possible now") {
		t.Fatalf("flagged question published: %q", f)
	}
	_, body = hugo.post("/admin/qa/questions/"+good+"/publish", nil)
	if f := qaFlash(body); f != "ok: Question #"+good+" published." {
		t.Fatalf("publish: %q", f)
	}

	// Léa answers; the hidden question cannot be answered.
	lea := s.login("lea", account.RoleResponder, "lea")
	_, body = lea.get("/admin/qa")
	if !strings.Contains(body, `id="answer-form-`+good+`"`) || strings.Contains(body, "vermine") {
		t.Fatalf("Léa's page:\n%s", body)
	}
	_, body = lea.post("/admin/qa/questions/"+bad+"/answer", url.Values{"answer": {"jamais"}})
	if f := qaFlash(body); !strings.Contains(f, "hidden questions are never answered") {
		t.Fatalf("answer to a flagged question: %q", f)
	}
	_, body = lea.post("/admin/qa/questions/"+good+"/answer", url.Values{"answer": {"Non : elles sont préparées et livrées normalement."}})
	if f := qaFlash(body); !strings.HasPrefix(f, "ok: ") {
		t.Fatalf("answer: %q", f)
	}
	public, _ := http.Get(s.URL + "/qa?lang=fr")
	pb, _ := io.ReadAll(public.Body)
	public.Body.Close()
	pub := html.UnescapeString(string(pb))
	if !strings.Contains(pub, "Non : elles sont préparées et livrées normalement.") || !strings.Contains(pub, "Réponse de Léa") || strings.Contains(pub, "vermine") {
		t.Fatalf("public page:\n%s", pub)
	}

	// FAQ draft by Léa, approved by Marie, exported; mirrored by Karim.
	_, body = lea.post("/admin/qa/questions/"+good+"/faq", nil)
	if f := qaFlash(body); !strings.HasPrefix(f, "ok: ") {
		t.Fatalf("propose FAQ: %q", f)
	}
	draft := regexp.MustCompile(`action="/admin/qa/faq/(\d+)/approve"`).FindStringSubmatch(body)
	if draft != nil {
		t.Fatal("Léa (responder) is offered to approve")
	}
	marie := s.login("marie", account.RoleCommander, "marie")
	_, body = marie.get("/admin/qa")
	draft = regexp.MustCompile(`action="/admin/qa/faq/(\d+)/approve"`).FindStringSubmatch(body)
	if draft == nil {
		t.Fatalf("no draft to approve:\n%s", body)
	}
	_, body = marie.post("/admin/qa/faq/"+draft[1]+"/approve", nil)
	if f := qaFlash(body); !strings.HasPrefix(f, "ok: ") {
		t.Fatalf("approve: %q", f)
	}
	resp, yml := marie.get("/admin/qa/faq.yaml")
	if resp.StatusCode != 200 || !strings.Contains(yml, "faq:\n  - id: qa-"+good) || !strings.Contains(yml, "Mes commandes de ce midi") {
		t.Fatalf("export: %d\n%s", resp.StatusCode, yml)
	}
	if resp, _ := lea.get("/admin/qa/faq.yaml"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("export by a responder: %d", resp.StatusCode)
	}
	_, body = karim.post("/admin/qa/questions/"+good+"/mirror", nil)
	if f := qaFlash(body); !strings.HasPrefix(f, "ok: ") || len(s.social.posts) != 1 || !strings.Contains(s.social.posts[0], fmt.Sprintf("%d: ", incidentID)) {
		t.Fatalf("mirror: %q %q", f, s.social.posts)
	}

	// Everything is on the incident's timeline.
	events, err := s.app.Incidents().Timeline(context.Background(), incidentID, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		if e.Payload["source"] == "qa" {
			actions = append(actions, fmt.Sprint(e.Payload["action"]))
		}
	}
	if got, want := strings.Join(actions, ","), "session_opened,published,answered,faq_proposed,faq_approved,mirrored"; got != want {
		t.Fatalf("timeline: %s\nwant      %s", got, want)
	}
	// Closing the session empties the public page.
	sess, _ := s.qa.Current(context.Background())
	_, body = karim.post(fmt.Sprintf("/admin/qa/sessions/%d/close", sess.ID), nil)
	if f := qaFlash(body); !strings.HasPrefix(f, "ok: ") {
		t.Fatalf("close: %q", f)
	}
}

func TestConsoleQAWithoutService(t *testing.T) {
	db := storetest.OpenSQLite(t, true)
	cfg := config.Defaults()
	cfg.SecretKey = strings.Repeat("k", 43)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(context.Background(), cfg, logger, db, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	con, err := web.New(web.Deps{Accounts: a.Accounts(), Incidents: a.Incidents(), Plan: a.Plan, Logger: logger,
		Sessions: auth.NewSessions([]byte(cfg.SecretKey), false, time.Now)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	con.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := &testServer{t: t, app: a, URL: srv.URL}
	admin := s.login("root", account.RoleAdmin, "")
	resp, body := admin.get("/admin/qa")
	if resp.StatusCode != 200 || !strings.Contains(body, "Live Q&amp;A is not available on this server.") {
		t.Fatalf("%d\n%s", resp.StatusCode, body)
	}
	_, body = admin.post("/admin/qa/sessions", url.Values{"title": {"x"}, "answerer": {"lea"}})
	if f := qaFlash(body); !strings.Contains(f, "not available") {
		t.Fatalf("open without the service: %q", f)
	}
}

// TestBrowserLiveQA: a visitor asks on /qa, Hugo (media watch) publishes
// the question in the console, Léa answers it, and the visitor's page
// shows the answer without being reloaded and announces it.
func TestBrowserLiveQA(t *testing.T) {
	browser := newBrowser(t)
	s := newQAServer(t)
	hugoPW := s.addUser("hugo", account.RoleResponder, "hugo")
	leaPW := s.addUser("lea", account.RoleResponder, "lea")
	ctx := context.Background()
	karim := incident.Actor{Username: "karim", Person: "karim", Role: "communication"}
	if _, err := s.qa.OpenSession(ctx, karim, qa.SessionInput{Title: "WhatsApp outage: your questions", Answerer: "lea"}); err != nil {
		t.Fatal(err)
	}

	visitor := tab(t, browser, true)
	navigate(t, visitor, "open /qa", chromedp.Navigate(s.URL+"/qa"))
	do(t, visitor, "type a question",
		chromedp.SendKeys(chromedp.ID("question"), "Will my lunch order still be delivered?"),
		chromedp.SendKeys(chromedp.ID("first_name"), "Inès"))
	navigate(t, visitor, "send it", chromedp.Click(chromedp.CSS(".ask button[type=submit]")))
	if n := text(t, visitor, ".notice"); !strings.Contains(n, "pending moderation") {
		t.Fatalf("after sending: %q", n)
	}
	waitJS(t, visitor, "live stream connected", `document.getElementById("qa-live").getAttribute("data-live") === "1"`, 10*time.Second)
	do(t, visitor, "mark the page", chromedp.Evaluate[chromedp.Void]("window.qaNotReloaded = true"))

	sess, err := s.qa.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	queue, err := s.qa.Queue(ctx, sess.ID)
	if err != nil || len(queue) != 1 {
		t.Fatalf("queue %+v %v", queue, err)
	}
	id := fmt.Sprint(queue[0].ID)

	hugo := tab(t, browser, true)
	signIn(t, hugo, s.URL, "hugo", hugoPW)
	navigate(t, hugo, "open the Q&A console", chromedp.Navigate(s.URL+"/admin/qa"))
	navigate(t, hugo, "publish the question", chromedp.Click(chromedp.CSS(`#q-`+id+` form[action$="/publish"] button`)))
	if f := text(t, hugo, ".flash"); !strings.Contains(f, "published") {
		t.Fatalf("after publishing: %q", f)
	}
	waitJS(t, visitor, "the question appears", `document.getElementById("qa-live").textContent.includes("Will my lunch order still be delivered?")`, 10*time.Second)

	lea := tab(t, browser, true)
	signIn(t, lea, s.URL, "lea", leaPW)
	navigate(t, lea, "open the Q&A console", chromedp.Navigate(s.URL+"/admin/qa"))
	do(t, lea, "write the answer", chromedp.SendKeys(chromedp.ID("answer-"+id), "Yes: orders we confirmed are delivered as usual."))
	navigate(t, lea, "publish the answer", chromedp.Click(chromedp.CSS("#answer-form-"+id+" button[type=submit]")))

	waitJS(t, visitor, "the answer appears without a reload",
		`document.getElementById("qa-live").textContent.includes("Yes: orders we confirmed are delivered as usual.") && window.qaNotReloaded === true`, 10*time.Second)
	if who := text(t, visitor, "#q-"+id+" .who"); !strings.Contains(who, "Léa") || !strings.Contains(who, "technical team") {
		t.Fatalf("answer signed %q", who)
	}
	waitJS(t, visitor, "the answer is announced", `document.getElementById("qa-announce").textContent.includes("New answer")`, 5*time.Second)
	screenshot(t, visitor, "qa-live-answer", 1000, 900)
}
