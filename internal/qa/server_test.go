package qa_test

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/listen"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/qa"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// site is the public page on a loopback server, on SQLite.
type site struct {
	*bundle
	srv  *qa.Server
	URL  string
	http *http.Client
}

func newSite(t *testing.T) *site {
	t.Helper()
	b := setup(t, storetest.OpenSQLite(t, true))
	srv, err := qa.NewServer(qa.ServerOptions{Service: b.svc, Plan: func() *plan.Plan { return b.plan },
		ClientKey: func(r *http.Request) string { return r.Header.Get("X-Test-Client") }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Routes(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return &site{bundle: b, srv: srv, URL: hs.URL, http: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (s *site) do(t *testing.T, method, path, client string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, s.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Test-Client", client)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, html.UnescapeString(string(b))
}

func TestPageWithoutSession(t *testing.T) {
	s := newSite(t)
	resp, body := s.do(t, "GET", "/qa", "a", nil, "Accept-Language", "en-GB,en;q=0.9")
	if resp.StatusCode != 200 || !strings.Contains(body, "No question-and-answer session is open right now.") || strings.Contains(body, `action="/qa/questions"`) {
		t.Fatalf("%d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, `href="/qa?lang=fr"`) {
		t.Fatalf("language:\n%s", body)
	}
}

// TestAskWithoutJavaScript is the plain-form flow: post, 303, and the
// page says the question awaits moderation without showing it.
func TestAskWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	sess := must[qa.Session](t)(s.svc.OpenSession(ctx, karim, qa.SessionInput{IncidentID: 7, Title: "Panne WhatsApp : vos questions", Answerer: "lea"}))
	_, body := s.do(t, "GET", "/qa", "a", nil)
	for _, want := range []string{`<html lang="fr">`, "Panne WhatsApp : vos questions", "Avec Léa", "équipe technique", `name="website"`, `maxlength="500"`, "Aucune question publiée"} {
		if !strings.Contains(body, want) {
			t.Fatalf("page lacks %q:\n%s", want, body)
		}
	}
	form := url.Values{"question": {"Mes commandes de ce midi sont-elles perdues ?"}, "first_name": {"Inès"}, "lang": {"fr"}, "session": {fmt.Sprint(sess.ID)}}
	resp, _ := s.do(t, "POST", "/qa/questions", "a", form, "Origin", s.URL, "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/qa?lang=fr&sent=1#ask" {
		t.Fatalf("post: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = s.do(t, "GET", resp.Header.Get("Location"), "a", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `role="status">Merci ! Votre question est en attente de modération`) {
		t.Fatalf("after posting:\n%s", body)
	}
	if strings.Contains(body, "perdues") {
		t.Fatal("a pending question is on the public page")
	}
	queue := must[[]qa.Question](t)(s.svc.Queue(ctx, sess.ID))
	if len(queue) != 1 || queue[0].FirstName != "Inès" || queue[0].State != qa.Pending || queue[0].Lang != "fr" {
		t.Fatalf("queue %+v", queue)
	}
	// Published and answered, it shows with its author and answer; a
	// vote without JavaScript redirects back to it.
	if err := s.svc.Publish(ctx, karim, queue[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.svc.Answer(ctx, lea, queue[0].ID, "Non : elles sont préparées normalement."); err != nil {
		t.Fatal(err)
	}
	resp, _ = s.do(t, "POST", fmt.Sprintf("/qa/questions/%d/vote", queue[0].ID), "b", url.Values{"lang": {"fr"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), fmt.Sprintf("voted=1#q-%d", queue[0].ID)) {
		t.Fatalf("vote: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = s.do(t, "POST", fmt.Sprintf("/qa/questions/%d/vote", queue[0].ID), "b", url.Values{"lang": {"fr"}})
	if !strings.Contains(resp.Header.Get("Location"), "already=1") {
		t.Fatalf("second vote: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = s.do(t, "GET", "/qa?lang=fr", "a", nil)
	for _, want := range []string{"Mes commandes de ce midi sont-elles perdues ?", "— Inès", "Réponse de Léa", "Non : elles sont préparées normalement.", "1 vote(s)"} {
		if !strings.Contains(body, want) {
			t.Fatalf("page lacks %q:\n%s", want, body)
		}
	}
	_, body = s.do(t, "POST", fmt.Sprintf("/qa/questions/%d/vote", queue[0].ID), "c", url.Values{"lang": {"en"}}, "Accept", "application/json")
	if !strings.Contains(body, `"votes":2`) || !strings.Contains(body, `"ok":true`) {
		t.Fatalf("vote by script: %s", body)
	}
}

func TestAskGuards(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	sess := must[qa.Session](t)(s.svc.OpenSession(ctx, karim, qa.SessionInput{Title: "Q&A", Answerer: "lea"}))
	ask := func(client, text string, extra ...string) (*http.Response, string) {
		f := url.Values{"question": {text}, "lang": {"en"}, "session": {fmt.Sprint(sess.ID)}}
		for i := 0; i+1 < len(extra); i += 2 {
			f.Set(extra[i], extra[i+1])
		}
		return s.do(t, "POST", "/qa/questions", client, f)
	}
	// The honeypot gets the normal answer and stores nothing.
	if resp, _ := ask("bot", "buy now", "website", "http://spam.example"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("honeypot: %d", resp.StatusCode)
	}
	for i := range 3 {
		if resp, body := ask("alice", fmt.Sprintf("question %d?", i)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("question %d: %d\n%s", i, resp.StatusCode, body)
		}
	}
	resp, body := ask("alice", "one too many?")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, `role="alert">You sent many questions`) || !strings.Contains(body, ">one too many?</textarea>") {
		t.Fatalf("4th question: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := ask("bob", strings.Repeat("a", qa.MaxQuestion+1)); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Write a question of 1 to 500") {
		t.Fatalf("too long: %d\n%s", resp.StatusCode, body)
	}
	if n := len(must[[]qa.Question](t)(s.svc.Queue(ctx, sess.ID))); n != 3 {
		t.Fatalf("%d questions stored, want 3", n)
	}
	// Cross-origin browsers are refused; bodies are bounded.
	resp, _ = s.do(t, "POST", "/qa/questions", "carol", url.Values{"question": {"x"}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin post: %d", resp.StatusCode)
	}
	resp, _ = ask("carol", strings.Repeat("a", 10<<10))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("large body: %d", resp.StatusCode)
	}
	// A closed session takes no more questions.
	if err := s.svc.CloseSession(ctx, karim, sess.ID); err != nil {
		t.Fatal(err)
	}
	if resp, body := ask("dave", "still there?"); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "This session has ended") {
		t.Fatalf("after close: %d\n%s", resp.StatusCode, body)
	}
}

// TestLiveAnswer connects to the event stream over real HTTP and sees an
// answer arrive, in the stream's language, and nothing of a hidden one.
func TestLiveAnswer(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	sess := must[qa.Session](t)(s.svc.OpenSession(ctx, karim, qa.SessionInput{IncidentID: 7, Title: "Q&A", Answerer: "lea"}))
	q := must[qa.Question](t)(s.svc.Ask(ctx, qa.AskInput{SessionID: sess.ID, Text: "When is WhatsApp back?", Lang: "en", Client: "a"}))
	bad := must[qa.Question](t)(s.svc.Ask(ctx, qa.AskInput{SessionID: sess.ID, Text: "Do you hire clowns?", Lang: "en", Client: "b"}))

	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, "GET", s.URL+"/qa/events?lang=en&since=0", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := make(chan string, 16)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- line
			}
		}
	}()
	next := func(what string) string {
		t.Helper()
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("stream ended waiting for %s", what)
			}
			return e
		case <-sctx.Done():
			t.Fatalf("no event for %s", what)
		}
		return ""
	}
	// A client that saw an older version (here: none) gets the current
	// list at once; from then on the stream follows every change.
	if first := next("the current list"); !strings.Contains(first, `"session":`) || strings.Contains(first, "WhatsApp") {
		t.Fatalf("first event: %s", first)
	}
	if err := s.svc.Hide(ctx, karim, bad.ID, "provocation"); err != nil {
		t.Fatal(err)
	}
	if err := s.svc.Publish(ctx, karim, q.ID); err != nil {
		t.Fatal(err)
	}
	for e := next("the publication"); !strings.Contains(e, "When is WhatsApp back?"); e = next("the publication") {
	}
	if err := s.svc.Answer(ctx, lea, q.ID, "Tonight, we think."); err != nil {
		t.Fatal(err)
	}
	e := next("the answer")
	for !strings.Contains(e, "Tonight, we think.") {
		e = next("the answer")
	}
	if !strings.Contains(e, "Answer from Léa") || !strings.Contains(e, "technical team") || strings.Contains(e, "clowns") {
		t.Fatalf("live answer event:\n%s", e)
	}
}

// TestListenFlagger checks the real language engine holds back hate and
// lets ordinary questions through.
func TestListenFlagger(t *testing.T) {
	e, err := listen.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := qa.NewListenFlagger(e)
	for _, c := range []struct {
		text    string
		flagged bool
	}{
		{"les immigrés sont de la vermine", true},
		{"muslims are a disease", true},
		{"ta gueule connard", true},
		{"Quand est-ce que WhatsApp remarche ?", false},
		{"How can I order during the outage?", false},
		{"Ma commande de ce midi est-elle perdue ?", false},
	} {
		reason, got := f.Flag(c.text)
		if got != c.flagged {
			t.Errorf("Flag(%q) = %v (%s), want %v", c.text, got, reason, c.flagged)
		}
	}
}
