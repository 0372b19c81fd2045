package vonage

// Vonage has no local server: these tests run against vonagetest, an
// httptest double of the SMS API that follows its documented form fields,
// its always-200 answers with messages[].status, and its status codes.

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/vonage/vonagetest"
	"github.com/vigie-hq/vigie/internal/deliver"
)

const (
	key    = "abcd1234"
	secret = "s3cr3tVonageSecret"
)

func start(t *testing.T, o Options) (*vonagetest.Server, *Sender) {
	t.Helper()
	srv := vonagetest.Start(t, key, secret)
	o.APIKey, o.BaseURL = key, srv.URL()
	if o.APISecret == "" {
		o.APISecret = secret
	}
	if o.From == "" {
		o.From = "CafeExpress"
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

func TestSend(t *testing.T) {
	srv, s := start(t, Options{Callback: "https://vigie.example/vonage/dlr"})
	key := "4f1c9a0e7b2d4e61a5c3b8d9e0f1a2b3-and-more-than-forty"
	r := sendOne(t, s, deliver.Item{Key: key, Address: "+33 6 12 34 56 78", Subject: "ignored", Text: "Panne WhatsApp : commandez au 06 00 00 12 34, à demain."})
	if r.Err != nil || !strings.HasPrefix(r.ProviderID, "0C0000") {
		t.Fatalf("send: %+v", r)
	}
	m := srv.Messages()
	if len(m) != 1 || m[0].ID != r.ProviderID || m[0].To != "33612345678" || m[0].From != "CafeExpress" || m[0].Type != "text" ||
		m[0].ClientRef != key[:40] || m[0].Callback != "https://vigie.example/vonage/dlr" || !strings.HasPrefix(m[0].Text, "Panne WhatsApp") {
		t.Errorf("messages = %+v", m)
	}
}

func TestUnicode(t *testing.T) {
	_, s := start(t, Options{})
	for text, want := range map[string]string{
		"Commandez à l'accueil, café ouvert": "text",    // à and é are GSM-7
		"Réouverture à 14 h – merci":         "unicode", // the en dash is not
		"Ça repart 🎉":                        "unicode",
		"Prix en €, [promo] {ok}":            "text", // GSM-7 extension table
		"Ünïcode? ï is not GSM-7":            "unicode",
	} {
		f, err := s.Form(deliver.Item{Key: "k", Address: "+33612345678", Text: text})
		if err != nil || f.Get("type") != want || f.Get("text") != text {
			t.Errorf("%q: type %q, %v; want %q", text, f.Get("type"), err, want)
		}
	}
}

func TestSendResults(t *testing.T) {
	fail := func(f vonagetest.Failure) func(*vonagetest.Server) {
		return func(s *vonagetest.Server) { s.FailNext(f) }
	}
	tests := []struct {
		name       string
		setup      func(*vonagetest.Server)
		opts       Options
		address    string
		text       string
		permanent  bool
		gone       bool
		uncertain  bool
		account    bool
		retryAfter time.Duration
		requests   int
	}{
		{name: "throttled", setup: fail(vonagetest.Failure{Status: "1"}), requests: 1},
		{name: "missing parameters", setup: fail(vonagetest.Failure{Status: "2"}), permanent: true, requests: 1},
		{name: "invalid parameters", setup: fail(vonagetest.Failure{Status: "3"}), permanent: true, requests: 1},
		{name: "invalid credentials", opts: Options{APISecret: "wrong"}, account: true, requests: 1},
		{name: "internal error", setup: fail(vonagetest.Failure{Status: "5"}), requests: 1},
		{name: "invalid message", setup: fail(vonagetest.Failure{Status: "6"}), permanent: true, requests: 1},
		{name: "number barred", setup: func(s *vonagetest.Server) { s.Reject("33612345678", "7") }, permanent: true, gone: true, requests: 1},
		{name: "account barred", setup: fail(vonagetest.Failure{Status: "8"}), account: true, requests: 1},
		{name: "no credit", setup: fail(vonagetest.Failure{Status: "9"}), account: true, requests: 1},
		{name: "too many binds", setup: fail(vonagetest.Failure{Status: "10"}), requests: 1},
		{name: "not enabled for HTTP", setup: fail(vonagetest.Failure{Status: "11"}), account: true, requests: 1},
		{name: "message too long", setup: fail(vonagetest.Failure{Status: "12"}), permanent: true, requests: 1},
		{name: "invalid sender", setup: fail(vonagetest.Failure{Status: "15"}), account: true, requests: 1},
		{name: "non-whitelisted destination", setup: fail(vonagetest.Failure{Status: "29"}), account: true, requests: 1},
		{name: "number de-activated", setup: fail(vonagetest.Failure{Status: "33"}), permanent: true, gone: true, requests: 1},
		{name: "second part failed", setup: fail(vonagetest.Failure{Status: "5", Parts: 2}), uncertain: true, requests: 1},
		{name: "HTTP 429", setup: fail(vonagetest.Failure{HTTPStatus: 429, RetryAfter: "4"}), retryAfter: 4 * time.Second, requests: 1},
		{name: "HTTP 503", setup: fail(vonagetest.Failure{HTTPStatus: 503}), requests: 1},
		{name: "HTTP 401", setup: fail(vonagetest.Failure{HTTPStatus: 401}), requests: 1},
		{name: "dropped connection", setup: fail(vonagetest.Failure{Drop: true}), uncertain: true, requests: 1},
		{name: "timeout", setup: fail(vonagetest.Failure{Hang: true}), uncertain: true, requests: 1},
		{name: "national number", address: "06 12 34 56 78", permanent: true},
		{name: "empty", text: "-", permanent: true},
		{name: "eleven segments", text: strings.Repeat("x", 153*10+1), permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, s := start(t, tt.opts)
			if tt.setup != nil {
				tt.setup(srv)
			}
			it := deliver.Item{Key: "k", Address: tt.address, Text: tt.text}
			if it.Address == "" {
				it.Address = "+33612345678"
			}
			switch it.Text {
			case "":
				it.Text = "Point de situation à 16 h 10."
			case "-":
				it.Text = ""
			}
			r := sendOne(t, s, it)
			if r.Err == nil || r.Permanent != tt.permanent || r.RetryAfter != tt.retryAfter || errors.Is(r.Err, ErrAccount) != tt.account {
				t.Fatalf("result = {err: %v, permanent: %v, retry after: %s}, want permanent %v, retry after %s, account %v",
					r.Err, r.Permanent, r.RetryAfter, tt.permanent, tt.retryAfter, tt.account)
			}
			var e *Error
			if errors.As(r.Err, &e) && (e.Gone() != tt.gone || e.Uncertain() != tt.uncertain) {
				t.Errorf("gone %v uncertain %v, want %v %v", e.Gone(), e.Uncertain(), tt.gone, tt.uncertain)
			}
			if strings.Contains(r.Err.Error(), secret) {
				t.Errorf("secret shown in %q", r.Err)
			}
			if srv.Requests() != tt.requests {
				t.Errorf("%d requests, want %d", srv.Requests(), tt.requests)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	s, _ := New(Options{APIKey: key, APISecret: secret, From: "x", BaseURL: "http://" + addr})
	r := sendOne(t, s, deliver.Item{Key: "k", Address: "+33612345678", Text: "x"})
	var e *Error
	if r.Err == nil || r.Permanent || !errors.As(r.Err, &e) || e.Uncertain() || strings.Contains(r.Err.Error(), secret) {
		t.Errorf("connection refused: %+v", r)
	}
}

func TestNew(t *testing.T) {
	ok := Options{APIKey: key, APISecret: secret, From: "CafeExpress"}
	for name, mod := range map[string]func(*Options){
		"no key":       func(o *Options) { o.APIKey = "" },
		"no secret":    func(o *Options) { o.APISecret = "" },
		"no sender":    func(o *Options) { o.From = "" },
		"bad base URL": func(o *Options) { o.BaseURL = "rest.nexmo.com" },
		"bad callback": func(o *Options) { o.Callback = "/dlr" },
	} {
		o := ok
		mod(&o)
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s, err := New(ok)
	if err != nil || s.endpoint != "https://rest.nexmo.com/sms/json" || s.o.Timeout != defaultTimeout ||
		s.Channel() != "sms" || s.Provider() != "vonage" || s.MaxBatch() != 1 || s.Idempotent() {
		t.Errorf("defaults: %+v, %v", s, err)
	}
}
