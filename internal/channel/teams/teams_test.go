package teams

// These tests run against teamstest, an httptest double of a Workflows
// webhook: signed URL, Adaptive Card message, 202 Accepted, Logic Apps
// error documents, 413 and 429 with Retry-After.

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/teams/teamstest"
	"github.com/vigie-hq/vigie/internal/deliver"
)

func start(t *testing.T) (*teamstest.Server, *Sender) {
	t.Helper()
	srv := teamstest.Start(t)
	host, _, _ := strings.Cut(srv.Host(), ":")
	s, err := New(Options{Hosts: []string{host}, Timeout: 300 * time.Millisecond})
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
	hook := srv.Webhook()
	r := sendOne(t, s, deliver.Item{Key: "k", Address: hook, Subject: "Panne WhatsApp", Text: "Clients redirigés vers le SMS.", Drill: true})
	if r.Err != nil || r.ProviderID == "" {
		t.Fatalf("send: %+v", r)
	}
	c := srv.Cards()
	if len(c) != 1 || c[0].RunID != r.ProviderID || c[0].Version != "1.4" || len(c[0].Texts) != 3 ||
		c[0].Texts[0].Text != "Panne WhatsApp" || c[0].Texts[0].Weight != "Bolder" || c[0].Texts[1].Text != "Clients redirigés vers le SMS." || c[0].Texts[2].Text != "DRILL" {
		t.Errorf("cards = %+v", c)
	}
}

func TestCard(t *testing.T) {
	got, _ := json.Marshal(Card(deliver.Item{Subject: "Panne", Text: "Texte <b>&</b>"}))
	want := `{"attachments":[{"content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","body":[` +
		`{"size":"Medium","style":"heading","text":"Panne","type":"TextBlock","weight":"Bolder","wrap":true},` +
		`{"text":"Texte \u003cb\u003e\u0026\u003c/b\u003e","type":"TextBlock","wrap":true}],"type":"AdaptiveCard","version":"1.4"},` +
		`"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null}],"type":"message"}`
	if string(got) != want {
		t.Errorf("card\n got %s\nwant %s", got, want)
	}
}

func TestSendResults(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(s *teamstest.Server, hook string)
		address    func(hook string) string
		text       string
		permanent  bool
		gone       bool
		uncertain  bool
		retryAfter time.Duration
		requests   int
	}{
		{name: "bad request", setup: script(teamstest.Failure{Status: 400, Code: "InvalidTemplate"}), permanent: true, requests: 1},
		{name: "wrong signature", address: func(h string) string { return strings.Replace(h, "sig=", "sig=x", 1) }, permanent: true, requests: 1},
		{name: "forbidden", setup: script(teamstest.Failure{Status: 403}), permanent: true, requests: 1},
		{name: "deleted flow", setup: func(s *teamstest.Server, h string) { s.Delete(h) }, permanent: true, gone: true, requests: 1},
		{name: "gone", setup: script(teamstest.Failure{Status: 410}), permanent: true, gone: true, requests: 1},
		{name: "too large at Teams", setup: script(teamstest.Failure{Status: 413}), permanent: true, requests: 1},
		{name: "too large here", text: strings.Repeat("é", 15000), permanent: true},
		{name: "throttled", setup: script(teamstest.Failure{Status: 429, RetryAfter: "7"}), retryAfter: 7 * time.Second, requests: 1},
		{name: "request timeout", setup: script(teamstest.Failure{Status: 408}), requests: 1},
		{name: "server error", setup: script(teamstest.Failure{Status: 500}), requests: 1},
		{name: "unavailable", setup: script(teamstest.Failure{Status: 503, RetryAfter: "120"}), retryAfter: 2 * time.Minute, requests: 1},
		{name: "dropped connection", setup: script(teamstest.Failure{Drop: true}), uncertain: true, requests: 1},
		{name: "timeout", setup: script(teamstest.Failure{Hang: true}), uncertain: true, requests: 1},
		{name: "retired connector", address: func(string) string {
			return "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456"
		}, permanent: true},
		{name: "other host", address: func(string) string { return "https://evil.example/workflows/x?sig=s3cr3t" }, permanent: true},
		{name: "empty", text: "-", permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, s := start(t)
			hook := srv.Webhook()
			if tt.setup != nil {
				tt.setup(srv, hook)
			}
			addr := hook
			if tt.address != nil {
				addr = tt.address(hook)
			}
			it := deliver.Item{Key: "k", Address: addr, Subject: "Panne", Text: tt.text}
			switch tt.text {
			case "":
				it.Text = "Point de situation."
			case "-":
				it.Subject, it.Text = " ", ""
			}
			r := sendOne(t, s, it)
			if r.Err == nil || r.Permanent != tt.permanent || r.RetryAfter != tt.retryAfter {
				t.Fatalf("result = {err: %v, permanent: %v, retry after: %s}, want permanent %v, retry after %s",
					r.Err, r.Permanent, r.RetryAfter, tt.permanent, tt.retryAfter)
			}
			var e *Error
			if errors.As(r.Err, &e) && (e.Gone() != tt.gone || e.Uncertain() != tt.uncertain) {
				t.Errorf("gone %v uncertain %v, want %v %v", e.Gone(), e.Uncertain(), tt.gone, tt.uncertain)
			}
			u, _ := url.Parse(addr)
			for _, secret := range []string{u.Query().Get("sig"), u.Path} {
				if len(secret) > 2 && strings.Contains(r.Err.Error(), secret) {
					t.Errorf("secret %q shown in %q", secret, r.Err)
				}
			}
			if srv.Requests() != tt.requests {
				t.Errorf("%d requests, want %d", srv.Requests(), tt.requests)
			}
		})
	}
}

func script(f teamstest.Failure) func(*teamstest.Server, string) {
	return func(s *teamstest.Server, _ string) { s.FailNext(f) }
}

func TestRetiredConnectorSaysWhatToDo(t *testing.T) {
	s, _ := New(Options{})
	r := sendOne(t, s, deliver.Item{Key: "k", Address: "https://outlook.office.com/webhook/abc/IncomingWebhook/s3cr3t", Text: "x"})
	if r.Err == nil || !r.Permanent || !strings.Contains(r.Err.Error(), "Workflows") || strings.Contains(r.Err.Error(), "s3cr3t") {
		t.Errorf("retired connector: %+v", r)
	}
}

func TestNew(t *testing.T) {
	s, err := New(Options{})
	if err != nil || len(s.o.Hosts) != len(DefaultHosts) || s.o.Timeout != defaultTimeout || s.o.Parallel != 2 ||
		s.Channel() != "teams" || s.Provider() != "teams_workflows" || s.MaxBatch() != 1 || s.Idempotent() {
		t.Errorf("defaults: %+v, %v", s, err)
	}
	for _, addr := range []string{"https://prod-01.westeurope.logic.azure.com:443/workflows/x/triggers/manual/paths/invoke?sig=y",
		"https://default0123.45.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/x/triggers/manual/paths/invoke?sig=y"} {
		if err := s.checkAddress(addr); err != nil {
			t.Errorf("%s refused: %v", Redact(addr), err)
		}
	}
}
