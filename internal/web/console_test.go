package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/app"
	"github.com/vigie-hq/vigie/internal/incident"
)

func TestSignInFlow(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	ctx := context.Background()
	user, pw, created, err := s.app.Accounts().EnsureAdmin(ctx)
	if err != nil || !created {
		t.Fatalf("EnsureAdmin: %v %v", created, err)
	}
	c := s.client()
	if resp, _ := c.get("/admin/"); resp.Request.URL.Path != "/admin/login" {
		t.Fatalf("anonymous /admin/ landed on %s", resp.Request.URL.Path)
	}
	// Missing CSRF token: refused, no session.
	if resp, _ := c.postRaw("/admin/login", url.Values{"username": {user}, "password": {pw}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login without CSRF: %d", resp.StatusCode)
	}
	if resp, body := c.post("/admin/login", url.Values{"username": {user}, "password": {"wrong-password-123"}}); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong username or password") {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	// Right password: forced to change it, on every page.
	resp, body := c.post("/admin/login", url.Values{"username": {user}, "password": {pw}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Choose your password") {
		t.Fatalf("after sign-in: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := c.get("/admin/plan"); !strings.Contains(body, "Choose your password") {
		t.Fatalf("plan page before the password change: %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	if resp, _ := c.post("/admin/incidents", url.Values{"scenario": {"whatsapp-outage"}}); resp.Request.URL.Path != "/admin/" {
		t.Fatalf("declare before the password change landed on %s", resp.Request.URL.Path)
	}
	newPW := "correct horse battery staple"
	resp, body = c.post("/admin/password", url.Values{"current": {pw}, "new": {newPW}, "confirm": {newPW}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Declare an incident") || !strings.Contains(body, "Café Express") || flashOf(body) != "Password changed." {
		t.Fatalf("after password change: %d flash %q\n%.600s", resp.StatusCode, flashOf(body), body)
	}
	if _, err := s.app.Accounts().Authenticate(ctx, user, newPW); err != nil {
		t.Fatalf("new password not stored: %v", err)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	// A cross-site POST is refused even with the cookie and the token.
	req, _ := http.NewRequest("POST", s.URL+"/admin/logout", strings.NewReader("csrf="+c.csrf))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := c.do(req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d", resp.StatusCode)
	}
	if resp, _ := c.post("/admin/logout", nil); resp.Request.URL.Path != "/admin/login" {
		t.Fatalf("sign-out landed on %s", resp.Request.URL.Path)
	}
	if resp, _ := c.get("/admin/"); resp.Request.URL.Path != "/admin/login" {
		t.Fatalf("after sign-out /admin/ landed on %s", resp.Request.URL.Path)
	}
}

func TestLoginRateLimited(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	c := s.client()
	var last int
	for range 12 {
		resp, _ := c.post("/admin/login", url.Values{"username": {"nobody"}, "password": {"whatever-password"}})
		last = resp.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("12th attempt got %d, want 429", last)
	}
}

func TestDeclareFromConsole(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	karim := s.login("karim", account.RoleCommunication, "karim")
	_, dash := karim.get("/admin/")
	if !strings.Contains(dash, "No incident is open") {
		t.Error("calm dashboard does not say so")
	}
	// The scenarios are offered highest risk first: WhatsApp (4×5) leads.
	first := strings.Index(dash, `<option value="whatsapp-outage">`)
	if first < 0 || first > strings.Index(dash, `<option value="site-down">`) {
		t.Errorf("whatsapp-outage is not the first scenario offered")
	}
	id, room := karim.declare("whatsapp-outage")
	if !strings.Contains(flashOf(room), "Incident declared") {
		t.Errorf("flash after declaring: %q", flashOf(room))
	}
	for _, want := range []string{
		"Tasks by role", "Publish the first acknowledgement", "Karim Benali", // communication, held by Karim
		"Confirm the scope of the outage", "Léa Morel", // technical
		"Switch the order line to SMS", "Sofia Rossi", // customer service, this scenario only
		"WhatsApp rencontre une panne", "WhatsApp is having an outage", // the drafted acknowledgement in both languages
		"pre-approved", "Publish now", "1 segment · GSM-7", "Next public update due at",
		`data-kind="declared"`, `data-events="/admin/incidents/`,
	} {
		if !strings.Contains(html.UnescapeString(room), want) {
			t.Errorf("crisis room lacks %q", want)
		}
	}
	if strings.Contains(room, "Prepare the notification to the CNIL") {
		t.Error("a data-breach-only task shows up in a WhatsApp outage")
	}
	// The dashboard lists it with its next update time.
	_, dash = karim.get("/admin/")
	if !strings.Contains(dash, fmt.Sprintf(`href="/admin/incidents/%d"`, id)) || !strings.Contains(dash, "Next public update") {
		t.Errorf("dashboard does not list incident %d", id)
	}
	// Declaring the same scenario again returns the open incident.
	again, body := karim.declare("whatsapp-outage")
	if again != id || !strings.Contains(flashOf(body), "already open") {
		t.Errorf("second declaration: incident %d, flash %q", again, flashOf(body))
	}
}

func TestAuthorCannotApproveOwnMessageOnConsole(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	karim := s.login("karim", account.RoleCommunication, "karim")
	marie := s.login("marie", account.RoleCommander, "marie")
	id, _ := karim.declare("whatsapp-outage")
	room := roomURL(id)

	resp, body := karim.post(room+"/messages", url.Values{"template": {"wa-update-status"}})
	m := s.message(id, "wa-update-status")
	if !strings.Contains(flashOf(body), fmt.Sprintf("Message #%d drafted", m.ID)) || !strings.HasSuffix(resp.Request.URL.Path, room) {
		t.Fatalf("draft: flash %q at %s", flashOf(body), resp.Request.URL.Path)
	}
	text := m.Content["fr"].Text + " Les livraisons continuent."
	_, body = karim.post(fmt.Sprintf("%s/messages/%d/edit", room, m.ID), url.Values{
		"revision": {fmt.Sprint(m.Revision)}, "text.fr": {text}, "text.en": {m.Content["en"].Text},
		"subject.fr": {m.Content["fr"].Subject}, "subject.en": {m.Content["en"].Subject},
	})
	if !strings.Contains(flashOf(body), "saved") {
		t.Fatalf("edit: %q", flashOf(body))
	}
	m = s.message(id, "wa-update-status")
	if m.Revision != 2 || m.Content["fr"].Text != text || m.Content["en"].Text == "" {
		t.Fatalf("after edit: revision %d, fr %q", m.Revision, m.Content["fr"].Text)
	}
	// Karim sees no approve button for his own text, and why.
	_, page := karim.get(room)
	article := section(page, fmt.Sprintf(`id="msg-%d"`, m.ID), "</article>")
	if !strings.Contains(html.UnescapeString(article), "Still needs:</strong> 1 more approval(s) from commander or communication") {
		t.Errorf("the draft does not say what it waits for:\n%s", article)
	}
	if strings.Contains(article, "approve-btn") || !strings.Contains(html.UnescapeString(article), "another person must approve it") {
		t.Errorf("Karim's view of his own message:\n%s", article)
	}
	// Posting the approval anyway is refused with a clear message.
	_, body = karim.post(fmt.Sprintf("%s/messages/%d/approve", room, m.ID), url.Values{"revision": {"2"}})
	if got := flashOf(body); !strings.Contains(got, "Not allowed") || !strings.Contains(got, "two-person rule") {
		t.Fatalf("Karim approving his own text: flash %q", got)
	}
	if m = s.message(id, "wa-update-status"); m.State != incident.Draft || len(m.Approvals) != 0 {
		t.Fatalf("after Karim's refused approval: %s with %d approvals", m.State, len(m.Approvals))
	}
	// Marie sees the button and approves.
	_, page = marie.get(room)
	if !strings.Contains(section(page, fmt.Sprintf(`id="msg-%d"`, m.ID), "</article>"), "approve-btn") {
		t.Fatal("Marie has no approve button")
	}
	_, body = marie.post(fmt.Sprintf("%s/messages/%d/approve", room, m.ID), url.Values{"revision": {"2"}, "comment": {"OK"}})
	if got := flashOf(body); !strings.Contains(got, "approved: it can be published now") {
		t.Fatalf("Marie approving: %q", got)
	}
	// Karim publishes it.
	_, body = karim.post(fmt.Sprintf("%s/messages/%d/publish", room, m.ID), nil)
	if got := flashOf(body); !strings.Contains(got, "published") || !strings.Contains(got, "deliveries queued") {
		t.Fatalf("publish: %q", got)
	}
	if m = s.message(id, "wa-update-status"); m.State != incident.Published || m.PublishedBy != "karim" {
		t.Fatalf("after publishing: %s by %q", m.State, m.PublishedBy)
	}
	for _, want := range []string{"approved — ready to publish", "edited (version 2)", "published:", "Approved by"} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("crisis room after publishing lacks %q", want)
		}
	}
}

func TestPublishPreApprovedAcknowledgement(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	karim := s.login("karim", account.RoleCommunication, "karim")
	id, _ := karim.declare("whatsapp-outage")
	m := s.message(id, "wa-ack-sms")
	_, body := karim.post(fmt.Sprintf("%s/messages/%d/publish", roomURL(id), m.ID), nil)
	if got := flashOf(body); !strings.Contains(got, fmt.Sprintf("Message #%d published", m.ID)) {
		t.Fatalf("publish: %q", got)
	}
	out, err := s.app.Incidents().Outbox(context.Background(), m.ID)
	if err != nil || len(out) != 4 { // sms and push, fr and en
		t.Fatalf("outbox: %d items, %v", len(out), err)
	}
	// Publishing twice is refused in plain words.
	_, body = karim.post(fmt.Sprintf("%s/messages/%d/publish", roomURL(id), m.ID), nil)
	if got := flashOf(body); !strings.Contains(got, "already published") {
		t.Fatalf("second publish: %q", got)
	}
}

func TestCSRFMissingIsForbidden(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	marie := s.login("marie", account.RoleCommander, "marie")
	resp, body := marie.postRaw("/admin/incidents", url.Values{"scenario": {"whatsapp-outage"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "form expired") {
		t.Fatalf("declare without CSRF: %d\n%.300s", resp.StatusCode, body)
	}
	resp, _ = marie.postRaw("/admin/incidents", url.Values{"scenario": {"whatsapp-outage"}, "csrf": {strings.Repeat("x", 32)}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("declare with a wrong CSRF token: %d", resp.StatusCode)
	}
	if list, _ := s.app.Incidents().List(context.Background(), incident.ListFilter{Drills: true}); len(list) != 0 {
		t.Fatalf("%d incidents declared without a valid token", len(list))
	}
}

func TestViewerCannotDeclare(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	guest := s.login("guest", account.RoleViewer, "")
	_, dash := guest.get("/admin/")
	if strings.Contains(dash, `action="/admin/incidents"`) {
		t.Error("a viewer is offered the declare form")
	}
	_, body := guest.post("/admin/incidents", url.Values{"scenario": {"whatsapp-outage"}})
	if got := flashOf(body); !strings.Contains(got, "Not allowed") || !strings.Contains(got, "viewer") {
		t.Fatalf("viewer declaring: flash %q", got)
	}
	if list, _ := s.app.Incidents().List(context.Background(), incident.ListFilter{Drills: true}); len(list) != 0 {
		t.Fatalf("a viewer declared %d incidents", len(list))
	}
	// A viewer reads the crisis room without any action.
	marie := s.login("marie", account.RoleCommander, "marie")
	id, _ := marie.declare("whatsapp-outage")
	resp, room := guest.get(roomURL(id))
	if resp.StatusCode != 200 || strings.Contains(room, "publish-btn") || strings.Contains(room, "task-btn") || strings.Contains(room, `id="state-form"`) {
		t.Errorf("viewer's crisis room: %d, offers actions", resp.StatusCode)
	}
}

func TestCrisisRoomActions(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	marie := s.login("marie", account.RoleCommander, "marie")
	id, _ := marie.declare("whatsapp-outage")
	room := roomURL(id)
	ctx := context.Background()
	tasks, _ := s.app.Incidents().Tasks(ctx, id)
	task := tasks[0]

	steps := []struct {
		path string
		form url.Values
		want string
	}{
		{fmt.Sprintf("%s/tasks/%d", room, task.ID), url.Values{"done": {"1"}}, "Task marked done."},
		{fmt.Sprintf("%s/tasks/%d", room, task.ID), url.Values{"done": {"0"}}, "Task reopened."},
		{room + "/state", url.Values{"state": {"identified"}, "note": {"Meta confirms"}}, "The incident is now identified."},
		{room + "/state", url.Values{"state": {"closed"}}, "Not possible now"},
		{room + "/severity", url.Values{"severity": {"major"}}, "Severity set to major."},
		{room + "/components", url.Values{"component": {"courier-dispatch"}, "status": {"degraded"}}, "Component status saved"},
		{room + "/roles", url.Values{"role": {"communication"}, "person": {"nadia"}}, "Role reassigned"},
		{room + "/notes", url.Values{"text": {"Orders by SMS are flowing."}}, "Note added"},
		{room + "/reports", url.Values{"conditions": {"WhatsApp down"}, "actions": {"SMS line"}, "needs": {"none"}}, "Tactical report recorded"},
		{room + "/roles", url.Values{"role": {"communication"}, "person": {"nobody"}}, "Check the form"},
		{fmt.Sprintf("%s/tasks/%d", roomURL(id+1), task.ID), nil, "Not found"},
	}
	for _, st := range steps {
		_, body := marie.post(st.path, st.form)
		if got := flashOf(body); !strings.Contains(got, st.want) {
			t.Errorf("POST %s %v: flash %q, want %q", st.path, st.form, got, st.want)
		}
	}
	_, page := marie.get(room)
	page = html.UnescapeString(page)
	for _, want := range []string{"Nadia Haddad", "Orders by SMS are flowing.", "Tactical report", "State changed from investigating to identified", "Meta confirms", "Task reopened"} {
		if !strings.Contains(page, want) {
			t.Errorf("crisis room lacks %q", want)
		}
	}
}

func TestEditConflictKeepsText(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	karim := s.login("karim", account.RoleCommunication, "karim")
	id, _ := karim.declare("whatsapp-outage")
	m := s.message(id, "wa-ack-status")
	path := fmt.Sprintf("%s/messages/%d/edit", roomURL(id), m.ID)
	if _, body := karim.post(path, url.Values{"revision": {"1"}, "text.fr": {"Première version."}}); !strings.Contains(flashOf(body), "saved") {
		t.Fatalf("first edit: %q", flashOf(body))
	}
	// A second edit from a page that still shows version 1 is refused and
	// the typed text stays in the form.
	resp, body := karim.post(path, url.Values{"revision": {"1"}, "text.fr": {"Texte tapé sous pression."}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(html.UnescapeString(body), "Texte tapé sous pression.") || !strings.Contains(flashOf(body), "changed meanwhile") {
		t.Fatalf("stale edit: %d flash %q", resp.StatusCode, flashOf(body))
	}
	if got := s.message(id, "wa-ack-status").Content["fr"].Text; got != "Première version." {
		t.Fatalf("stored text %q", got)
	}
}

func TestLanguageAndPages(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	anon := s.client()
	if _, body := anon.get("/admin/login", "Accept-Language", "fr-FR,fr;q=0.9"); !strings.Contains(body, `lang="fr"`) || !strings.Contains(body, "Connexion") {
		t.Error("sign-in page ignores Accept-Language: fr")
	}
	admin := s.login("boss", account.RoleAdmin, "")
	_, body := admin.post("/admin/lang", url.Values{"lang": {"fr"}, "return": {"/admin/plan"}})
	if !strings.Contains(body, `lang="fr"`) || !strings.Contains(body, "Matrice des risques") || flashOf(body) != "La console est maintenant en français." {
		t.Fatalf("after switching to French: flash %q", flashOf(body))
	}
	// The plan page renders the 5×5 matrix coloured by band, with the
	// WhatsApp outage at probability 4, impact 5.
	if strings.Count(body, "<td class=\"band-") != 25 || !strings.Contains(body, `<td class="band-critical"><span class="score">20 · critique</span><span class="sc">Panne WhatsApp</span>`) {
		t.Errorf("risk matrix:\n%s", section(body, `<table class="matrix">`, "</table>"))
	}
	// An admin links an account to a plan person; others may not.
	karimPW := s.addUser("karim", account.RoleCommunication, "")
	u, _ := s.app.Accounts().ByUsername(context.Background(), "karim")
	_, body = admin.post(fmt.Sprintf("/admin/users/%d/profile", u.ID), url.Values{"person": {"karim"}, "lang": {"en"}})
	if u, _ = s.app.Accounts().ByUsername(context.Background(), "karim"); u.Person != "karim" || u.Lang != "en" {
		t.Fatalf("profile not saved (%q): person %q lang %q", flashOf(body), u.Person, u.Lang)
	}
	karim := s.client()
	karim.post("/admin/login", url.Values{"username": {"karim"}, "password": {karimPW}})
	_, body = karim.post(fmt.Sprintf("/admin/users/%d/profile", u.ID), url.Values{"person": {"marie"}})
	if !strings.Contains(flashOf(body), "Not allowed") {
		t.Errorf("non-admin changing a profile: %q", flashOf(body))
	}
	if _, body = karim.get("/admin/users"); !strings.Contains(body, "Karim Benali") || strings.Contains(body, `action="/admin/users/`) {
		t.Error("users page for a non-admin")
	}
	// The language switch refuses to send people elsewhere.
	if resp, _ := karim.post("/admin/lang", url.Values{"lang": {"en"}, "return": {"//evil.example/"}}); resp.Request.URL.Host != strings.TrimPrefix(s.URL, "http://") {
		t.Errorf("language switch redirected to %s", resp.Request.URL)
	}
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	c := s.login("marie", account.RoleCommander, "marie")
	_, body := c.get("/admin/")
	for _, name := range []string{"console.css", "console.js"} {
		m := strings.Index(body, "/admin/static/"+strings.TrimSuffix(name, "."+name[strings.LastIndex(name, ".")+1:])+".")
		if m < 0 {
			t.Fatalf("no fingerprinted URL for %s", name)
		}
		u := body[m : m+strings.IndexAny(body[m:], `"`)]
		resp, _ := c.get(u)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: %d %q", u, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
	if resp, _ := c.get("/admin/static/console.js"); resp.StatusCode != 404 {
		t.Errorf("unfingerprinted asset: %d", resp.StatusCode)
	}
}

func roomURL(id int64) string { return fmt.Sprintf("/admin/incidents/%d", id) }

// section returns the part of s from the first start marker to the next end
// marker (or the rest).
func section(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j+len(end)]
	}
	return s
}

func TestOverdueUpdateAndPartial(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 11, 25, 14, 40, 45, 0, time.UTC)}
	s := newTestServerWith(t, app.Options{Now: clk.Now})
	karim := s.login("karim", account.RoleCommunication, "karim")
	id, room := karim.declare("whatsapp-outage")
	if !strings.Contains(room, "Next public update due at 16:10") || strings.Contains(room, "OVERDUE") {
		t.Fatalf("fresh incident: no 16:10 due time (Paris) or already overdue")
	}
	clk.Add(31 * time.Minute)
	_, dash := karim.get("/admin/")
	card := section(dash, `<li class="incident-card`, "</li>")
	if !strings.Contains(card, "is-overdue") || !strings.Contains(card, "OVERDUE") || !strings.Contains(card, "16:10") {
		t.Errorf("dashboard card of an overdue incident:\n%s", card)
	}
	_, room = karim.get(roomURL(id))
	for _, want := range []string{"OVERDUE", "overdue by 1 min", "The public update is overdue: draft one now", `class="task overdue"`} {
		if !strings.Contains(room, want) {
			t.Errorf("crisis room of an overdue incident lacks %q", want)
		}
	}
	// The live sections alone, for the script to swap in.
	resp, part := karim.get(roomURL(id) + "?partial=1")
	if resp.StatusCode != 200 || strings.Contains(part, "<html") || strings.Count(part, "data-live") != 5 || !strings.Contains(part, `id="live-messages"`) {
		t.Errorf("partial: %d, %d live sections\n%.300s", resp.StatusCode, strings.Count(part, "data-live"), part)
	}
}
