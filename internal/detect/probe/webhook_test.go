package probe_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/detect/probe"
	"github.com/vigie-hq/vigie/internal/detect/probe/probetest"
)

// recorder is a StatusObserver that keeps what it sees.
type recorder struct {
	mu  sync.Mutex
	got []probe.Status
}

func (r *recorder) Observe(s probe.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, s)
}

func (r *recorder) statuses() []probe.Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]probe.Status(nil), r.got...)
}

func TestWebhookVerification(t *testing.T) {
	tests := []struct {
		name     string
		query    url.Values
		wantCode int
		wantBody string
	}{
		{"subscribe", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"vt"}, "hub.challenge": {"1158201444"}}, 200, "1158201444"},
		{"wrong token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"nope"}, "hub.challenge": {"1"}}, 403, ""},
		{"wrong mode", url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {"vt"}, "hub.challenge": {"1"}}, 403, ""},
		{"no token", url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1"}}, 403, ""},
	}
	h := &probe.Webhook{VerifyToken: "vt", AppSecret: testSecret}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhook?"+tt.query.Encode(), nil))
			if rec.Code != tt.wantCode {
				t.Fatalf("code %d, want %d", rec.Code, tt.wantCode)
			}
			if tt.wantBody != "" && rec.Body.String() != tt.wantBody {
				t.Fatalf("body %q, want %q", rec.Body.String(), tt.wantBody)
			}
		})
	}
}

func TestWebhookSignature(t *testing.T) {
	at := time.Unix(1749416383, 0)
	body := probetest.StatusPayload(testPhoneID,
		probetest.StatusUpdate{ID: "wamid.A", Status: "sent", RecipientID: "15551234", Timestamp: at},
		probetest.StatusUpdate{ID: "wamid.A", Status: "failed", RecipientID: "15551234", Timestamp: at,
			ErrorCode: 131026, ErrorTitle: "Message undeliverable"})
	tests := []struct {
		name       string
		body       []byte
		sig        string
		wantCode   int
		wantStatus int
	}{
		{"valid", body, probetest.Sign(testSecret, body), 200, 2},
		{"missing", body, "", 401, 0},
		{"wrong secret", body, probetest.Sign("other", body), 403, 0},
		{"tampered body", append(bytes.Clone(body[:len(body)-1]), ' ', '}'), probetest.Sign(testSecret, body), 403, 0},
		{"no prefix", body, strings.TrimPrefix(probetest.Sign(testSecret, body), "sha256="), 403, 0},
		{"not hex", body, "sha256=zz", 403, 0},
		{"sha1 header form", body, "sha1=" + strings.TrimPrefix(probetest.Sign(testSecret, body), "sha256="), 403, 0},
		{"signed garbage", []byte("{"), probetest.Sign(testSecret, []byte("{")), 400, 0},
		{"too large", bytes.Repeat([]byte(" "), 2048), "sha256=00", 413, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := &recorder{}
			h := &probe.Webhook{VerifyToken: "vt", AppSecret: testSecret, Observers: []probe.StatusObserver{obs}, MaxBody: 1024}
			req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(tt.body))
			if tt.sig != "" {
				req.Header.Set("X-Hub-Signature-256", tt.sig)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantCode {
				t.Fatalf("code %d, want %d", rec.Code, tt.wantCode)
			}
			if got := obs.statuses(); len(got) != tt.wantStatus {
				t.Fatalf("observed %d statuses, want %d", len(got), tt.wantStatus)
			}
		})
	}
}

func TestWebhookWithoutSecretRefuses(t *testing.T) {
	body := probetest.StatusPayload(testPhoneID, probetest.StatusUpdate{ID: "x", Status: "sent"})
	h := &probe.Webhook{}
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Hub-Signature-256", probetest.Sign("", body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("code %d, want 403", rec.Code)
	}
}

func TestParseStatuses(t *testing.T) {
	at := time.Unix(1749416383, 0)
	body := probetest.StatusPayload(testPhoneID,
		probetest.StatusUpdate{ID: "wamid.B", Status: "delivered", RecipientID: "15551234", Timestamp: at},
		probetest.StatusUpdate{ID: "wamid.C", Status: "failed", RecipientID: "15559999", Timestamp: at,
			ErrorCode: 131000, ErrorTitle: "Something went wrong"})
	got, err := probe.ParseStatuses(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d statuses", len(got))
	}
	if got[0].ID != "wamid.B" || got[0].Status != probe.StatusDelivered || got[0].RecipientID != "15551234" || !got[0].Timestamp.Equal(at) {
		t.Fatalf("first status %+v", got[0])
	}
	if len(got[1].Errors) != 1 || got[1].Errors[0].Code != 131000 || got[1].Errors[0].Title != "Something went wrong" {
		t.Fatalf("second status errors %+v", got[1].Errors)
	}
	// An incoming-message notification carries no status.
	none, err := probe.ParseStatuses([]byte(`{"entry":[{"changes":[{"value":{"messages":[{"id":"x"}]}}]}]}`))
	if err != nil || len(none) != 0 {
		t.Fatalf("messages notification gave %v, %v", none, err)
	}
}

func TestSignMatchesIndependentSigner(t *testing.T) {
	body := []byte(`{"object":"whatsapp_business_account"}`)
	if probe.Sign(testSecret, body) != probetest.Sign(testSecret, body) {
		t.Fatal("probe.Sign disagrees with the test double")
	}
	if !probe.ValidSignature(testSecret, body, probetest.Sign(testSecret, body)) {
		t.Fatal("valid signature refused")
	}
}

func TestTrackerReplaysEarlyStatus(t *testing.T) {
	tr := probe.NewTracker()
	tr.Observe(probe.Status{ID: "wamid.early", Status: probe.StatusSent})
	tr.Observe(probe.Status{ID: "wamid.other", Status: probe.StatusSent})
	ch, stop := tr.Watch("wamid.early")
	defer stop()
	select {
	case s := <-ch:
		if s.ID != "wamid.early" {
			t.Fatalf("got %q", s.ID)
		}
	default:
		t.Fatal("early status not replayed")
	}
	tr.Observe(probe.Status{ID: "wamid.early", Status: probe.StatusDelivered})
	if s := <-ch; s.Status != probe.StatusDelivered {
		t.Fatalf("got %q", s.Status)
	}
	select {
	case s := <-ch:
		t.Fatalf("unexpected %+v", s)
	default:
	}
}
