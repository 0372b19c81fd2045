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
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/app"
	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/config"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
	"github.com/vigie-hq/vigie/internal/web"
)

// audienceServer is the console with its audience store, on the app's
// accounts, plan and crisis room, with 60 confirmed e-mail subscribers
// (sophie00…59), one French mobile number and one pending address.
type audienceServer struct {
	*testServer
	db  *store.DB
	aud *audience.Store
}

func newAudienceServer(t *testing.T) *audienceServer {
	t.Helper()
	db := storetest.OpenSQLite(t, true)
	cfg := config.Defaults()
	cfg.SecretKey = strings.Repeat("k", 43)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(context.Background(), cfg, logger, db, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	aud := audience.NewStore(db, nil)
	con, err := web.New(web.Deps{Accounts: a.Accounts(), Incidents: a.Incidents(), Plan: a.Plan, Logger: logger,
		Sessions: auth.NewSessions([]byte(cfg.SecretKey), false, time.Now), Audience: aud})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	con.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	var b strings.Builder
	b.WriteString("channel,address,lang,components\n")
	for i := range 60 {
		fmt.Fprintf(&b, "email,sophie%02d@example.org,fr,\n", i)
	}
	b.WriteString("sms,06 12 34 56 34,fr,whatsapp-orders\n")
	ctx := context.Background()
	if _, err := aud.Import(ctx, strings.NewReader(b.String()), audience.ImportOptions{Source: "order form", Wording: "cgv-2026-03", Langs: []string{"fr", "en"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := aud.Subscribe(ctx, audience.SubscribeInput{Channel: "email", Address: "waiting@example.net", Lang: "en", Source: "statuspage", Client: "client-key-1", Wording: "v2"}); err != nil {
		t.Fatal(err)
	}
	return &audienceServer{testServer: &testServer{t: t, app: a, URL: srv.URL}, db: db, aud: aud}
}

// id returns the id of the subscriber with this address.
func (s *audienceServer) id(address string) int64 {
	s.t.Helper()
	p, err := s.aud.Search(context.Background(), audience.Filter{Query: address}, 2)
	if err != nil || len(p.Subscribers) != 1 {
		s.t.Fatalf("find %s: %+v %v", address, p, err)
	}
	return p.Subscribers[0].ID
}

func (s *audienceServer) count(query string, args ...any) int {
	s.t.Helper()
	var n int
	if err := s.db.SQL().QueryRow(s.db.Rebind(query), args...).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

func TestAudiencePageForAdmin(t *testing.T) {
	s := newAudienceServer(t)
	admin := s.login("root", account.RoleAdmin, "")
	resp, body := admin.get("/admin/audience")
	if resp.StatusCode != 200 {
		t.Fatalf("audience page: %d\n%.800s", resp.StatusCode, body)
	}
	counts := section(body, `id="counts-h"`, `</table>`)
	for _, want := range []string{"<td>1</td><td>60</td><td>0</td><td>61</td>", "<td>0</td><td>1</td><td>0</td><td>1</td>", "<td>1</td><td>61</td><td>0</td><td>62</td>"} {
		if !strings.Contains(counts, want) {
			t.Errorf("counts lack %s:\n%s", want, counts)
		}
	}
	if !strings.Contains(body, "sophie00@example.org") || strings.Contains(body, "sophie59@example.org") || !strings.Contains(body, `href="/admin/audience/export.csv"`) {
		t.Fatalf("first page:\n%s", section(body, `id="results-h"`, `</section>`))
	}
	// Fifty per page; the next page continues where this one stopped.
	if n := strings.Count(body, `<th scope="row"><a href="/admin/audience/`); n != 50 {
		t.Fatalf("%d rows on the first page", n)
	}
	next := linkOf(t, body, `rel="next"`)
	_, body = admin.get(next)
	if strings.Contains(body, "sophie49@") || !strings.Contains(body, "sophie50@") || !strings.Contains(html.UnescapeString(body), "+33612345634") || !strings.Contains(body, `rel="prev"`) || strings.Contains(body, `rel="next"`) {
		t.Fatalf("second page %s:\n%s", next, section(body, `id="results-h"`, `</section>`))
	}
	// Search by part of the address and filters, in French.
	_, body = admin.get("/admin/audience?q=PHIE1&channel=email&state=confirmed", "Accept-Language", "fr")
	if strings.Count(body, "@example.org</a>") != 10 || !strings.Contains(body, "sophie10@example.org") || !strings.Contains(body, "Abonnés par canal et par état") {
		t.Fatalf("search:\n%s", section(body, `id="results-h"`, `</section>`))
	}
	if !strings.Contains(body, `href="/admin/audience/export.csv?channel=email&amp;q=PHIE1&amp;state=confirmed"`) {
		t.Fatalf("the CSV link does not carry the search:\n%s", section(body, `id="results-h"`, `</table>`))
	}
	if resp, body := admin.get("/admin/audience?state=asleep"); resp.StatusCode != 400 || !strings.Contains(flashOf(body), "unknown state") {
		t.Fatalf("bad filter: %d %q", resp.StatusCode, flashOf(body))
	}
	// The detail page shows the consent record in full.
	resp, body = admin.get(fmt.Sprintf("/admin/audience/%d", s.id("waiting@")))
	if resp.StatusCode != 200 || !strings.Contains(body, "waiting@example.net") || !strings.Contains(body, "<code>client-key-1</code>") || !strings.Contains(body, "statuspage") || !strings.Contains(body, "not confirmed") {
		t.Fatalf("detail: %d\n%s", resp.StatusCode, section(body, "<h1>", "</main>"))
	}
	if resp, _ := admin.get("/admin/audience/999999"); resp.StatusCode != 404 {
		t.Fatalf("unknown subscriber: %d", resp.StatusCode)
	}
}

func TestAudienceMaskedForViewer(t *testing.T) {
	s := newAudienceServer(t)
	viewer := s.login("val", account.RoleViewer, "")
	resp, body := viewer.get("/admin/audience?channel=sms")
	if resp.StatusCode != 200 || !strings.Contains(html.UnescapeString(body), "+33 6** ** ** 34") {
		t.Fatalf("viewer, sms: %d\n%s", resp.StatusCode, section(body, `id="results-h"`, `</section>`))
	}
	_, body = viewer.get("/admin/audience?q=sophie07")
	for _, leak := range []string{"sophie", "612345634", "export.csv", `name="q"`} {
		if strings.Contains(body, leak) {
			t.Errorf("the viewer's page shows %q", leak)
		}
	}
	// The address search is ignored for masked roles: it would reveal who is subscribed.
	if !strings.Contains(body, "s***@example.org") || strings.Count(body, `<th scope="row"><a href="/admin/audience/`) != 50 {
		t.Fatalf("viewer, masked list:\n%s", section(body, `id="results-h"`, `</section>`))
	}
	id := s.id("waiting@")
	_, body = viewer.get(fmt.Sprintf("/admin/audience/%d?erase=1", id))
	if !strings.Contains(body, "w***@example.net") || strings.Contains(body, "waiting@") || strings.Contains(body, "client-key-1") || strings.Contains(body, "/erase\"") {
		t.Fatalf("viewer, detail:\n%s", section(body, "<h1>", "</main>"))
	}
	if resp, body := viewer.get("/admin/audience/export.csv"); resp.StatusCode != 403 || strings.Contains(body, "sophie") {
		t.Fatalf("viewer export: %d", resp.StatusCode)
	}
	// A commander sees addresses but neither erases nor exports.
	cmd := s.login("marie", account.RoleCommander, "")
	if _, body := cmd.get("/admin/audience?q=sophie07"); !strings.Contains(body, "sophie07@example.org") || strings.Contains(body, "export.csv") {
		t.Fatal("commander: no full address or an export link")
	}
	_, body = cmd.post(fmt.Sprintf("/admin/audience/%d/erase", id), url.Values{"confirm": {"yes"}})
	if !strings.Contains(flashOf(body), "only admins erase people") || s.count(`SELECT COUNT(*) FROM subscribers WHERE id = ?`, id) != 1 {
		t.Fatalf("commander erased: %q", flashOf(body))
	}
	if resp, _ := cmd.get("/admin/audience/export.csv"); resp.StatusCode != 403 {
		t.Fatalf("commander export: %d", resp.StatusCode)
	}
}

func TestAudienceEraseNeedsAdminCSRFAndConfirmation(t *testing.T) {
	s := newAudienceServer(t)
	admin := s.login("root", account.RoleAdmin, "")
	id := s.id("sophie07@")
	path := fmt.Sprintf("/admin/audience/%d", id)
	_, body := admin.get(path)
	if !strings.Contains(body, `action="`+path+`#erase"`) || strings.Contains(body, `name="confirm"`) {
		t.Fatalf("detail without the confirmation step:\n%s", section(body, `id="erase"`, "</section>"))
	}
	_, body = admin.get(path + "?erase=1")
	if !strings.Contains(body, `action="`+path+`/erase"`) || !strings.Contains(body, `name="confirm" value="yes"`) {
		t.Fatalf("confirmation step:\n%s", section(body, `id="erase"`, "</section>"))
	}
	if resp, _ := admin.postRaw(path+"/erase", url.Values{"confirm": {"yes"}}); resp.StatusCode != 403 {
		t.Fatalf("erase without CSRF: %d", resp.StatusCode)
	}
	if resp, _ := admin.post(path+"/erase", url.Values{"confirm": {"yes"}, "csrf": {"forged"}}); resp.StatusCode != 403 {
		t.Fatalf("erase with a wrong CSRF token: %d", resp.StatusCode)
	}
	if _, body := admin.post(path+"/erase", nil); !strings.Contains(flashOf(body), "confirm the erasure first") {
		t.Fatalf("erase without confirmation: %q", flashOf(body))
	}
	if n := s.count(`SELECT COUNT(*) FROM subscribers WHERE id = ?`, id); n != 1 {
		t.Fatal("erased without CSRF or confirmation")
	}
	resp, body := admin.post(path+"/erase", url.Values{"confirm": {"yes"}})
	if resp.Request.URL.Path != "/admin/audience" || !strings.Contains(flashOf(body), "erased; a tombstone") {
		t.Fatalf("erase: %s %q", resp.Request.URL.Path, flashOf(body))
	}
	if strings.Contains(body, "sophie07") || s.count(`SELECT COUNT(*) FROM subscribers WHERE address LIKE ?`, "sophie07%") != 0 {
		t.Fatal("the address is still stored or shown")
	}
	if s.count(`SELECT COUNT(*) FROM audience_tombstones`) != 1 || s.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'audience.erase' AND actor = 'root'`) != 1 {
		t.Fatal("no tombstone or no audit row by the admin")
	}
	rep, err := s.aud.Import(context.Background(), strings.NewReader("channel,address\nemail,SOPHIE07@example.org\n"), audience.ImportOptions{Source: "x", Wording: "v"})
	if err != nil || rep.Erased != 1 || rep.Added != 0 {
		t.Fatalf("re-import after erasure: %+v %v", rep, err)
	}
	if resp, _ := admin.get(path); resp.StatusCode != 404 {
		t.Fatalf("erased subscriber page: %d", resp.StatusCode)
	}
}

func TestAudienceExportCSV(t *testing.T) {
	s := newAudienceServer(t)
	admin := s.login("root", account.RoleAdmin, "")
	resp, body := admin.get("/admin/audience/export.csv?channel=sms")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="vigie-audience-`) || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if len(lines) != 2 || lines[0] != "channel,address,lang,components,state,consent_source,consent_at,consent_wording,confirmed_at,contact" ||
		!strings.HasPrefix(lines[1], "sms,+33612345634,fr,whatsapp-orders,confirmed,order form,") || !strings.Contains(lines[1], ",cgv-2026-03,") {
		t.Fatalf("export body:\n%s", body)
	}
	_, body = admin.get("/admin/audience/export.csv")
	if n := strings.Count(body, "\n"); n != 63 || !strings.Contains(body, "waiting@example.net,en,,pending,statuspage,") {
		t.Fatalf("full export: %d lines\n%.300s", n, body)
	}
	if s.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'audience.export' AND actor = 'root'`) != 2 {
		t.Fatal("the exports are not in the audit log")
	}
	if resp, _ := admin.get("/admin/audience/export.csv?state=asleep"); resp.StatusCode != 400 {
		t.Fatalf("bad filter: %d", resp.StatusCode)
	}
}

// linkOf returns the href of the link with the given attribute.
func linkOf(t *testing.T, body, attr string) string {
	t.Helper()
	i := strings.Index(body, attr)
	if i < 0 {
		t.Fatalf("no link with %s", attr)
	}
	start := strings.LastIndex(body[:i], `href="`)
	end := strings.Index(body[start+6:], `"`)
	return strings.ReplaceAll(body[start+6:start+6+end], "&amp;", "&")
}
