package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/assistant"
	"github.com/vigie-hq/vigie/internal/assistant/openai"
	"github.com/vigie-hq/vigie/internal/plan"
)

// fakeAPI is a loopback OpenAI-compatible endpoint that plays a script of
// replies, one per request, in the documented response shapes.
type fakeAPI struct {
	t       *testing.T
	mu      sync.Mutex
	replies []reply
	reqs    []*http.Request
	bodies  []map[string]any
}

type reply struct {
	code       int
	retryAfter string
	content    string // completion text for 200
	finish     string
	hang       bool // wait for the client to give up
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("request body: %v", err)
	}
	f.reqs = append(f.reqs, r)
	f.bodies = append(f.bodies, body)
	if len(f.replies) == 0 {
		f.mu.Unlock()
		http.Error(w, "no more replies", http.StatusTeapot)
		return
	}
	rp := f.replies[0]
	f.replies = f.replies[1:]
	f.mu.Unlock()
	if rp.hang {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if rp.retryAfter != "" {
		w.Header().Set("Retry-After", rp.retryAfter)
	}
	if rp.code != http.StatusOK {
		w.WriteHeader(rp.code)
		kind := map[int]string{429: "requests", 401: "invalid_request_error", 500: "server_error"}[rp.code]
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": "fake " + kind, "type": kind, "param": nil, "code": nil}})
		return
	}
	finish := rp.finish
	if finish == "" {
		finish = "stop"
	}
	json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-123", "object": "chat.completion", "created": 1717400000, "model": "fake-model",
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": rp.content}, "logprobs": nil, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70},
	})
}

