package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/browsertest"
)

// These tests drive a real headless Chromium against a real server: the
// console must work for people, with its JavaScript (live updates) and
// without it (plain forms).

// Shorthands for the shared browser helpers.
var (
	newBrowser = browsertest.NewBrowser
	tab        = browsertest.Tab
	do         = browsertest.Do
	navigate   = browsertest.Navigate
	waitJS     = browsertest.WaitJS
	screenshot = browsertest.Screenshot
)

func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	return browsertest.Run(t, ctx, what, a)
}

func signIn(t *testing.T, ctx context.Context, base, user, password string) {
	t.Helper()
	navigate(t, ctx, "open the sign-in page", chromedp.Navigate(base+"/admin/login"))
	do(t, ctx, "fill the sign-in form",
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), password))
	navigate(t, ctx, "sign in as "+user, chromedp.Submit(chromedp.ID("password")))
	if p := run(t, ctx, "read the location", chromedp.Evaluate[string]("location.pathname")); p != "/admin/" {
		t.Fatalf("%s signed in to %s", user, p)
	}
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return run(t, ctx, "read "+css, chromedp.Text(chromedp.CSS(css)))
}

// TestBrowserLiveCrisisRoom is the story's first minutes in a browser:
// Karim declares the WhatsApp outage and sees the drafted acknowledgement,
// drafts and edits the first update; Marie, signed in elsewhere, approves
// it; a crisis-room tab Karim opened before shows the approval without
// being reloaded.
func TestBrowserLiveCrisisRoom(t *testing.T) {
	start := time.Now()
	browser := newBrowser(t)
	s := newTestServer(t)
	karimPW := s.addUser("karim", account.RoleCommunication, "karim")
	mariePW := s.addUser("marie", account.RoleCommander, "marie")
	t.Logf("browser and server up in %s", time.Since(start).Round(time.Millisecond))
	phase := time.Now()

	karim := tab(t, browser, true)
	signIn(t, karim, s.URL, "karim", karimPW)
	do(t, karim, "choose the scenario", chromedp.SetValue(chromedp.ID("scenario"), "whatsapp-outage"))
	navigate(t, karim, "declare", chromedp.Click(chromedp.CSS("#declare button[type=submit]")))
	room := run(t, karim, "read the location", chromedp.Evaluate[string]("location.pathname"))
	if !strings.HasPrefix(room, "/admin/incidents/") {
		t.Fatalf("declaring landed on %s", room)
	}
	msgs := text(t, karim, "#live-messages")
	for _, want := range []string{"WhatsApp rencontre une panne", "WhatsApp is having an outage", "Publish now"} {
		if !strings.Contains(msgs, want) {
			t.Fatalf("drafted acknowledgement not shown: no %q in\n%s", want, msgs)
		}
	}
	if tasks := text(t, karim, "#live-tasks"); !strings.Contains(tasks, "Publish the first acknowledgement") || !strings.Contains(tasks, "Switch the order line to SMS") {
		t.Fatalf("tasks by role:\n%s", tasks)
	}
	t.Logf("sign in and declare: %s", time.Since(phase).Round(time.Millisecond))
	phase = time.Now()

	// Karim's second tab on the crisis room, open before anything else
	// happens; it must stay live.
	watch := tab(t, karim, false)
	navigate(t, watch, "open the crisis room in a second tab", chromedp.Navigate(s.URL+room))
	waitJS(t, watch, "live stream connected", `document.getElementById("live-status").textContent === "live"`, 10*time.Second)
	do(t, watch, "mark the page", chromedp.Evaluate[chromedp.Void]("window.vigieNotReloaded = true"))

	// Karim drafts the first update from the plan and edits it.
	do(t, karim, "choose the update template", chromedp.SetValue(chromedp.ID("template"), "wa-update-status"))
	navigate(t, karim, "draft", chromedp.Click(chromedp.CSS("#draft button[type=submit]")))
	hash := run(t, karim, "read the anchor", chromedp.Evaluate[string]("location.hash"))
	if !strings.HasPrefix(hash, "#msg-") {
		t.Fatalf("drafting landed on %q", hash)
	}
	id := strings.TrimPrefix(hash, "#msg-")
	do(t, karim, "open the editor", chromedp.Click(chromedp.CSS("#edit-"+id+" summary")))
	field := fmt.Sprintf("#text-%s-fr", id)
	do(t, karim, "edit the French text",
		chromedp.WaitVisible(chromedp.CSS(field)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.focus(); el.setSelectionRange(el.value.length, el.value.length); })()`, field)),
		chromedp.SendKeys(chromedp.CSS(field), " Merci de votre patience."))
	navigate(t, karim, "save the edit", chromedp.Click(chromedp.CSS("#edit-form-"+id+" .save-btn")))
	if f := text(t, karim, ".flash"); !strings.Contains(f, "saved") {
		t.Fatalf("after saving: %q", f)
	}
	article := text(t, karim, "#msg-"+id)
	if !strings.Contains(article, "Merci de votre patience.") || !strings.Contains(article, "another person must approve it") {
		t.Fatalf("edited draft as Karim sees it:\n%s", article)
	}
	t.Logf("draft and edit: %s", time.Since(phase).Round(time.Millisecond))
	phase = time.Now()

	// Marie, with her own cookies, approves.
	marie := tab(t, browser, true)
	signIn(t, marie, s.URL, "marie", mariePW)
	navigate(t, marie, "open the crisis room", chromedp.Navigate(s.URL+room))
	navigate(t, marie, "approve", chromedp.Click(chromedp.CSS("#msg-"+id+" .approve-btn")))
	if f := text(t, marie, ".flash"); !strings.Contains(f, "approved") {
		t.Fatalf("after approving: %q", f)
	}
	t.Logf("second user approves: %s", time.Since(phase).Round(time.Millisecond))
	phase = time.Now()

	// Karim's second tab shows it without a reload: on the timeline, and
	// in the message itself once the live sections are refreshed.
	waitJS(t, watch, "approval on the timeline", `!!document.querySelector('#timeline-list li[data-kind="message_approved"]')`, 15*time.Second)
	waitJS(t, watch, "approval in the message", fmt.Sprintf(`(document.querySelector("#msg-%s .approved-by") || {}).textContent?.includes("marie")`, id), 15*time.Second)
	if !run(t, watch, "check the page was not reloaded", chromedp.Evaluate[bool]("window.vigieNotReloaded === true")) {
		t.Fatal("the second tab was reloaded")
	}
	entry := text(t, watch, `#timeline-list li[data-kind="message_approved"]`)
	if !strings.Contains(entry, "marie") || !strings.Contains(entry, "Message #"+id+" approved") {
		t.Fatalf("timeline entry: %q", entry)
	}
	if live := text(t, watch, "#announcer"); !strings.Contains(live, "marie") && !strings.Contains(live, "karim") {
		t.Errorf("aria-live region says %q", live)
	}
	t.Logf("live update seen in the other tab: %s", time.Since(phase).Round(time.Millisecond))

	screenshot(t, watch, "crisis-room-desktop.png", 1366, 900)
	screenshot(t, watch, "crisis-room-mobile.png", 390, 844, chromedp.EmulateMobile)
	t.Logf("total %s", time.Since(start).Round(time.Millisecond))
}

