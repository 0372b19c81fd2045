package watch

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/detect/probe/probetest"
	"github.com/vigie-hq/vigie/internal/plan"
)

// Meta's signed statuses for messages the WhatsApp channel sent become
// delivery receipts; unsigned ones are refused.
func TestWhatsAppStatusesBecomeReceipts(t *testing.T) {
	p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"WHATSAPP_CLOUD_API_TOKEN": "tok", "WHATSAPP_APP_SECRET": "app-secret", "WHATSAPP_VERIFY_TOKEN": "verify"}
	var (
		mu  sync.Mutex
		got []string
	)
	w, err := New(Options{Plan: func() *plan.Plan { return p },
		Secret: func(ref plan.SecretRef) (string, error) { return secrets[ref.Env], nil },
		Receipt: func(_ context.Context, provider, id, state, reason string) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, provider+" "+id+" "+state+" "+reason)
			return true, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(w.Webhook())
	defer hs.Close()
	body := probetest.StatusPayload("106540352242922",
		probetest.StatusUpdate{ID: "wamid.A", Status: "delivered", RecipientID: "33600000001"},
		probetest.StatusUpdate{ID: "wamid.B", Status: "failed", RecipientID: "33600000002", ErrorCode: 131026},
		probetest.StatusUpdate{ID: "wamid.C", Status: "sent", RecipientID: "33600000003"})
	post := func(sig string) int {
		req, _ := http.NewRequest("POST", hs.URL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set("X-Hub-Signature-256", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(probetest.Sign("wrong-secret", body)); code < 400 {
		t.Fatalf("badly signed statuses accepted: %d", code)
	}
	if code := post(probetest.Sign("app-secret", body)); code != 200 {
		t.Fatalf("signed statuses: %d", code)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != "whatsapp_cloud wamid.A delivered " || got[1][:len("whatsapp_cloud wamid.B failed 131026")] != "whatsapp_cloud wamid.B failed 131026" {
		t.Fatalf("receipts: %q", got)
	}
}
