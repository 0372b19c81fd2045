package deliver_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// sink is an in-memory Sender for the engine's own tests (the channel
// packages are tested against real or documented peers). fail decides,
// per call and address, an error to return.
type sink struct {
	channel, provider string
	idempotent        bool
	batch             int
	mu                sync.Mutex
	got               map[string]int // key → times accepted
	items             map[string]deliver.Item
	ids               map[string]string // key → provider id returned
	calls             int
	fail              func(call int, it deliver.Item) *deliver.Result
}

func newSink(provider string) *sink {
	return &sink{channel: "email", provider: provider, batch: 50, got: map[string]int{}, items: map[string]deliver.Item{}, ids: map[string]string{}}
}

func (s *sink) Channel() string  { return s.channel }
func (s *sink) Provider() string { return s.provider }
func (s *sink) MaxBatch() int    { return s.batch }
func (s *sink) Idempotent() bool { return s.idempotent }
func (s *sink) Send(_ context.Context, items []deliver.Item) []deliver.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	out := make([]deliver.Result, 0, len(items))
	for _, it := range items {
		if s.fail != nil {
			if r := s.fail(s.calls, it); r != nil {
				r.Key = it.Key
				out = append(out, *r)
				continue
			}
		}
		s.got[it.Key]++
		s.items[it.Key] = it
		id := fmt.Sprintf("%s-%d", s.provider, len(s.got))
		s.ids[it.Key] = id
		out = append(out, deliver.Result{Key: it.Key, ProviderID: id})
	}
	return out
}

func (s *sink) count() (distinct, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.got {
		distinct++
		total += n
	}
	return
}

type world struct {
	db    *store.DB
	svc   *incident.Service
	subs  *audience.Store
	plan  *plan.Plan
	marie incident.Actor
}

func newWorld(t testing.TB, db *store.DB) *world {
	p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	if err != nil || p == nil {
		t.Fatal(err)
	}
	return &world{db: db, svc: incident.NewService(db, func() *plan.Plan { return p }, incident.Options{}), subs: audience.NewStore(db, nil), plan: p,
		marie: incident.Actor{Username: "marie", Person: "marie", Role: "commander"}}
}

// subscribe adds a confirmed e-mail subscriber.
func (w *world) subscribe(t testing.TB, addr, lang string, comps ...string) {
	t.Helper()
	tok, err := w.subs.Subscribe(context.Background(), audience.SubscribeInput{Channel: "email", Address: addr, Lang: lang, Components: comps, Source: "test", Wording: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.subs.Confirm(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
}

// publishEmailAck declares the WhatsApp outage and publishes its e-mail
// acknowledgement; it returns the message id.
func (w *world) publishEmailAck(t testing.TB, drill bool) int64 {
	t.Helper()
	res, err := w.svc.Declare(context.Background(), w.marie, incident.DeclareInput{Scenario: "whatsapp-outage", Drill: drill})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Drafts {
		if d.TemplateID == "wa-ack-email" {
			if _, err := w.svc.Publish(context.Background(), w.marie, d.ID); err != nil {
				t.Fatal(err)
			}
			return d.ID
		}
	}
	t.Fatal("no wa-ack-email draft")
	return 0
}

func drain(t testing.TB, e *deliver.Engine) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < 10000; i++ {
		_, expanded, err := e.ExpandOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		worked, err := e.SendOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !expanded && !worked {
			return
		}
	}
	t.Fatal("engine never went idle")
}

// expandSome expands until the first deliveries exist, and no further.
func expandSome(t testing.TB, e *deliver.Engine) {
	t.Helper()
	for {
		n, worked, err := e.ExpandOnce(context.Background())
		if err != nil || !worked {
			t.Fatalf("nothing expanded: %v", err)
		}
		if n > 0 {
			return
		}
	}
}

func fastOptions() deliver.Options {
	return deliver.Options{DefaultLang: "fr", BaseBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond, MaxAttempts: 4,
		UnsubscribeURL: func(id int64) string { return fmt.Sprintf("https://status.example/unsubscribe?id=%d", id) }}
}

func TestExpandAndSend(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.subscribe(t, "a@example.org", "fr")
		w.subscribe(t, "b@example.org", "en")
		w.subscribe(t, "c@example.org", "de")                    // no German text: gets French
		w.subscribe(t, "d@example.org", "fr", "delivery")        // not affected by this outage
		w.subscribe(t, "e@example.org", "fr", "whatsapp-orders") // affected
		if _, err := w.subs.Subscribe(context.Background(), audience.SubscribeInput{Channel: "email", Address: "pending@example.org", Lang: "fr", Source: "t", Wording: "v"}); err != nil {
			t.Fatal(err)
		}
		msg := w.publishEmailAck(t, false)
		s := newSink("smtp")
		e := deliver.New(db, []deliver.Sender{s}, fastOptions())
		drain(t, e)
		distinct, total := s.count()
		if distinct != 4 || total != 4 {
			t.Fatalf("sent %d distinct / %d total, want 4 (a, b, c, e)", distinct, total)
		}
		byAddr := map[string]deliver.Item{}
		for _, it := range s.items {
			byAddr[it.Address] = it
		}
		if _, ok := byAddr["pending@example.org"]; ok {
			t.Fatal("an unconfirmed address received a notification")
		}
		if _, ok := byAddr["d@example.org"]; ok {
			t.Fatal("a subscriber to other components received this outage")
		}
		if !strings.Contains(byAddr["b@example.org"].Text, "WhatsApp") || byAddr["b@example.org"].Lang != "en" || byAddr["c@example.org"].Lang != "fr" {
			t.Fatalf("languages: b=%+v c=%+v", byAddr["b@example.org"], byAddr["c@example.org"])
		}
		if !strings.HasPrefix(byAddr["a@example.org"].UnsubscribeURL, "https://status.example/unsubscribe?id=") {
			t.Fatal("no unsubscribe link")
		}
		reach, err := e.Reach(context.Background(), msg)
		if err != nil || reach["email"]["sent"] != 4 {
			t.Fatalf("reach %v %v", reach, err)
		}
		// Running again sends nothing more.
		drain(t, e)
		if _, total := s.count(); total != 4 {
			t.Fatalf("second run resent: %d", total)
		}
	})
}

