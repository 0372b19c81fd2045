package deliver_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

func (w *world) addSubscriber(t testing.TB, channel, address, contact string) {
	t.Helper()
	now := w.db.TimeArg(time.Now())
	_, err := w.db.SQL().ExecContext(context.Background(), w.db.Rebind(`INSERT INTO subscribers (channel, address, lang, components, state, consent_source, consent_at, consent_wording, confirmed_at, contact, created_at, updated_at)
		VALUES (?, ?, 'fr', '[]', 'confirmed', 'test', ?, 'v1', ?, ?, ?, ?)`), channel, address, now, now, contact, now, now)
	if err != nil {
		t.Fatal(err)
	}
}

// Push first, SMS only to the contacts push did not reach within 5
// minutes; a critical incident sends both at once.
func TestChannelOrderEscalatesToSMS(t *testing.T) {
	for _, tc := range []struct {
		severity string
		wantNow  []string // SMS sent right away
		wantLate []string // SMS sent after the delay
	}{
		{"major", []string{"+33600000003"}, []string{"+33600000002"}},
		{"critical", []string{"+33600000001", "+33600000002", "+33600000003"}, nil},
	} {
		t.Run(tc.severity, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, db *store.DB) {
				w := newWorld(t, db)
				w.addSubscriber(t, "push", "https://push.example/reached", "anna")
				w.addSubscriber(t, "sms", "+33600000001", "anna") // push reaches her: no SMS
				w.addSubscriber(t, "push", "https://push.example/gone", "bruno")
				w.addSubscriber(t, "sms", "+33600000002", "bruno") // push fails: SMS after 5 min
				w.addSubscriber(t, "sms", "+33600000003", "")      // no push at all: SMS at once
				now := time.Date(2026, 11, 25, 15, 40, 0, 0, time.UTC)
				push := newSink("webpush")
				push.channel = "push"
				push.fail = func(_ int, it deliver.Item) *deliver.Result {
					if it.Address == "https://push.example/gone" {
						return &deliver.Result{Err: errGone, Permanent: true}
					}
					return nil
				}
				sms := newSink("twilio")
				sms.channel = "sms"
				o := fastOptions()
				o.Now = func() time.Time { return now }
				o.Escalations = func() []deliver.Escalation {
					return []deliver.Escalation{{From: "push", To: "sms", After: 5 * time.Minute}}
				}
				e := deliver.New(db, []deliver.Sender{push, sms}, o)
				res, err := w.svc.Declare(context.Background(), w.marie, incident.DeclareInput{Scenario: "whatsapp-outage"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.svc.SetSeverity(context.Background(), w.marie, res.Incident.ID, tc.severity); err != nil {
					t.Fatal(err)
				}
				w.publishTemplate(t, false, "wa-ack-sms") // channels sms + push
				drain(t, e)
				if got := addresses(sms); !sameSet(got, tc.wantNow) {
					t.Fatalf("SMS at once: %v, want %v", got, tc.wantNow)
				}
				now = now.Add(4 * time.Minute)
				drain(t, e)
				if got := addresses(sms); !sameSet(got, tc.wantNow) {
					t.Fatalf("SMS before the delay: %v", got)
				}
				now = now.Add(2 * time.Minute)
				drain(t, e)
				if got := addresses(sms); !sameSet(got, append(append([]string{}, tc.wantNow...), tc.wantLate...)) {
					t.Fatalf("SMS after the delay: %v, want %v + %v", got, tc.wantNow, tc.wantLate)
				}
				// Anna (push, and SMS too when critical), Bruno (SMS) and the
				// number without a contact: three people, however many
				// channels reached each.
				msgs, _ := w.svc.Messages(context.Background(), res.Incident.ID)
				var id int64
				for _, m := range msgs {
					if m.TemplateID == "wa-ack-sms" {
						id = m.ID
					}
				}
				if reach, err := e.Reach(context.Background(), id); err != nil || reach[deliver.AllChannels]["people"] != 3 {
					t.Fatalf("people reached: %v %v", reach, err)
				}
			})
		})
	}
}

var errGone = goneError{}

type goneError struct{}

func (goneError) Error() string { return "410 gone" }

func addresses(s *sink) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, it := range s.items {
		out = append(out, it.Address)
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
