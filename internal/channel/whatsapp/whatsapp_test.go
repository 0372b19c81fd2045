package whatsapp

// Meta has no local server: these tests run against whatsapptest, an
// httptest double that follows the Cloud API's documented request (bearer
// token, JSON text and template messages), answer ({"messages":
// [{"id": "wamid…"}]}), Graph API error objects and codes, and rate-limit
// headers.

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/whatsapp/whatsapptest"
	"github.com/vigie-hq/vigie/internal/deliver"
)

const (
	phoneID = "106540352242922"
	token   = "EAAJBtesttokenwhatsapptestdouble0123456789"
	to      = "+33612345678"
)

func start(t *testing.T, o Options) (*whatsapptest.Server, *Sender) {
	t.Helper()
	srv := whatsapptest.Start(t, phoneID, token)
	srv.Template("outage_notice", "fr", 1)
	srv.Template("outage_notice", "en", 1)
	srv.Template("outage_subject_text", "fr", 2)
	o.PhoneNumberID, o.BaseURL = phoneID, srv.URL()
	if o.Token == "" {
		o.Token = token
	}
	if o.Template == "" && !o.FreeForm {
		o.Template = "outage_notice"
	}
	if o.Timeout == 0 {
		o.Timeout = 300 * time.Millisecond
	}
	s, err := New(o)
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

func TestSendTemplate(t *testing.T) {
	srv, s := start(t, Options{})
	r := sendOne(t, s, deliver.Item{Key: "k", Address: "+33 6 12 34 56 78", Lang: "fr", Subject: "Panne",
		Text: "WhatsApp est perturbé.\nCommandez par SMS\tau 06 00 00 12 34."})
	if r.Err != nil || !strings.HasPrefix(r.ProviderID, "wamid.") {
		t.Fatalf("send: %+v", r)
	}
	m := srv.Messages()
	if len(m) != 1 || m[0].ID != r.ProviderID || m[0].To != to || m[0].Type != "template" || m[0].Template != "outage_notice" || m[0].Language != "fr" ||
		len(m[0].Params) != 1 || m[0].Params[0] != "WhatsApp est perturbé. Commandez par SMS au 06 00 00 12 34." {
		t.Errorf("messages = %+v", m)
	}
}

func TestTemplatePayload(t *testing.T) {
	s, err := New(Options{Token: token, PhoneNumberID: phoneID, Template: "outage_subject_text", TemplateLanguage: "en_US", TemplateParams: []string{"subject", "text"}})
	if err != nil {
		t.Fatal(err)
	}
	body, err := s.templateMessage(to, deliver.Item{Lang: "fr", Subject: "Outage", Text: "Order  by   SMS:      06 00"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(body)
	want := `{"messaging_product":"whatsapp","recipient_type":"individual","template":{"components":[{"parameters":[{"text":"Outage","type":"text"},{"text":"Order by SMS: 06 00","type":"text"}],"type":"body"}],"language":{"code":"en_US"},"name":"outage_subject_text"},"to":"+33612345678","type":"template"}`
	if string(got) != want {
		t.Errorf("payload\n got %s\nwant %s", got, want)
	}
	s.o.TemplateParams = []string{}
	body, _ = s.templateMessage(to, deliver.Item{Lang: "fr"})
	if got, _ := json.Marshal(body); strings.Contains(string(got), "components") || !strings.Contains(string(got), `"language":{"code":"en_US"}`) {
		t.Errorf("template without variables: %s", got)
	}
}

func TestSendFreeForm(t *testing.T) {
	srv, s := start(t, Options{FreeForm: true, Template: "outage_notice"})
	srv.OpenWindow(to)
	if r := sendOne(t, s, deliver.Item{Key: "open", Address: to, Lang: "fr", Subject: "Only a subject"}); r.Err != nil {
		t.Fatal(r.Err)
	}
	// A closed window answers 131047 without sending: the template follows.
	r := sendOne(t, s, deliver.Item{Key: "closed", Address: "+33699999999", Lang: "en", Text: "Back to normal."})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	m := srv.Messages()
	if len(m) != 2 || m[0].Type != "text" || m[0].Text != "Only a subject" || m[1].Type != "template" || m[1].Language != "en" || m[1].Params[0] != "Back to normal." {
		t.Errorf("messages = %+v", m)
	}
	if srv.Requests() != 3 {
		t.Errorf("%d requests, want 3", srv.Requests())
	}
	_, only := start(t, Options{FreeForm: true})
	r = sendOne(t, only, deliver.Item{Key: "k", Address: to, Text: "x"})
	var e *Error
	if !r.Permanent || !errors.As(r.Err, &e) || !e.WindowClosed() {
		t.Errorf("free form only, window closed: %+v", r)
	}
}

func TestSendResults(t *testing.T) {
	now := time.Date(2026, 3, 14, 16, 10, 0, 0, time.UTC)
	fail := func(f whatsapptest.Failure) func(*whatsapptest.Server) {
		return func(s *whatsapptest.Server) { s.FailNext(f) }
	}
	tests := []struct {
		name       string
		setup      func(*whatsapptest.Server)
		item       deliver.Item
		opts       Options
		ok         bool
		permanent  bool
		token      bool
		rateLimit  bool
		uncertain  bool
		retryAfter time.Duration
		requests   int
	}{
		{name: "accepted", ok: true, requests: 1},
		{name: "undeliverable", setup: func(s *whatsapptest.Server) { s.Reject(to, 131026) }, permanent: true, requests: 1},
		{name: "re-engagement", setup: fail(whatsapptest.Failure{Code: 131047}), permanent: true, requests: 1},
		{name: "unsupported type", setup: fail(whatsapptest.Failure{Code: 131051}), permanent: true, requests: 1},
		{name: "invalid parameter", setup: fail(whatsapptest.Failure{Code: 100}), permanent: true, requests: 1},
		{name: "missing parameter", setup: fail(whatsapptest.Failure{Code: 131008}), permanent: true, requests: 1},
		{name: "bad parameter value", setup: fail(whatsapptest.Failure{Code: 131009}), permanent: true, requests: 1},
		{name: "template params mismatch", opts: Options{Template: "outage_subject_text", TemplateParams: []string{"text"}}, permanent: true, requests: 1},
		{name: "template missing", opts: Options{Template: "no_such_template"}, permanent: true, requests: 1},
		{name: "template paused", setup: fail(whatsapptest.Failure{Code: 132015}), permanent: true, requests: 1},
		{name: "throughput", setup: fail(whatsapptest.Failure{Code: 130429}), rateLimit: true, requests: 1},
		{name: "pair rate limit", setup: fail(whatsapptest.Failure{Code: 131056, RetryAfter: "6"}), rateLimit: true, retryAfter: 6 * time.Second, requests: 1},
		{name: "spam rate limit", setup: fail(whatsapptest.Failure{Code: 131048}), rateLimit: true, requests: 1},
		{name: "account rate limit", setup: fail(whatsapptest.Failure{Code: 80007, RegainMinutes: 5}), rateLimit: true, retryAfter: 5 * time.Minute, requests: 1},
		{name: "app call limit", setup: fail(whatsapptest.Failure{Code: 4, RegainMinutes: 1 << 40}), rateLimit: true, retryAfter: deliver.MaxRetryAfter, requests: 1},
		{name: "HTTP 429", setup: fail(whatsapptest.Failure{Status: 429, RetryAfter: now.Add(time.Minute).Format(http.TimeFormat)}), rateLimit: true, retryAfter: time.Minute, requests: 1},
		{name: "unknown API error", setup: fail(whatsapptest.Failure{Code: 1}), requests: 1},
		{name: "service", setup: fail(whatsapptest.Failure{Code: 2}), requests: 1},
		{name: "something went wrong", setup: fail(whatsapptest.Failure{Code: 131000}), requests: 1},
		{name: "service unavailable", setup: fail(whatsapptest.Failure{Code: 131016}), requests: 1},
		{name: "bad gateway", setup: fail(whatsapptest.Failure{Status: 502}), requests: 1},
		{name: "expired token", opts: Options{Token: "EAAJBexpired"}, permanent: true, token: true, requests: 1},
		{name: "permission removed", setup: fail(whatsapptest.Failure{Code: 10}), permanent: true, token: true, requests: 1},
		{name: "permission error", setup: fail(whatsapptest.Failure{Code: 200}), permanent: true, token: true, requests: 1},
		{name: "auth exception", setup: fail(whatsapptest.Failure{Code: 0, Status: 401}), permanent: true, token: true, requests: 1},
		{name: "other client error", setup: fail(whatsapptest.Failure{Status: 400}), permanent: true, requests: 1},
		{name: "dropped connection", setup: fail(whatsapptest.Failure{Drop: true}), uncertain: true, requests: 1},
		{name: "timeout", setup: fail(whatsapptest.Failure{Hang: true}), uncertain: true, requests: 1},
		{name: "national number", item: deliver.Item{Address: "06 12 34 56 78"}, permanent: true},
		{name: "no language", item: deliver.Item{Lang: "-"}, permanent: true},
		{name: "empty text", item: deliver.Item{Text: "-"}, permanent: true},
		{name: "text too long for a template", item: deliver.Item{Text: strings.Repeat("é", 1025)}, permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, s := start(t, tt.opts)
			s.now = func() time.Time { return now }
			if tt.setup != nil {
				tt.setup(srv)
			}
			it := tt.item
			it.Key = "k"
			if it.Address == "" {
				it.Address = to
			}
			switch it.Lang {
			case "":
				it.Lang = "fr"
			case "-":
				it.Lang = ""
			}
			switch it.Text {
			case "":
				it.Text = "Point de situation à 16 h 10."
			case "-":
				it.Text = ""
			}
			start := time.Now()
			r := sendOne(t, s, it)
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			if tt.ok != (r.Err == nil) || r.Permanent != tt.permanent || r.RetryAfter != tt.retryAfter || errors.Is(r.Err, ErrToken) != tt.token {
				t.Fatalf("result = {err: %v, permanent: %v, retry after: %s}, want ok %v, permanent %v, retry after %s, token %v",
					r.Err, r.Permanent, r.RetryAfter, tt.ok, tt.permanent, tt.retryAfter, tt.token)
			}
			var e *Error
			if errors.As(r.Err, &e) && (e.Uncertain() != tt.uncertain || e.RateLimited() != tt.rateLimit) {
				t.Errorf("uncertain %v rate limited %v, want %v %v", e.Uncertain(), e.RateLimited(), tt.uncertain, tt.rateLimit)
			}
			if tt.token && !strings.Contains(r.Err.Error(), "renew") {
				t.Errorf("token error does not say to renew the token: %v", r.Err)
			}
			if srv.Requests() != tt.requests {
				t.Errorf("%d requests reached the API, want %d", srv.Requests(), tt.requests)
			}
		})
	}
}

func TestErrorShowsMetaDetails(t *testing.T) {
	srv, s := start(t, Options{})
	srv.Reject(to, 131026)
	r := sendOne(t, s, deliver.Item{Key: "k", Address: to, Lang: "fr", Text: "x"})
	msg := r.Err.Error()
	for _, want := range []string{"HTTP 400", "error 131026", "Message undeliverable", "not a WhatsApp phone number", "fbtrace_id"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
}

func TestTokenNeverShown(t *testing.T) {
	srv, s := start(t, Options{Token: "EAAJBwrongtoken"})
	r := sendOne(t, s, deliver.Item{Key: "k", Address: to, Lang: "fr", Text: "x"})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	down, _ := New(Options{Token: token, PhoneNumberID: phoneID, Template: "t", BaseURL: "http://" + addr})
	r2 := sendOne(t, down, deliver.Item{Key: "k", Address: to, Lang: "fr", Text: "x"})
	var e *Error
	if r2.Err == nil || r2.Permanent || !errors.As(r2.Err, &e) || e.Uncertain() {
		t.Errorf("connection refused: %+v; want retryable and certain", r2)
	}
	for _, msg := range []string{r.Err.Error(), r2.Err.Error()} {
		if strings.Contains(msg, token) || strings.Contains(msg, "EAAJB") {
			t.Errorf("token shown in %q", msg)
		}
	}
	if srv.Requests() != 1 {
		t.Errorf("%d requests", srv.Requests())
	}
}

func TestSendHonoursContext(t *testing.T) {
	srv, s := start(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := s.Send(ctx, []deliver.Item{{Key: "a", Address: to, Lang: "fr", Text: "x"}, {Key: "b", Address: to, Lang: "fr", Text: "x"}})
	if len(res) != 2 || res[0].Err == nil || res[1].Err == nil || res[0].Permanent || srv.Requests() != 0 {
		t.Errorf("cancelled: %+v, %d requests", res, srv.Requests())
	}
}

func TestNew(t *testing.T) {
	ok := Options{Token: token, PhoneNumberID: phoneID, Template: "outage_notice"}
	for name, mod := range map[string]func(*Options){
		"no token":          func(o *Options) { o.Token = "" },
		"token with space":  func(o *Options) { o.Token = "a b" },
		"phone number":      func(o *Options) { o.PhoneNumberID = "+33612345678" },
		"bad version":       func(o *Options) { o.APIVersion = "25" },
		"bad base URL":      func(o *Options) { o.BaseURL = "graph.facebook.com" },
		"no template":       func(o *Options) { o.Template = "" },
		"bad template name": func(o *Options) { o.Template = "Outage Notice" },
		"bad param":         func(o *Options) { o.TemplateParams = []string{"body"} },
	} {
		o := ok
		mod(&o)
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s, err := New(ok)
	if err != nil || s.endpoint != "https://graph.facebook.com/v25.0/"+phoneID+"/messages" || s.o.Timeout != defaultTimeout ||
		len(s.o.TemplateParams) != 1 || s.Channel() != "whatsapp" || s.Provider() != "whatsapp_cloud" || s.MaxBatch() != 1 || s.Idempotent() {
		t.Errorf("defaults: %+v, %v", s, err)
	}
}
