package twilio

// Twilio has no local server: these tests run against twiliotest, an
// httptest double that follows Twilio's documented request (form fields,
// basic auth), Message resource, error documents and codes, and 429 with
// Retry-After.

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/twilio/twiliotest"
	"github.com/vigie-hq/vigie/internal/deliver"
)

const (
	sid     = "AC0123456789abcdef0123456789abcdef"
	token   = "f00dfacef00dfacef00dfacef00dface"
	service = "MG0123456789abcdef0123456789abcdef"
)

func start(t *testing.T, o Options) (*twiliotest.Server, *Sender) {
	t.Helper()
	srv := twiliotest.Start(t, sid, token)
	o.AccountSID, o.BaseURL = sid, srv.URL()
	if o.AuthToken == "" {
		o.AuthToken = token
	}
	if o.From == "" && o.MessagingServiceSID == "" {
		o.From = "+33600001234"
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
	srv, s := start(t, Options{StatusCallback: "https://vigie.example/twilio/status"})
	r := sendOne(t, s, deliver.Item{Key: "k1", Address: "+33 6 12 34 56 78", Subject: "ignored", Text: "Panne WhatsApp : commandez au 06 00 00 12 34."})
	if r.Err != nil || !strings.HasPrefix(r.ProviderID, "SM") {
		t.Fatalf("send: %+v", r)
	}
	m := srv.Messages()
	if len(m) != 1 || m[0].SID != r.ProviderID || m[0].To != "+33612345678" || m[0].From != "+33600001234" || m[0].MessagingServiceSID != "" ||
		m[0].StatusCallback != "https://vigie.example/twilio/status" || !strings.HasPrefix(m[0].Body, "Panne WhatsApp") {
		t.Errorf("messages = %+v", m)
	}
	srv2, s2 := start(t, Options{MessagingServiceSID: service, From: "+33600001234"})
	if r := sendOne(t, s2, deliver.Item{Key: "k2", Address: "+33612345678", Subject: "Only a subject"}); r.Err != nil {
		t.Fatal(r.Err)
	}
	if m := srv2.Messages(); len(m) != 1 || m[0].MessagingServiceSID != service || m[0].From != "" || m[0].Body != "Only a subject" {
		t.Errorf("with a messaging service: %+v", m)
	}
}

func TestSendResults(t *testing.T) {
	now := time.Date(2026, 3, 14, 16, 10, 0, 0, time.UTC)
	tests := []struct {
		name       string
		setup      func(*twiliotest.Server)
		address    string
		text       string
		opts       Options
		ok         bool
		permanent  bool
		gone       bool
		uncertain  bool
		account    bool
		retryAfter time.Duration
		requests   int
	}{
		{name: "invalid number at Twilio", setup: func(s *twiliotest.Server) { s.Reject("+15005550001", 21211) }, address: "+15005550001", permanent: true, gone: true, requests: 1},
		{name: "not a mobile", setup: func(s *twiliotest.Server) { s.Reject("+15005550009", 21614) }, address: "+15005550009", permanent: true, gone: true, requests: 1},
		{name: "unsubscribed (STOP)", setup: func(s *twiliotest.Server) { s.Reject("+33612345678", 21610) }, permanent: true, gone: true, requests: 1},
		{name: "country not enabled", setup: func(s *twiliotest.Server) { s.Reject("+33612345678", 21408) }, account: true, requests: 1},
		{name: "rate limited", setup: func(s *twiliotest.Server) { s.FailNext(twiliotest.Failure{Status: 429, RetryAfter: "3"}) }, retryAfter: 3 * time.Second, requests: 1},
		{name: "rate limited without header", setup: func(s *twiliotest.Server) { s.FailNext(twiliotest.Failure{Status: 429}) }, requests: 1},
		{name: "unavailable until a date", setup: func(s *twiliotest.Server) {
			s.FailNext(twiliotest.Failure{Status: 503, Code: 20503, RetryAfter: now.Add(time.Minute).Format(http.TimeFormat)})
		}, retryAfter: time.Minute, requests: 1},
		{name: "server error", setup: func(s *twiliotest.Server) { s.FailNext(twiliotest.Failure{Status: 500}) }, requests: 1},
		{name: "other client error", setup: func(s *twiliotest.Server) { s.FailNext(twiliotest.Failure{Status: 400, Code: 21620}) }, permanent: true, requests: 1},
		{name: "wrong auth token", opts: Options{AuthToken: "wrong"}, account: true, requests: 1},
		{name: "dropped connection", setup: func(s *twiliotest.Server) { s.FailNext(twiliotest.Failure{Drop: true}) }, uncertain: true, requests: 1},
		{name: "timeout", setup: func(s *twiliotest.Server) { s.FailNext(twiliotest.Failure{Hang: true}) }, uncertain: true, requests: 1},
		{name: "national number", address: "06 12 34 56 78", permanent: true},
		{name: "letters", address: "+33 6 CALL ME", permanent: true},
		{name: "empty text", text: "-", permanent: true},
		{name: "eleven segments", text: strings.Repeat("x", 153*10+1), permanent: true},
		{name: "ten UCS-2 segments", text: strings.Repeat("ê", 67*10), ok: true, requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, s := start(t, tt.opts)
			s.now = func() time.Time { return now }
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
			start := time.Now()
			r := sendOne(t, s, it)
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			if tt.ok != (r.Err == nil) || r.Permanent != tt.permanent || r.RetryAfter != tt.retryAfter || errors.Is(r.Err, ErrAccount) != tt.account {
				t.Fatalf("result = {err: %v, permanent: %v, retry after: %s}, want ok %v, permanent %v, retry after %s, account %v",
					r.Err, r.Permanent, r.RetryAfter, tt.ok, tt.permanent, tt.retryAfter, tt.account)
			}
			var e *Error
			if errors.As(r.Err, &e) && (e.Gone() != tt.gone || e.Uncertain() != tt.uncertain) {
				t.Errorf("gone %v uncertain %v, want %v %v", e.Gone(), e.Uncertain(), tt.gone, tt.uncertain)
			}
			if srv.Requests() != tt.requests {
				t.Errorf("%d requests reached Twilio, want %d", srv.Requests(), tt.requests)
			}
		})
	}
}

func TestSendConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, _ := New(Options{AccountSID: sid, AuthToken: token, From: "+33600001234", BaseURL: "http://" + addr})
	r := sendOne(t, s, deliver.Item{Key: "k", Address: "+33612345678", Text: "x"})
	var e *Error
	if r.Err == nil || r.Permanent || !errors.As(r.Err, &e) || e.Uncertain() || strings.Contains(r.Err.Error(), token) {
		t.Errorf("connection refused: %+v; want retryable, certain, without the token", r)
	}
}

func TestE164(t *testing.T) {
	for in, want := range map[string]string{
		"+33612345678":         "+33612345678",
		" +33 6 12 34 56 78 ":  "+33612345678",
		"+33 (0)6.12.34.56.78": "+33612345678",
		"+1 (415) 867-5309":    "+14158675309",
		"+4915123456789":       "+4915123456789",
		"0612345678":           "",
		"0033612345678":        "",
		"+0612345678":          "",
		"+33 6 12":             "",
		"+1234567890123456":    "",
		"+33612345678;ext=1":   "",
		"":                     "",
	} {
		got, err := E164(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("E164(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNew(t *testing.T) {
	ok := Options{AccountSID: sid, AuthToken: token, From: "+33600001234"}
	for name, mod := range map[string]func(*Options){
		"bad account SID": func(o *Options) { o.AccountSID = "AC123" },
		"no token":        func(o *Options) { o.AuthToken = "" },
		"no sender":       func(o *Options) { o.From = "" },
		"bad service SID": func(o *Options) { o.MessagingServiceSID = "MG1" },
		"bad base URL":    func(o *Options) { o.BaseURL = "api.twilio.com" },
		"bad callback":    func(o *Options) { o.StatusCallback = "/twilio/status" },
	} {
		o := ok
		mod(&o)
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s, err := New(ok)
	if err != nil || s.endpoint != "https://api.twilio.com/2010-04-01/Accounts/"+sid+"/Messages.json" || s.o.Timeout != defaultTimeout ||
		s.Channel() != "sms" || s.Provider() != "twilio" || s.MaxBatch() != 1 || s.Idempotent() {
		t.Errorf("defaults: %+v, %v", s, err)
	}
}

func deliverItem(to, text string) deliver.Item {
	return deliver.Item{Key: "k-" + to, Address: to, Text: text}
}
