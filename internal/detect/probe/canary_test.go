package probe_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/detect/probe"
	"github.com/vigie-hq/vigie/internal/detect/probe/probetest"
)

const canaryDeadline = 90 * time.Second

type canaryBundle struct {
	api    *probetest.CloudAPI
	clock  *probetest.Clock
	canary *probe.Canary
}

// setupCanary wires the Cloud API double to a real webhook receiver whose
// tracker feeds the canary, as in production.
func setupCanary(t *testing.T) canaryBundle {
	t.Helper()
	tracker := probe.NewTracker()
	hook := httptest.NewServer(&probe.Webhook{VerifyToken: "vt", AppSecret: testSecret,
		Observers: []probe.StatusObserver{tracker}})
	t.Cleanup(hook.Close)
	api, cfg := startCloudAPI(t, probetest.CloudAPIConfig{WebhookURL: hook.URL})
	clock := probetest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	return canaryBundle{api: api, clock: clock, canary: &probe.Canary{
		Spec:     probe.Spec{Name: "canary", Dependency: "whatsapp", Timeout: 2 * time.Second},
		API:      cfg,
		To:       "33612345678",
		Template: "vigie_canary",
		Language: "fr",
		Deadline: canaryDeadline,
		Tracker:  tracker,
		Clock:    clock,
	}}
}

// runAsync starts the canary and returns where its result will arrive.
func (b canaryBundle) runAsync(t *testing.T) <-chan probe.Result {
	out := make(chan probe.Result, 1)
	c := ctx(t)
	go func() { out <- b.canary.Run(c) }()
	return out
}

func TestCanaryDelivered(t *testing.T) {
	b := setupCanary(t)
	got := <-b.runAsync(t)
	check(t, got, true, probe.ClassNone)
	sent := b.api.Sent()
	if len(sent) != 1 || sent[0].To != "33612345678" || sent[0].Template != "vigie_canary" || sent[0].Language != "fr" {
		t.Fatalf("double received %+v", sent)
	}
	mustContain(t, got.Detail, sent[0].ID)
}

func TestCanaryOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*probetest.CloudAPI)
		expire    bool // the test advances the clock past the deadline
		wantClass probe.Class
		wantIn    string
	}{
		{name: "sent but never delivered", setup: delivery(probetest.DeliverSentOnly, 0), expire: true,
			wantClass: probe.ClassUndelivered, wantIn: "sent but not delivered within 1m30s"},
		{name: "no status at all", setup: delivery(probetest.DeliverNothing, 0), expire: true,
			wantClass: probe.ClassUndelivered, wantIn: "no status"},
		{name: "webhook signed wrongly", setup: func(a *probetest.CloudAPI) { a.SetBadSignature(true) }, expire: true,
			wantClass: probe.ClassUndelivered, wantIn: "no status"},
		{name: "failed undeliverable", setup: delivery(probetest.DeliverFailed, 131026),
			wantClass: probe.ClassUndelivered, wantIn: "131026"},
		{name: "failed meta side", setup: delivery(probetest.DeliverFailed, 131000), wantClass: probe.ClassMetaOutage},
		{name: "failed spam limit", setup: delivery(probetest.DeliverFailed, 131048), wantClass: probe.ClassRateLimited},
		{name: "send rate limited", setup: metaErr(400, 131056), wantClass: probe.ClassRateLimited},
		{name: "send account locked", setup: metaErr(400, 131031), wantClass: probe.ClassConfig},
		{name: "send meta down", setup: metaErr(503, 2), wantClass: probe.ClassMetaOutage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setupCanary(t)
			tt.setup(b.api)
			out := b.runAsync(t)
			if tt.expire {
				if err := b.clock.WaitTimers(ctx(t), 1); err != nil {
					t.Fatal(err)
				}
				b.api.Wait() // every status the double meant to post has landed
				select {
				case r := <-out:
					t.Fatalf("canary ended before its deadline: %+v", r)
				default:
				}
				b.clock.Advance(canaryDeadline - time.Second)
				select {
				case r := <-out:
					t.Fatalf("canary ended a second early: %+v", r)
				default:
				}
				b.clock.Advance(time.Second)
			}
			got := <-out
			check(t, got, false, tt.wantClass)
			if tt.wantIn != "" {
				mustContain(t, got.Detail, tt.wantIn)
			}
			if tt.expire && got.Latency != canaryDeadline {
				t.Fatalf("latency %s, want %s", got.Latency, canaryDeadline)
			}
		})
	}
}

func TestCanaryBadSignatureRejectedByWebhook(t *testing.T) {
	b := setupCanary(t)
	b.api.SetBadSignature(true)
	out := b.runAsync(t)
	if err := b.clock.WaitTimers(ctx(t), 1); err != nil {
		t.Fatal(err)
	}
	b.api.Wait()
	b.clock.Advance(canaryDeadline)
	<-out
	codes := b.api.WebhookStatuses()
	// "sent" and "delivered" were both posted and both refused.
	if len(codes) != 2 || codes[0] != 403 || codes[1] != 403 {
		t.Fatalf("webhook answers %v, want [403 403]", codes)
	}
}

func TestCanaryNeedsConfig(t *testing.T) {
	p := &probe.Canary{Spec: probe.Spec{Name: "canary"}}
	check(t, p.Run(ctx(t)), false, probe.ClassConfig)
}

func delivery(d probetest.Delivery, code int) func(*probetest.CloudAPI) {
	return func(a *probetest.CloudAPI) { a.SetDelivery(d, code) }
}
