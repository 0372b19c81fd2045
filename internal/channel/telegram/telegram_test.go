package telegram

// These tests run against telegramtest, an httptest double that answers as
// the Bot API documents (https://core.telegram.org/bots/api): the same
// envelope, error codes, descriptions and parameters.

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/telegram/telegramtest"
	"github.com/vigie-hq/vigie/internal/deliver"
)

const token = "7000000001:AAtesttokenfortelegramtestdouble_x"

func start(t *testing.T, timeout time.Duration) (*telegramtest.Server, *Sender, *bytes.Buffer) {
	t.Helper()
	srv := telegramtest.Start(t, token)
	var logs bytes.Buffer
	s, err := New(Options{Token: token, BaseURL: srv.URL(), Timeout: timeout, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return srv, s, &logs
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
	srv, s, _ := start(t, time.Second)
	for _, it := range []deliver.Item{
		{Key: "post", Address: "@CafeExpressLyon", Subject: "ignored", Text: "WhatsApp est en panne : commandez par SMS au 06 00 00 12 34 🙏"},
		{Key: "dm", Address: "123456789", Subject: "Only a subject"},
	} {
		if r := sendOne(t, s, it); r.Err != nil || r.ProviderID == "" {
			t.Fatalf("%s: %+v", it.Key, r)
		}
	}
	got := srv.Messages()
	if len(got) != 2 || got[0].ChatID != "@CafeExpressLyon" || !strings.HasSuffix(got[0].Text, "🙏") || got[1].ChatID != "123456789" || got[1].Text != "Only a subject" {
		t.Errorf("messages = %+v", got)
	}
}

func TestSendResults(t *testing.T) {
	long := strings.Repeat("é", 4096) + "😀" // 4098 UTF-16 units
	tests := []struct {
		name       string
		setup      func(*telegramtest.Server)
		item       deliver.Item
		empty      bool // keep the empty text
		ok         bool
		permanent  bool
		gone       bool
		uncertain  bool
		token      bool
		retryAfter time.Duration
	}{
		{name: "flood control", setup: func(s *telegramtest.Server) { s.FailNext(telegramtest.Failure{Status: 429, RetryAfter: 35}) }, retryAfter: 35 * time.Second},
		{name: "chat not found", setup: func(s *telegramtest.Server) { s.Missing("42") }, permanent: true, gone: true},
		{name: "bot blocked", setup: func(s *telegramtest.Server) { s.Block("42") }, permanent: true, gone: true},
		{name: "bad gateway", setup: func(s *telegramtest.Server) { s.FailNext(telegramtest.Failure{Status: 502}) }},
		{name: "internal error", setup: func(s *telegramtest.Server) { s.FailNext(telegramtest.Failure{Status: 500}) }},
		{name: "bad request", setup: func(s *telegramtest.Server) { s.FailNext(telegramtest.Failure{Status: 400}) }, permanent: true},
		{name: "migrated group", setup: func(s *telegramtest.Server) { s.Migrate("42", -1001234567890) }, ok: true},
		{name: "dropped connection", setup: func(s *telegramtest.Server) { s.FailNext(telegramtest.Failure{Drop: true}) }, uncertain: true},
		{name: "timeout", setup: func(s *telegramtest.Server) { s.FailNext(telegramtest.Failure{Hang: true}) }, uncertain: true},
		{name: "empty text", empty: true, permanent: true},
		{name: "too long", item: deliver.Item{Text: long}, permanent: true},
		{name: "bad chat id", item: deliver.Item{Address: "https://t.me/x", Text: "x"}, permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, s, logs := start(t, 300*time.Millisecond)
			if tt.setup != nil {
				tt.setup(srv)
			}
			it := tt.item
			if it.Address == "" {
				it.Address = "42"
			}
			if it.Text == "" && !tt.empty {
				it.Text = "Point de situation à 16 h 10."
			}
			it.Key = "k"
			start := time.Now()
			r := sendOne(t, s, it)
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			if tt.ok != (r.Err == nil) || r.Permanent != tt.permanent || r.RetryAfter != tt.retryAfter {
				t.Fatalf("result = {err: %v, permanent: %v, retry after: %s}, want ok %v, permanent %v, retry after %s",
					r.Err, r.Permanent, r.RetryAfter, tt.ok, tt.permanent, tt.retryAfter)
			}
			var e *Error
			if r.Err != nil && errors.As(r.Err, &e) && (e.Gone() != tt.gone || e.Uncertain() != tt.uncertain) {
				t.Errorf("gone %v uncertain %v, want %v %v", e.Gone(), e.Uncertain(), tt.gone, tt.uncertain)
			}
			if tt.name == "migrated group" {
				if m := srv.Messages(); len(m) != 1 || m[0].ChatID != "-1001234567890" || r.ProviderID != "-1001234567890:1" {
					t.Errorf("after migration: %+v, provider id %q", m, r.ProviderID)
				}
				if !strings.Contains(logs.String(), "new_chat_id=-1001234567890") {
					t.Errorf("migration not logged: %s", logs)
				}
			}
		})
	}
}

func TestTokenNeverShown(t *testing.T) {
	srv := telegramtest.Start(t, "another-token")
	var logs bytes.Buffer
	wrong, _ := New(Options{Token: token, BaseURL: srv.URL(), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r := sendOne(t, wrong, deliver.Item{Key: "k", Address: "42", Text: "x"})
	if r.Err == nil || r.Permanent || !errors.Is(r.Err, ErrToken) {
		t.Errorf("wrong token: %+v; want a retryable ErrToken", r)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	down, _ := New(Options{Token: token, BaseURL: "http://" + addr})
	r2 := sendOne(t, down, deliver.Item{Key: "k", Address: "42", Text: "x"})
	var e *Error
	if r2.Err == nil || r2.Permanent || !errors.As(r2.Err, &e) || e.Uncertain() {
		t.Errorf("connection refused: %+v; want retryable and certain", r2)
	}
	for _, msg := range []string{r.Err.Error(), r2.Err.Error(), logs.String()} {
		if strings.Contains(msg, token) || strings.Contains(msg, "AAtest") {
			t.Errorf("token shown in %q", msg)
		}
	}
}

func TestSendHonoursContext(t *testing.T) {
	srv, s, _ := start(t, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := s.Send(ctx, []deliver.Item{{Key: "a", Address: "1", Text: "x"}, {Key: "b", Address: "2", Text: "x"}})
	if len(res) != 2 || res[0].Err == nil || res[1].Err == nil || res[0].Permanent || srv.Requests() != 0 {
		t.Errorf("cancelled: %+v, %d requests", res, srv.Requests())
	}
}

func TestNew(t *testing.T) {
	for _, o := range []Options{{}, {Token: "a/b"}, {Token: "x", BaseURL: "ftp://h"}, {Token: "x", BaseURL: "::"}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	s, err := New(Options{Token: token})
	if err != nil || s.base != defaultBaseURL || s.timeout != defaultTimeout || s.Channel() != "telegram" || s.Provider() != "telegram" || s.MaxBatch() != 1 || s.Idempotent() {
		t.Errorf("defaults: %+v, %v", s, err)
	}
}