func TestRetriesFailoverAndDeadLetters(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for i := 0; i < 6; i++ {
			w.subscribe(t, fmt.Sprintf("u%d@example.org", i), "fr")
		}
		w.subscribe(t, "bounce@example.org", "fr")
		w.subscribe(t, "flaky@example.org", "fr")
		w.subscribe(t, "down@example.org", "fr")
		msg := w.publishEmailAck(t, false)
		primary, secondary := newSink("primary"), newSink("secondary")
		primary.fail = func(call int, it deliver.Item) *deliver.Result {
			switch {
			case it.Address == "bounce@example.org":
				return &deliver.Result{Err: errors.New("550 no such user"), Permanent: true}
			case it.Address == "flaky@example.org" && call < 3:
				return &deliver.Result{Err: errors.New("421 try later"), RetryAfter: time.Nanosecond}
			case it.Address == "down@example.org":
				return &deliver.Result{Err: errors.New("connection reset")}
			}
			return nil
		}
		secondary.fail = func(_ int, it deliver.Item) *deliver.Result {
			if it.Address == "down@example.org" {
				return &deliver.Result{Err: errors.New("503 unavailable")}
			}
			return nil
		}
		e := deliver.New(db, []deliver.Sender{primary, secondary}, fastOptions())
		drain(t, e)
		reach, err := e.Reach(context.Background(), msg)
		if err != nil {
			t.Fatal(err)
		}
		if reach["email"]["sent"] != 7 || reach["email"]["failed"] != 1 || reach["email"]["dead"] != 1 {
			t.Fatalf("reach %v, want 7 sent, 1 failed (bounce), 1 dead (down everywhere)", reach)
		}
		// flaky went through the secondary on its first failures.
		if secondary.got == nil || len(secondary.got) == 0 {
			t.Fatal("failover never used the secondary provider")
		}
		var last string
		if err := db.SQL().QueryRow(db.Rebind(`SELECT last_error FROM deliveries WHERE address = ?`), "down@example.org").Scan(&last); err != nil || !strings.Contains(last, "gave up after") {
			t.Fatalf("dead letter reason %q %v", last, err)
		}
		// A dead letter can be retried from the console once fixed.
		secondary.fail = nil
		primary.fail = nil
		n, err := e.Retry(context.Background(), msg)
		if err != nil || n != 2 {
			t.Fatalf("retry %d %v", n, err)
		}
		drain(t, e)
		reach, _ = e.Reach(context.Background(), msg)
		if reach["email"]["sent"] != 9 {
			t.Fatalf("after retry: %v", reach)
		}
	})
}