func setup(t *testing.T, replies ...reply) (*fakeAPI, *openai.Client, *[]time.Duration) {
	t.Helper()
	f := &fakeAPI{t: t, replies: replies}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	var slept []time.Duration
	c, err := openai.New(openai.Config{URL: srv.URL + "/", Model: "fake-model", APIKey: "sk-test",
		Sleep: func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	return f, c, &slept
}

var req = assistant.RephraseRequest{Question: "c'est réparé quand ?", Answer: "Pas encore d'estimation. Prochaine mise à jour avant 16:10.", Lang: "fr"}

func TestRephraseRequestShape(t *testing.T) {
	f, c, _ := setup(t, reply{code: 200, content: "  Aucune estimation pour l'instant ; prochain point avant 16:10.  "})
	got, err := c.Rephrase(context.Background(), req)
	if err != nil || got != "Aucune estimation pour l'instant ; prochain point avant 16:10." {
		t.Fatalf("Rephrase = %q, %v", got, err)
	}
	r := f.reqs[0]
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %s, headers %v", r.Method, r.URL.Path, r.Header)
	}
	b := f.bodies[0]
	msgs, _ := b["messages"].([]any)
	if b["model"] != "fake-model" || len(msgs) != 2 || !strings.Contains(msgs[1].(map[string]any)["content"].(string), req.Answer) {
		t.Errorf("body %v", b)
	}
}

func TestRetries(t *testing.T) {
	t.Run("429 with Retry-After", func(t *testing.T) {
		f, c, slept := setup(t, reply{code: 429, retryAfter: "1"}, reply{code: 200, content: "ok"})
		if got, err := c.Rephrase(context.Background(), req); err != nil || got != "ok" {
			t.Fatalf("Rephrase = %q, %v", got, err)
		}
		if len(f.reqs) != 2 || len(*slept) != 1 || (*slept)[0] != time.Second {
			t.Errorf("%d requests, slept %v; want 2 requests and one 1 s wait", len(f.reqs), *slept)
		}
	})
	t.Run("500 then success", func(t *testing.T) {
		f, c, slept := setup(t, reply{code: 500}, reply{code: 503}, reply{code: 200, content: "ok"})
		if got, err := c.Rephrase(context.Background(), req); err != nil || got != "ok" {
			t.Fatalf("Rephrase = %q, %v", got, err)
		}
		if len(f.reqs) != 3 || len(*slept) != 2 || (*slept)[1] <= (*slept)[0] {
			t.Errorf("%d requests, slept %v; want 3 requests and growing waits", len(f.reqs), *slept)
		}
	})
	t.Run("500 until retries run out", func(t *testing.T) {
		f, c, _ := setup(t, reply{code: 500}, reply{code: 500}, reply{code: 500}, reply{code: 200, content: "too late"})
		_, err := c.Rephrase(context.Background(), req)
		var se *openai.StatusError
		if !errors.As(err, &se) || se.Code != 500 || se.Message != "fake server_error" || len(f.reqs) != 3 {
			t.Errorf("err %v after %d requests; want the 500 after 3", err, len(f.reqs))
		}
	})
	t.Run("401 is final", func(t *testing.T) {
		f, c, slept := setup(t, reply{code: 401}, reply{code: 200, content: "never"})
		if _, err := c.Rephrase(context.Background(), req); err == nil || len(f.reqs) != 1 || len(*slept) != 0 {
			t.Errorf("err %v, %d requests, slept %v", err, len(f.reqs), *slept)
		}
	})
	t.Run("Retry-After beyond the deadline", func(t *testing.T) {
		f, c, slept := setup(t, reply{code: 429, retryAfter: "120"}, reply{code: 200, content: "never"})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if _, err := c.Rephrase(ctx, req); err == nil || len(f.reqs) != 1 || len(*slept) != 0 {
			t.Errorf("err %v, %d requests, slept %v; want to give up at once", err, len(f.reqs), *slept)
		}
	})
	t.Run("truncated completion", func(t *testing.T) {
		_, c, _ := setup(t, reply{code: 200, content: "Pas encore", finish: "length"})
		if _, err := c.Rephrase(context.Background(), req); err == nil {
			t.Error("a completion cut by max_tokens was accepted")
		}
	})
	t.Run("timeout", func(t *testing.T) {
		_, c, _ := setup(t, reply{hang: true})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := c.Rephrase(ctx, req); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v, want the deadline", err)
		}
	})
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []openai.Config{{URL: "localhost:8080", Model: "m"}, {URL: "ftp://x", Model: "m"}, {URL: "http://x"}} {
		if _, err := openai.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// TestAssistantWithFakeEndpoint runs the whole path: the assistant asks the
// endpoint to reword, and keeps the rewording only when the guard passes.
func TestAssistantWithFakeEndpoint(t *testing.T) {
	p, diags, err := plan.Load("../../../examples/cafe-express/plan.yaml")
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Errors())
	}
	st, err := assistant.ParseStatus([]byte(`{"state":"identified","status_text":{"fr":"Panne WhatsApp","en":"WhatsApp outage"},"eta":null,"status_updated_at":"2025-06-03T15:40:00+02:00","next_update_at":"2025-06-03T16:10:00+02:00"}`))
	if err != nil {
		t.Fatal(err)
	}
	q := "When will WhatsApp be back?"
	for _, tt := range []struct {
		name    string
		replies []reply
		used    bool
	}{
		{"faithful", []reply{{code: 200, content: "There is no estimate yet, and only Meta can bring WhatsApp back. Next update by 16:10 on https://status.cafe-express.fr; meanwhile, order by text at 06 00 00 12 34."}}, true},
		{"invents a time", []reply{{code: 200, content: "WhatsApp should be back around 17:30. Next update by 16:10."}}, false},
		{"invents a number", []reply{{code: 200, content: "There is no estimate yet. Call us at 01 23 45 67 89."}}, false},
		{"rate limited then faithful", []reply{{code: 429, retryAfter: "0"}, {code: 200, content: "No estimate yet. Next update by 16:10."}}, true},
		{"server errors", []reply{{code: 500}, {code: 500}, {code: 500}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := setup(t, tt.replies...)
			plain, err := assistant.New(p, assistant.Options{})
			if err != nil {
				t.Fatal(err)
			}
			a, err := assistant.New(p, assistant.Options{Rephraser: c, RephraseTimeout: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			want := plain.Answer(context.Background(), q, st, "auto")
			r := a.Answer(context.Background(), q, st, "auto")
			if r.FAQID != "when-back" {
				t.Fatalf("FAQ %s", r.FAQID)
			}
			if tt.used != (r.Reason == assistant.ReasonRephrased) {
				t.Fatalf("reason %s (rejected: %s), want rephrased=%v", r.Reason, r.Rejected, tt.used)
			}
			if !tt.used && r.Text != want.Text {
				t.Errorf("rejected rewording must fall back to the approved answer:\n got %s\nwant %s", r.Text, want.Text)
			}
			if err := assistant.Check(r.Text, want.Text, "16:10"); err != nil {
				t.Errorf("final answer fails the guard: %v", err)
			}
		})
	}
}