// TestBrowserWithoutJavaScript publishes the acknowledgement with scripts
// disabled: every action is a plain form.
func TestBrowserWithoutJavaScript(t *testing.T) {
	start := time.Now()
	browser := newBrowser(t)
	s := newTestServer(t)
	pw := s.addUser("marie", account.RoleCommander, "marie")
	marie := tab(t, browser, true)
	if _, err := chromedp.Call(marie, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	signIn(t, marie, s.URL, "marie", pw)
	do(t, marie, "choose the scenario", chromedp.SetValue(chromedp.ID("scenario"), "whatsapp-outage"))
	navigate(t, marie, "declare", chromedp.Click(chromedp.CSS("#declare button[type=submit]")))
	// The first pre-approved acknowledgement goes out with one click.
	navigate(t, marie, "publish", chromedp.Click(chromedp.CSS("#live-messages .publish-btn")))
	if f := text(t, marie, ".flash"); !strings.Contains(f, "published") {
		t.Fatalf("after publishing: %q", f)
	}
	// A task is ticked off and the incident moves on.
	navigate(t, marie, "tick a task", chromedp.Click(chromedp.CSS("#live-tasks .task-btn")))
	navigate(t, marie, "identify", chromedp.Click(chromedp.CSS(`#state-form button[value="identified"]`)))
	if st := text(t, marie, "#live-head .facts-line"); !strings.Contains(st, "identified") {
		t.Fatalf("state line: %q", st)
	}
	// Without scripts the live status never shows and the countdown keeps
	// its server-rendered text.
	hidden := run(t, marie, "read the live status", chromedp.AttributeValue(chromedp.ID("live-status"), "hidden"))
	if !hidden.Exists {
		t.Error("the live status shows although scripts are off")
	}
	timeline := text(t, marie, "#timeline-list")
	for _, want := range []string{"published", "Task done", "State changed from investigating to identified"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("timeline lacks %q:\n%s", want, timeline)
		}
	}
	t.Logf("total %s", time.Since(start).Round(time.Millisecond))
}