func TestCrashBetweenSendingAndRecorded(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		for _, idempotent := range []bool{false, true} {
			w := newWorld(t, db)
			addr := fmt.Sprintf("crash-%v@example.org", idempotent)
			w.subscribe(t, addr, "fr")
			msg := w.publishEmailAck(t, false)
			s := newSink("p")
			s.idempotent = idempotent
			e := deliver.New(db, []deliver.Sender{s}, fastOptions())
			expandSome(t, e)
			// The process died after marking "sending" and before recording.
			if _, err := db.SQL().Exec(db.Rebind(`UPDATE deliveries SET state = 'sending', attempts = 1 WHERE message_id = ?`), msg); err != nil {
				t.Fatal(err)
			}
			drain(t, e)
			reach, _ := e.Reach(context.Background(), msg)
			if distinct, total := s.count(); idempotent && (reach["email"]["sent"] != 2 || distinct != total) {
				t.Fatalf("idempotent provider: %v (%d distinct, %d sends), want the interrupted delivery resent once with its key", reach, distinct, total)
			}
			if !idempotent && (reach["email"]["uncertain"] != 1 || len(s.got) != 0) {
				t.Fatalf("non-idempotent provider: %v, sent %d; want uncertain and nothing resent", reach, len(s.got))
			}
			list, _ := w.svc.List(context.Background(), incident.ListFilter{Open: true})
			for _, inc := range list {
				if _, err := w.svc.Transition(context.Background(), w.marie, inc.ID, incident.Resolved, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

func TestDrillNeverReachesSubscribers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.subscribe(t, "a@example.org", "fr")
		msg := w.publishEmailAck(t, true)
		s := newSink("smtp")
		e := deliver.New(db, []deliver.Sender{s}, fastOptions())
		drain(t, e)
		if d, _ := s.count(); d != 0 {
			t.Fatalf("a drill reached %d subscribers", d)
		}
		var state string
		if err := db.SQL().QueryRow(db.Rebind(`SELECT state FROM outbox WHERE message_id = ? LIMIT 1`), msg).Scan(&state); err != nil || state != "drill" {
			t.Fatalf("outbox state %q %v", state, err)
		}
	})
}

// TestTwoEnginesShareTheWork runs two engines (as two processes would) on
// the same database: every recipient gets exactly one message.
func TestTwoEnginesShareTheWork(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for i := 0; i < 300; i++ {
			w.subscribe(t, fmt.Sprintf("r%03d@example.org", i), "fr")
		}
		msg := w.publishEmailAck(t, false)
		s := newSink("smtp")
		s.batch = 20
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		opts := fastOptions()
		opts.Workers, opts.Poll, opts.ExpandChunk = 3, 5*time.Millisecond, 50
		a, b := deliver.New(db, []deliver.Sender{s}, opts), deliver.New(db, []deliver.Sender{s}, opts)
		go a.Run(ctx)
		go b.Run(ctx)
		for ctx.Err() == nil {
			if d, _ := s.count(); d == 300 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		cancel()
		distinct, total := s.count()
		if distinct != 300 || total != 300 {
			t.Fatalf("%d distinct, %d total; want 300 and 300", distinct, total)
		}
		reach, _ := a.Reach(context.Background(), msg)
		if reach["email"]["sent"] != 300 {
			t.Fatalf("reach %v", reach)
		}
	})
}

// A job a dead process left running waits for its lease on PostgreSQL;
// on SQLite, Recover at start releases it at once.
func TestRecoverReleasesOrphanedJobs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.subscribe(t, "orphan@example.org", "fr")
		msg := w.publishEmailAck(t, false)
		s := newSink("smtp")
		e := deliver.New(db, []deliver.Sender{s}, fastOptions())
		expandSome(t, e)
		// The dead process had claimed the job with an hour's lease.
		if _, err := db.SQL().Exec(db.Rebind(`UPDATE delivery_jobs SET state = 'running', locked_until = ?, locked_by = 'dead'`),
			db.TimeArg(time.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		drain(t, e)
		if d, _ := s.count(); d != 0 {
			t.Fatalf("a job under another process's lease was sent (%d)", d)
		}
		if err := e.Recover(context.Background()); err != nil {
			t.Fatal(err)
		}
		drain(t, e)
		reach, _ := e.Reach(context.Background(), msg)
		want := 1
		if db.Dialect() == store.Postgres {
			want = 0 // other processes may be alive: the lease decides
		}
		if d, _ := s.count(); d != want || reach["email"]["sent"] != want {
			t.Fatalf("after Recover: %d sent, reach %v; want %d", d, reach, want)
		}
	})
}

