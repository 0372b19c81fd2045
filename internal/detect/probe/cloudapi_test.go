package probe_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vigie-hq/vigie/internal/detect/probe"
	"github.com/vigie-hq/vigie/internal/detect/probe/probetest"
)

const (
	testToken   = "token-123"
	testPhoneID = "106540352242922"
	testSecret  = "app-secret"
)

func startCloudAPI(t *testing.T, cfg probetest.CloudAPIConfig) (*probetest.CloudAPI, probe.CloudAPI) {
	t.Helper()
	cfg.Token, cfg.PhoneNumberID, cfg.AppSecret = testToken, testPhoneID, testSecret
	api := probetest.NewCloudAPI(cfg)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Cleanup(api.Wait)
	return api, probe.CloudAPI{BaseURL: srv.URL, Version: "v23.0", PhoneNumberID: testPhoneID, Token: testToken, Client: srv.Client()}
}

func TestHealth(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*probetest.CloudAPI)
		token     string
		wantOK    bool
		wantClass probe.Class
		wantIn    string
	}{
		{name: "available", wantOK: true, wantIn: "can_send_message=AVAILABLE"},
		{name: "limited", setup: func(a *probetest.CloudAPI) { a.SetHealth("LIMITED") }, wantClass: probe.ClassLimited, wantIn: "PHONE_NUMBER"},
		{name: "blocked", setup: func(a *probetest.CloudAPI) { a.SetHealth("BLOCKED") }, wantClass: probe.ClassConfig, wantIn: "blocked by probetest"},
		{name: "unknown value", setup: func(a *probetest.CloudAPI) { a.SetHealth("MAYBE") }, wantClass: probe.ClassBadResponse},
		{name: "expired token", token: "wrong", wantClass: probe.ClassConfig, wantIn: "meta error 190"},
		{name: "service unavailable", setup: metaErr(503, 131016), wantClass: probe.ClassMetaOutage, wantIn: "fbtrace_id="},
		{name: "unknown error", setup: metaErr(500, 1), wantClass: probe.ClassMetaOutage},
		{name: "code 3 with HTTP 500 is ours", setup: metaErr(500, 3), wantClass: probe.ClassConfig},
		{name: "throughput", setup: metaErr(429, 130429), wantClass: probe.ClassRateLimited},
		{name: "unlisted code on 5xx", setup: metaErr(502, 999999), wantClass: probe.ClassMetaOutage},
		{name: "unlisted code on 4xx", setup: metaErr(400, 999999), wantClass: probe.ClassHTTP4xx},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, cfg := startCloudAPI(t, probetest.CloudAPIConfig{})
			if tt.setup != nil {
				tt.setup(api)
			}
			if tt.token != "" {
				cfg.Token = tt.token
			}
			p := &probe.Health{Spec: probe.Spec{Name: "health", Dependency: "whatsapp"}, API: cfg}
			got := p.Run(ctx(t))
			check(t, got, tt.wantOK, tt.wantClass)
			if tt.wantIn != "" {
				mustContain(t, got.Detail, tt.wantIn)
			}
			mustContain(t, got.Target, "/v23.0/"+testPhoneID+"?fields=health_status")
		})
	}
}

func metaErr(status, code int) func(*probetest.CloudAPI) {
	return func(a *probetest.CloudAPI) { a.SetError(status, code, "set by test") }
}

func TestHealthNonJSON(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		wantClass probe.Class
	}{
		{"gateway html", http.StatusBadGateway, "<html>bad gateway</html>", probe.ClassMetaOutage},
		{"forbidden html", http.StatusForbidden, "<html>no</html>", probe.ClassConfig},
		{"200 without health_status", http.StatusOK, `{"id":"1"}`, probe.ClassBadResponse},
		{"200 garbage", http.StatusOK, `not json`, probe.ClassBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			p := &probe.Health{Spec: probe.Spec{Name: "health"},
				API: probe.CloudAPI{BaseURL: srv.URL, PhoneNumberID: "1", Token: "t"}}
			check(t, p.Run(ctx(t)), false, tt.wantClass)
		})
	}
}

func TestHealthNeedsCredentials(t *testing.T) {
	p := &probe.Health{Spec: probe.Spec{Name: "health"}}
	check(t, p.Run(ctx(t)), false, probe.ClassConfig)
}

func TestClassifyMetaCode(t *testing.T) {
	tests := []struct {
		code int
		want probe.Class
	}{
		{1, probe.ClassMetaOutage}, {2, probe.ClassMetaOutage}, {131000, probe.ClassMetaOutage}, {131016, probe.ClassMetaOutage},
		{4, probe.ClassRateLimited}, {80007, probe.ClassRateLimited}, {130429, probe.ClassRateLimited},
		{131048, probe.ClassRateLimited}, {131056, probe.ClassRateLimited},
		{0, probe.ClassConfig}, {190, probe.ClassConfig}, {3, probe.ClassConfig}, {10, probe.ClassConfig},
		{200, probe.ClassConfig}, {250, probe.ClassConfig}, {299, probe.ClassConfig}, {100, probe.ClassConfig},
		{131031, probe.ClassConfig}, {368, probe.ClassConfig},
		{300, probe.ClassNone}, {131026, probe.ClassNone}, {199, probe.ClassNone},
	}
	for _, tt := range tests {
		if got := probe.ClassifyMetaCode(tt.code); got != tt.want {
			t.Errorf("ClassifyMetaCode(%d) = %q, want %q", tt.code, got, tt.want)
		}
	}
}
