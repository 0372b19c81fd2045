package slack

// These tests run against slacktest, an httptest double of Incoming
// Webhooks and chat.postMessage that answers with Slack's documented
// statuses, plain-text and JSON error codes, and 429 with Retry-After.

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/slack/slacktest"
	"github.com/vigie-hq/vigie/internal/deliver"
)

const token = "xoxb-0000000001-test-slacktestdouble"

func start(t *testing.T) (*slacktest.Server, *Sender) {
	t.Helper()
	srv := slacktest.Start(t, token)
	s, err := New(Options{WebhookBase: srv.WebhookBase(), Token: token, APIBase: srv.APIBase(), Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return srv, s
}

func sendOne(t *testing.T, s *Sender, it deliver.Item) deliver.Result {
	t.Helper()
	res := s.Send(context.Background(), []deliver.Item{it})
	if len(res) != 1 || res[0].Key != it.Key {
		t.Fatalf("results = %+v", res)
	}
	return res[0]
}

func TestSend(t *testing.T) {
	srv, s := start(t)
	hook := srv.Webhook("C0ALERTS01")
	srv.Channel("C0STAFF001")
	r1 := sendOne(t, s, deliver.Item{Key: "hook", Address: hook, Subject: "Panne WhatsApp", Text: "Clients redirigés vers le SMS <06 00 00 12 34>."})
	r2 := sendOne(t, s, deliver.Item{Key: "bot", Address: "C0STAFF001", Text: "Retour à la normale.", Drill: true})
	if r1.Err != nil || r2.Err != nil || r2.ProviderID != "C0STAFF001:1773504600.000002" {
		t.Fatalf("results: %+v %+v", r1, r2)
	}
	p := srv.Posts()
	if len(p) != 2 || p[0].Channel != "C0ALERTS01" || p[0].Webhook != hook || len(p[0].Blocks) != 2 || p[0].Blocks[0].Type != "header" ||
		p[0].Blocks[1].Text.Text != "Clients redirigés vers le SMS &lt;06 00 00 12 34&gt;." ||
		p[1].Channel != "C0STAFF001" || p[1].Blocks[len(p[1].Blocks)-1].Type != "context" {
		t.Errorf("posts = %+v", p)
	}
}

func TestRender(t *testing.T) {
	m, err := Render(deliver.Item{Subject: " Panne  <WhatsApp> & SMS ", Text: "Écrivez à <@U123> & <!channel>\n> ok"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(m)
	want := `{"text":"*Panne \u0026lt;WhatsApp\u0026gt; \u0026amp; SMS*\nÉcrivez à \u0026lt;@U123\u0026gt; \u0026amp; \u0026lt;!channel\u0026gt;\n\u0026gt; ok",` +
		`"blocks":[{"type":"header","text":{"type":"plain_text","text":"Panne \u003cWhatsApp\u003e \u0026 SMS","emoji":true}},` +
		`{"type":"section","text":{"type":"mrkdwn","text":"Écrivez à \u0026lt;@U123\u0026gt; \u0026amp; \u0026lt;!channel\u0026gt;\n\u0026gt; ok"}}]}`
	if string(got) != want {
		t.Errorf("render\n got %s\nwant %s", got, want)
	}
	long, err := Render(deliver.Item{Subject: strings.Repeat("s", 200), Text: strings.Repeat("mot ", 1000) + strings.Repeat("&", 3000)})
	if err != nil {
		t.Fatal(err)
	}
	if h := []rune(long.Blocks[0].Text.Text); len(h) != maxHeader || h[len(h)-1] != '…' {
		t.Errorf("header not truncated to %d: %d", maxHeader, len(h))
	}
	var joined strings.Builder
	for _, b := range long.Blocks[1:] {
		if n := len([]rune(b.Text.Text)); n > maxSection || n == 0 {
			t.Errorf("section of %d characters", n)
		}
		joined.WriteString(strings.TrimSpace(b.Text.Text))
	}
	if strings.Count(joined.String(), "&amp;") != 3000 || strings.Count(joined.String(), "&") != 3000 {
		t.Errorf("an entity was cut between sections")
	}
	if _, err := Render(deliver.Item{Text: strings.Repeat("x", maxSection*maxSections+1)}); err == nil {
		t.Error("a text needing 11 sections was accepted")
	}
	if _, err := Render(deliver.Item{Subject: " ", Text: "\n"}); err == nil {
		t.Error("an empty message was accepted")
	}
}

func TestSendResults(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(s *slacktest.Server, hook string)
		bot        bool // post with chat.postMessage
		address    string
		permanent  bool
		gone       bool
		uncertain  bool
		token      bool
		retryAfter time.Duration
		requests   int
	}{
		{name: "invalid payload", setup: script(slacktest.Failure{Code: "invalid_payload"}), permanent: true, requests: 1},
		{name: "no text", setup: script(slacktest.Failure{Code: "no_text"}), permanent: true, requests: 1},
		{name: "action prohibited", setup: breaks("action_prohibited"), permanent: true, requests: 1},
		{name: "general channel", setup: breaks("posting_to_general_channel_denied"), permanent: true, requests: 1},
		{name: "user not found", setup: breaks("user_not_found"), permanent: true, requests: 1},
		{name: "channel not found", setup: breaks("channel_not_found"), permanent: true, gone: true, requests: 1},
		{name: "archived", setup: breaks("channel_is_archived"), permanent: true, gone: true, requests: 1},
		{name: "webhook removed", setup: breaks("no_service"), permanent: true, gone: true, requests: 1},
		{name: "no service id", setup: breaks("no_service_id"), permanent: true, gone: true, requests: 1},
		{name: "no team", setup: breaks("no_team"), permanent: true, gone: true, requests: 1},
		{name: "team disabled", setup: breaks("team_disabled"), permanent: true, gone: true, requests: 1},
		{name: "invalid token", setup: breaks("invalid_token"), permanent: true, gone: true, requests: 1},
		{name: "rate limited", setup: script(slacktest.Failure{Status: 429, RetryAfter: "30"}), retryAfter: 30 * time.Second, requests: 1},
		{name: "rollup error", setup: script(slacktest.Failure{Status: 500}), requests: 1},
		{name: "bad gateway", setup: script(slacktest.Failure{Status: 502, Code: "<html>bad gateway</html>"}), requests: 1},
		{name: "dropped connection", setup: script(slacktest.Failure{Drop: true}), uncertain: true, requests: 1},
		{name: "timeout", setup: script(slacktest.Failure{Hang: true}), uncertain: true, requests: 1},
		{name: "not a Slack URL", address: "https://evil.example/services/T/B/x", permanent: true},
		{name: "bot: channel not found", bot: true, address: "C0UNKNOWN1", permanent: true, gone: true, requests: 1},
		{name: "bot: archived", bot: true, setup: func(s *slacktest.Server, _ string) { s.Break("C0STAFF001", "is_archived") }, permanent: true, gone: true, requests: 1},
		{name: "bot: not in channel", bot: true, setup: func(s *slacktest.Server, _ string) { s.Break("C0STAFF001", "not_in_channel") }, permanent: true, requests: 1},
		{name: "bot: revoked token", bot: true, setup: func(s *slacktest.Server, _ string) { s.Break("C0STAFF001", "token_revoked") }, token: true, requests: 1},
		{name: "bot: rate limited", bot: true, setup: script(slacktest.Failure{Status: 429, RetryAfter: "2"}), retryAfter: 2 * time.Second, requests: 1},
		{name: "bot: internal error", bot: true, setup: script(slacktest.Failure{Code: "internal_error"}), uncertain: true, requests: 1},
		{name: "bot: not a channel id", bot: true, address: "#general", permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, s := start(t)
			hook := srv.Webhook("C0ALERTS01")
			srv.Channel("C0STAFF001")
			if tt.setup != nil {
				tt.setup(srv, hook)
			}
			addr := hook
			if tt.bot {
				addr = "C0STAFF001"
			}
			if tt.address != "" {
				addr = tt.address
			}
			start := time.Now()
			r := sendOne(t, s, deliver.Item{Key: "k", Address: addr, Subject: "Panne", Text: "Point de situation."})
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			if r.Err == nil || r.Permanent != tt.permanent || r.RetryAfter != tt.retryAfter || errors.Is(r.Err, ErrToken) != tt.token {
				t.Fatalf("result = {err: %v, permanent: %v, retry after: %s}, want permanent %v, retry after %s, token %v",
					r.Err, r.Permanent, r.RetryAfter, tt.permanent, tt.retryAfter, tt.token)
			}
			var e *Error
			if errors.As(r.Err, &e) && (e.Gone() != tt.gone || e.Uncertain() != tt.uncertain) {
				t.Errorf("gone %v uncertain %v, want %v %v", e.Gone(), e.Uncertain(), tt.gone, tt.uncertain)
			}
			secret := hook[strings.LastIndexByte(hook, '/')+1:]
			if strings.Contains(r.Err.Error(), secret) || strings.Contains(r.Err.Error(), token) {
				t.Errorf("secret shown in %q", r.Err)
			}
			if srv.Requests() != tt.requests {
				t.Errorf("%d requests, want %d", srv.Requests(), tt.requests)
			}
		})
	}
}

func script(f slacktest.Failure) func(*slacktest.Server, string) {
	return func(s *slacktest.Server, _ string) { s.FailNext(f) }
}

func breaks(code string) func(*slacktest.Server, string) {
	return func(s *slacktest.Server, hook string) { s.Break(hook, code) }
}

func TestWebhookURLNeverShown(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	base := "http://" + ln.Addr().String() + "/services/"
	ln.Close()
	s, _ := New(Options{WebhookBase: base})
	hook := base + "T0VIGIE01/B0ABCDEF/s3cr3tw3bh00kt0k3n"
	for _, it := range []deliver.Item{
		{Key: "refused", Address: hook, Text: "x"},
		{Key: "query", Address: hook + "?x=1", Text: "x"},
		{Key: "foreign", Address: "https://example.com/s3cr3tw3bh00kt0k3n", Text: "x"},
		{Key: "no token", Address: "C0STAFF001", Text: "x"},
	} {
		r := sendOne(t, s, it)
		if r.Err == nil || strings.Contains(r.Err.Error(), "s3cr3t") {
			t.Errorf("%s: %v", it.Key, r.Err)
		}
		if it.Key == "refused" && r.Permanent {
			t.Errorf("connection refused is permanent")
		}
	}
	if got := Redact(hook); got != "http://"+ln.Addr().String()+"/…" {
		t.Errorf("Redact = %q", got)
	}
}

func TestNew(t *testing.T) {
	for _, o := range []Options{{WebhookBase: "hooks.slack.com"}, {WebhookBase: "https://hooks.slack.com/services"}, {Token: "abc"}, {APIBase: "::"}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	s, err := New(Options{})
	if err != nil || s.o.WebhookBase != defaultWebhookBase || s.o.APIBase != defaultAPIBase || s.o.Timeout != defaultTimeout || s.o.Parallel != 1 ||
		s.Channel() != "slack" || s.Provider() != "slack" || s.MaxBatch() != 1 || s.Idempotent() {
		t.Errorf("defaults: %+v, %v", s, err)
	}
}