// Retrying a message's dead deliveries while a worker holds one of its jobs
// must not make that job claimable by a second worker; the holder's
// finish puts it back, and the retried delivery goes out once.
func TestRetryLeavesAHeldJobToItsHolder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.subscribe(t, "dead@example.org", "fr")
		w.subscribe(t, "fine@example.org", "fr")
		msg := w.publishEmailAck(t, false)
		s := newSink("smtp")
		e := deliver.New(db, []deliver.Sender{s}, fastOptions())
		expandSome(t, e)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.SQL().Exec(db.Rebind(q), args...); err != nil {
				t.Fatal(err)
			}
		}
		// Another worker holds the job; one of its deliveries died earlier.
		exec(`UPDATE delivery_jobs SET state = 'running', locked_until = ?, locked_by = 'other'`, db.TimeArg(time.Now().Add(time.Hour)))
		exec(`UPDATE deliveries SET state = 'dead', attempts = 4 WHERE address = 'dead@example.org'`)
		if n, err := e.Retry(context.Background(), msg); err != nil || n != 1 {
			t.Fatalf("retry: %d, %v", n, err)
		}
		var states []string
		rows, err := db.SQL().Query(`SELECT state FROM delivery_jobs`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var st string
			if err := rows.Scan(&st); err != nil {
				t.Fatal(err)
			}
			states = append(states, st)
		}
		rows.Close()
		if len(states) != 1 || states[0] != "running" {
			t.Fatalf("jobs after the retry: %v; want the held job still running", states)
		}
		drain(t, e)
		if d, _ := s.count(); d != 0 {
			t.Fatalf("a second worker sent from a held job (%d)", d)
		}
		// The holder's lease runs out (it died): the job is taken over and
		// both deliveries go out once.
		exec(`UPDATE delivery_jobs SET locked_until = ?`, db.TimeArg(time.Now().Add(-time.Minute)))
		drain(t, e)
		if d, total := s.count(); d != 2 || total != 2 {
			t.Fatalf("after the takeover: %d distinct, %d sends; want 2 and 2", d, total)
		}
	})
}

// Provider ids are recorded many per statement: each delivery must get
// its own, since receipts find deliveries by it.
func TestEachDeliveryKeepsItsProviderID(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for i := 0; i < 120; i++ {
			w.subscribe(t, fmt.Sprintf("id%03d@example.org", i), "fr")
		}
		msg := w.publishEmailAck(t, false)
		s := newSink("sms-provider")
		s.batch = 70 // two batches, one partial
		e := deliver.New(db, []deliver.Sender{s}, fastOptions())
		drain(t, e)
		rows, err := db.SQL().Query(db.Rebind(`SELECT idem_key, provider, provider_id, attempts, state FROM deliveries WHERE message_id = ?`), msg)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var key, provider, id, state string
			var attempts int
			if err := rows.Scan(&key, &provider, &id, &attempts, &state); err != nil {
				t.Fatal(err)
			}
			n++
			if want := s.ids[key]; id != want || provider != "sms-provider" || attempts != 1 || state != "sent" {
				t.Fatalf("delivery %s: provider %q id %q attempts %d state %s; want id %q, 1 attempt, sent", key, provider, id, attempts, state, want)
			}
		}
		if n != 120 {
			t.Fatalf("%d deliveries", n)
		}
		// A receipt finds its delivery by that id.
		var anyKey string
		for k := range s.ids {
			anyKey = k
			break
		}
		if found, err := e.Receipt(context.Background(), "sms-provider", s.ids[anyKey], "delivered", ""); err != nil || !found {
			t.Fatalf("receipt for %s: %v, %v", s.ids[anyKey], found, err)
		}
	})
}

// Retryable failures of one batch are rescheduled together, each with its
// own reason and due time (at least its own Retry-After).
func TestRescheduleKeepsEachRowsReasonAndTime(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.subscribe(t, "hour@example.org", "fr")
		w.subscribe(t, "twohours@example.org", "fr")
		w.subscribe(t, "ok@example.org", "fr")
		msg := w.publishEmailAck(t, false)
		s := newSink("p")
		s.fail = func(_ int, it deliver.Item) *deliver.Result {
			switch it.Address {
			case "hour@example.org":
				return &deliver.Result{Err: errors.New("429 slow down (1h)"), RetryAfter: time.Hour}
			case "twohours@example.org":
				return &deliver.Result{Err: errors.New("429 slow down (2h)"), RetryAfter: 2 * time.Hour}
			}
			return nil
		}
		opts := fastOptions()
		opts.MaxBackoff = time.Second
		e := deliver.New(db, []deliver.Sender{s}, opts)
		start := time.Now()
		drain(t, e)
		for addr, want := range map[string]struct {
			reason string
			after  time.Duration
		}{"hour@example.org": {"(1h)", time.Hour}, "twohours@example.org": {"(2h)", 2 * time.Hour}} {
			var state, last string
			var next time.Time
			var attempts int
			if err := db.SQL().QueryRow(db.Rebind(`SELECT state, last_error, next_at, attempts FROM deliveries WHERE address = ? AND message_id = ?`), addr, msg).
				Scan(&state, &last, store.ScanTime(&next), &attempts); err != nil {
				t.Fatal(err)
			}
			if state != "queued" || !strings.Contains(last, want.reason) || attempts != 1 ||
				next.Before(start.Add(want.after-time.Second)) || next.After(time.Now().Add(want.after+time.Second)) {
				t.Fatalf("%s: %s %q due %s (in %s), %d attempts; want queued, %q, due in %s, 1 attempt",
					addr, state, last, next, time.Until(next).Round(time.Second), attempts, want.reason, want.after)
			}
		}
		if reach, _ := e.Reach(context.Background(), msg); reach["email"]["sent"] != 1 {
			t.Fatalf("reach %v", reach)
		}
	})
}

type goneErr struct{}

func (goneErr) Error() string { return "410 subscription expired" }
func (goneErr) Gone() bool    { return true }

func TestGoneAddressesAreDropped(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.subscribe(t, "kept@example.org", "fr")
		w.subscribe(t, "gone@example.org", "fr")
		w.publishEmailAck(t, false)
		s := newSink("smtp")
		s.fail = func(_ int, it deliver.Item) *deliver.Result {
			if it.Address == "gone@example.org" {
				return &deliver.Result{Err: goneErr{}, Permanent: true}
			}
			return nil
		}
		opts := fastOptions()
		var dropped []string
		opts.OnGone = func(ctx context.Context, channel, address string) {
			dropped = append(dropped, channel+":"+address)
			if _, err := w.subs.OptOut(ctx, channel, address); err != nil {
				t.Error(err)
			}
		}
		drain(t, deliver.New(db, []deliver.Sender{s}, opts))
		if len(dropped) != 1 || dropped[0] != "email:gone@example.org" {
			t.Fatalf("dropped %v", dropped)
		}
		if n, _ := w.subs.CountConfirmed(context.Background()); n["email"] != 1 {
			t.Fatalf("confirmed after drop: %v", n)
		}
	})
}

// A channel whose providers all deduplicate skips the "sending" mark (an
// interrupted send is just sent again with its key); attempts are still
// counted, and dead-lettering still happens after MaxAttempts.
func TestAttemptsCountedWithoutTheSendingMark(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.subscribe(t, "ok@example.org", "fr")
		w.subscribe(t, "down@example.org", "fr")
		w.publishEmailAck(t, false)
		s := newSink("p")
		s.idempotent = true
		var states []string
		s.fail = func(_ int, it deliver.Item) *deliver.Result {
			var st string
			if err := db.SQL().QueryRow(db.Rebind(`SELECT state FROM deliveries WHERE idem_key = ?`), it.Key).Scan(&st); err == nil {
				states = append(states, st)
			}
			if it.Address == "down@example.org" {
				return &deliver.Result{Err: errors.New("503 unavailable")}
			}
			return nil
		}
		drain(t, deliver.New(db, []deliver.Sender{s}, fastOptions()))
		for _, st := range states {
			if st != "queued" {
				t.Fatalf("a delivery was %q while sent to an idempotent provider", st)
			}
		}
		for addr, want := range map[string]struct {
			state    string
			attempts int
		}{"ok@example.org": {"sent", 1}, "down@example.org": {"dead", fastOptions().MaxAttempts}} {
			var (
				st string
				n  int
			)
			if err := db.SQL().QueryRow(db.Rebind(`SELECT state, attempts FROM deliveries WHERE address = ?`), addr).Scan(&st, &n); err != nil {
				t.Fatal(err)
			}
			if st != want.state || n != want.attempts {
				t.Errorf("%s: %s after %d attempts, want %s after %d", addr, st, n, want.state, want.attempts)
			}
		}
	})
}
