package deliver

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
)

type job struct {
	id, outboxID int64
	channel      string
}

type delivery struct {
	id, subscriberID, messageID int64
	address, lang, key, state   string
	attempts                    int
}

// claim locks the next job that is due (or whose lease expired). On
// PostgreSQL concurrent workers skip each other's locked rows.
func (e *Engine) claim(ctx context.Context) (job, bool, error) {
	now := e.now()
	lock := ""
	if e.db.Dialect() == store.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var j job
	err := e.db.SQL().QueryRowContext(ctx, e.q(`UPDATE delivery_jobs SET state = 'running', locked_until = ?, locked_by = ?
		WHERE id = (SELECT id FROM delivery_jobs WHERE (state = 'ready' AND run_at <= ?) OR (state = 'running' AND locked_until < ?)
		            ORDER BY priority, id LIMIT 1`+lock+`)
		RETURNING id, outbox_id, channel`), e.t(now.Add(e.o.Lease)), e.id, e.t(now), e.t(now)).Scan(&j.id, &j.outboxID, &j.channel)
	if errors.Is(err, sql.ErrNoRows) {
		return job{}, false, nil
	}
	if err != nil {
		return job{}, false, fmt.Errorf("deliver: claim job: %w", err)
	}
	return j, true, nil
}

// SendOnce claims one job and sends its due deliveries.
func (e *Engine) SendOnce(ctx context.Context) (bool, error) {
	j, ok, err := e.claim(ctx)
	if err != nil || !ok {
		return false, err
	}
	return true, e.process(ctx, j)
}

func (e *Engine) process(ctx context.Context, j job) error {
	senders := e.senders[j.channel]
	if len(senders) == 0 {
		return e.finishJob(ctx, j.id)
	}
	now := e.now()
	rows, err := e.db.SQL().QueryContext(ctx, e.q(`SELECT id, subscriber_id, message_id, address, lang, idem_key, state, attempts FROM deliveries
		WHERE job_id = ? AND state IN ('queued', 'sending') AND (next_at IS NULL OR next_at <= ?) ORDER BY id`), j.id, e.t(now))
	if err != nil {
		return fmt.Errorf("deliver: load job %d: %w", j.id, err)
	}
	var due, interrupted []delivery
	for rows.Next() {
		var d delivery
		if err := rows.Scan(&d.id, &d.subscriberID, &d.messageID, &d.address, &d.lang, &d.key, &d.state, &d.attempts); err != nil {
			rows.Close()
			return err
		}
		if d.state == "sending" {
			interrupted = append(interrupted, d)
		} else {
			due = append(due, d)
		}
	}
	rows.Close()
	// A crash left these between "sending" and a recorded outcome. A
	// provider that deduplicates by key may get them again; for the others
	// a second send could duplicate, so they are counted as uncertain.
	if len(interrupted) > 0 {
		if senders[0].Idempotent() {
			due = append(due, interrupted...)
		} else if err := e.mark(ctx, interrupted, "uncertain", "interrupted while sending; not resent because the provider cannot deduplicate"); err != nil {
			return err
		}
	}
	if len(due) > 0 {
		// The "sending" mark tells a crash's survivors which deliveries may
		// have reached a provider that cannot deduplicate. When every
		// provider of the channel deduplicates by key, an interrupted send
		// is simply sent again, so the mark (one more write per delivery)
		// is skipped; attempts are then counted when the outcome is recorded.
		if !allIdempotent(senders) {
			if err := e.markSending(ctx, due); err != nil {
				return err
			}
		}
		content, err := e.contents(ctx, due[0].messageID)
		if err != nil {
			return err
		}
		e.sendAll(ctx, senders, due, content)
	}
	return e.finishJob(ctx, j.id)
}

// countAttempt counts the attempt when an outcome is recorded, unless the
// "sending" mark (skipped for providers that deduplicate) counted it.
const countAttempt = `attempts = CASE WHEN state = 'sending' THEN attempts ELSE attempts + 1 END`

// allIdempotent reports whether every provider of a channel deduplicates.
func allIdempotent(ss []Sender) bool {
	for _, s := range ss {
		if !s.Idempotent() {
			return false
		}
	}
	return len(ss) > 0
}

func (e *Engine) markSending(ctx context.Context, ds []delivery) error {
	return e.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, part := range chunks(ds, 500) {
			ids := make([]any, 0, len(part)+1)
			ids = append(ids, e.t(e.now()))
			for _, d := range part {
				ids = append(ids, d.id)
			}
			_, err := tx.ExecContext(ctx, e.q(`UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id IN (`+placeholders(len(part))+`)`), ids...)
			if err != nil {
				return fmt.Errorf("deliver: mark sending: %w", err)
			}
		}
		return nil
	})
}

func (e *Engine) mark(ctx context.Context, ds []delivery, state, reason string) error {
	return e.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, part := range chunks(ds, 500) {
			args := []any{state, reason, e.t(e.now())}
			for _, d := range part {
				args = append(args, d.id)
			}
			if _, err := tx.ExecContext(ctx, e.q(`UPDATE deliveries SET state = ?, last_error = ?, updated_at = ? WHERE id IN (`+placeholders(len(part))+`)`), args...); err != nil {
				return fmt.Errorf("deliver: mark %s: %w", state, err)
			}
		}
		return nil
	})
}

// messageContent is a message's text per language.
type messageContent struct {
	Subject, Text string
	Drill         bool
	IncidentID    int64
}

func (e *Engine) contents(ctx context.Context, messageID int64) (map[string]messageContent, error) {
	var (
		raw      string
		drill    bool
		incident int64
	)
	err := e.db.SQL().QueryRowContext(ctx, e.q(`SELECT m.content, i.drill, i.id FROM messages m JOIN incidents i ON i.id = m.incident_id WHERE m.id = ?`), messageID).Scan(&raw, &drill, &incident)
	if err != nil {
		return nil, fmt.Errorf("deliver: message %d: %w", messageID, err)
	}
	var content map[string]struct{ Subject, Text string }
	if err := json.Unmarshal([]byte(raw), &content); err != nil {
		return nil, fmt.Errorf("deliver: message %d content: %w", messageID, err)
	}
	out := map[string]messageContent{}
	for l, c := range content {
		out[l] = messageContent{Subject: c.Subject, Text: c.Text, Drill: drill, IncidentID: incident}
	}
	return out, nil
}

// sendAll sends due deliveries through the channel's providers: the
// primary first; items that fail with a retryable error (or all of them
// while the primary's breaker is open) go to the next provider.
func (e *Engine) sendAll(ctx context.Context, senders []Sender, due []delivery, content map[string]messageContent) {
	pending := due
	for i, s := range senders {
		if len(pending) == 0 {
			return
		}
		last := i == len(senders)-1
		br := e.breaker(s.Provider())
		if !br.allow(e.o.Now()) && !last {
			continue
		}
		var retry []delivery
		for _, part := range chunks(pending, max(1, s.MaxBatch())) {
			if l := e.limiters[s.Provider()]; l != nil {
				if err := l.wait(ctx, len(part)); err != nil {
					return
				}
			}
			items := make([]Item, len(part))
			byKey := make(map[string]delivery, len(part))
			for k, d := range part {
				c, ok := content[d.lang]
				if !ok {
					c = content[e.o.DefaultLang]
				}
				items[k] = Item{Key: d.key, Address: d.address, Lang: d.lang, Subject: c.Subject, Text: c.Text, Drill: c.Drill,
					MessageID: d.messageID, IncidentID: c.IncidentID}
				if e.o.UnsubscribeURL != nil {
					items[k].UnsubscribeURL = e.o.UnsubscribeURL(d.subscriberID)
				}
				byKey[d.key] = d
			}
			results := s.Send(ctx, items)
			seen := map[string]bool{}
			var okRows, failRows, retryRows []outcome
			failures := 0
			for _, r := range results {
				d, known := byKey[r.Key]
				if !known || seen[r.Key] {
					continue
				}
				seen[r.Key] = true
				switch {
				case r.Err == nil:
					okRows = append(okRows, outcome{d: d, providerID: r.ProviderID})
				case r.Permanent:
					failRows = append(failRows, outcome{d: d, reason: r.Err.Error()})
					var gone interface{ Gone() bool }
					if e.o.OnGone != nil && errors.As(r.Err, &gone) && gone.Gone() {
						e.o.OnGone(ctx, s.Channel(), d.address)
					}
				default:
					failures++
					retryRows = append(retryRows, outcome{d: d, reason: r.Err.Error(), after: r.RetryAfter})
				}
			}
			for key, d := range byKey { // a sender that forgot an item: retry it
				if !seen[key] {
					retryRows = append(retryRows, outcome{d: d, reason: "no result from provider"})
				}
			}
			br.record(e.o.Now(), failures > 0 && len(okRows) == 0)
			if err := e.record(ctx, s.Provider(), okRows, failRows); err != nil {
				e.o.Logger.Error("record delivery results", "err", err)
			}
			if last {
				if err := e.reschedule(ctx, s.Provider(), retryRows); err != nil {
					e.o.Logger.Error("reschedule deliveries", "err", err)
				}
			} else {
				for _, o := range retryRows {
					retry = append(retry, o.d)
				}
			}
		}
		pending = retry
	}
}

type outcome struct {
	d          delivery
	providerID string
	reason     string
	after      time.Duration // the provider's Retry-After
	next       time.Time     // when a rescheduled delivery is due
}

func (e *Engine) record(ctx context.Context, provider string, ok, failed []outcome) error {
	if len(ok) == 0 && len(failed) == 0 {
		return nil
	}
	now := e.t(e.now())
	return e.db.InTx(ctx, func(tx *sql.Tx) error {
		// Accepted deliveries are recorded 500 per statement, those with a
		// provider id (SMS, push, WhatsApp, Telegram) as well.
		var plain, withID []outcome
		for _, o := range ok {
			if o.providerID == "" {
				plain = append(plain, o)
			} else {
				withID = append(withID, o)
			}
		}
		if err := e.updateEach(ctx, tx, plain, `state = 'sent', provider = ?, last_error = '', updated_at = ?`, []any{provider, now}); err != nil {
			return fmt.Errorf("deliver: record sent: %w", err)
		}
		if err := e.updateEach(ctx, tx, withID, `state = 'sent', provider = ?, last_error = '', updated_at = ?`, []any{provider, now},
			perRow{"provider_id", "", func(o outcome) any { return o.providerID }}); err != nil {
			return fmt.Errorf("deliver: record sent: %w", err)
		}
		if err := e.updateEach(ctx, tx, failed, `state = 'failed', provider = ?, updated_at = ?`, []any{provider, now}, reasonColumn); err != nil {
			return fmt.Errorf("deliver: record failures: %w", err)
		}
		return nil
	})
}

// perRow is a column whose value differs from row to row in updateEach.
type perRow struct {
	column, cast string // cast: the SQL type the value is cast to ("" for text)
	value        func(outcome) any
}

// reasonColumn records each outcome's own error.
var reasonColumn = perRow{"last_error", "", func(o outcome) any { return truncate(o.reason) }}

// updateEach updates the rows 500 per statement: set applies to all (its
// arguments first), each perRow column gets every row's own value through
// a CASE on the id, and the attempt is counted (countAttempt). The rows
// are found by their id list, a primary-key lookup in both dialects (a
// join with a VALUES list made SQLite scan the whole ledger).
func (e *Engine) updateEach(ctx context.Context, tx *sql.Tx, rows []outcome, set string, setArgs []any, cols ...perRow) error {
	for _, part := range chunks(rows, 500) {
		var q strings.Builder
		q.WriteString("UPDATE deliveries SET ")
		q.WriteString(set)
		args := append([]any(nil), setArgs...)
		for _, c := range cols {
			fmt.Fprintf(&q, ", %s = CASE id", c.column)
			for _, o := range part {
				if c.cast != "" {
					fmt.Fprintf(&q, " WHEN ? THEN CAST(? AS %s)", c.cast)
				} else {
					q.WriteString(" WHEN ? THEN ?")
				}
				args = append(args, o.d.id, c.value(o))
			}
			q.WriteString(" END")
		}
		q.WriteString(", " + countAttempt + " WHERE id IN (" + placeholders(len(part)) + ")")
		for _, o := range part {
			args = append(args, o.d.id)
		}
		if _, err := tx.ExecContext(ctx, e.q(q.String()), args...); err != nil {
			return err
		}
	}
	return nil
}

// reschedule puts retryable failures back in the queue with a backoff, or
// dead-letters them after MaxAttempts with the last reason.
func (e *Engine) reschedule(ctx context.Context, provider string, rows []outcome) error {
	if len(rows) == 0 {
		return nil
	}
	now := e.now()
	var dead, again []outcome
	for _, o := range rows {
		if o.d.attempts+1 >= e.o.MaxAttempts {
			o.reason = fmt.Sprintf("gave up after %d attempts: %s", o.d.attempts+1, o.reason)
			dead = append(dead, o)
			continue
		}
		o.next = now.Add(e.backoff(o.d.attempts+1, o.after))
		again = append(again, o)
	}
	timeType := "TEXT"
	if e.db.Dialect() == store.Postgres {
		timeType = "TIMESTAMPTZ"
	}
	return e.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := e.updateEach(ctx, tx, dead, `state = 'dead', provider = ?, updated_at = ?`, []any{provider, e.t(now)}, reasonColumn); err != nil {
			return fmt.Errorf("deliver: dead-letter: %w", err)
		}
		if err := e.updateEach(ctx, tx, again, `state = 'queued', provider = ?, updated_at = ?`, []any{provider, e.t(now)}, reasonColumn,
			perRow{"next_at", timeType, func(o outcome) any { return e.t(o.next) }}); err != nil {
			return fmt.Errorf("deliver: reschedule: %w", err)
		}
		return nil
	})
}

// finishJob closes the job, or puts it back for its next due retry. It
// runs in a transaction that holds the job's row, so a Retry of the same
// message cannot slip its requeued deliveries between the count and the
// update (see Retry).
func (e *Engine) finishJob(ctx context.Context, id int64) error {
	return e.db.InTx(ctx, func(tx *sql.Tx) error {
		if e.db.Dialect() == store.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT id FROM delivery_jobs WHERE id = $1 FOR UPDATE`, id); err != nil {
				return fmt.Errorf("deliver: lock job %d: %w", id, err)
			}
		}
		var (
			n    int
			next store.NullTime
		)
		if err := tx.QueryRowContext(ctx, e.q(`SELECT COUNT(*), MIN(next_at) FROM deliveries WHERE job_id = ? AND state IN ('queued', 'sending')`), id).Scan(&n, next.Scanner()); err != nil {
			return fmt.Errorf("deliver: job %d: %w", id, err)
		}
		if n == 0 {
			_, err := tx.ExecContext(ctx, e.q(`UPDATE delivery_jobs SET state = 'done', locked_until = NULL WHERE id = ?`), id)
			return err
		}
		runAt := e.now()
		if p := next.Ptr(); p != nil && p.After(runAt) {
			runAt = *p
		}
		_, err := tx.ExecContext(ctx, e.q(`UPDATE delivery_jobs SET state = 'ready', run_at = ?, locked_until = NULL WHERE id = ?`), e.t(runAt), id)
		return err
	})
}

// Retry puts dead or failed deliveries of a message back in the queue
// (from the console's dead-letter view).
func (e *Engine) Retry(ctx context.Context, messageID int64) (int, error) {
	now := e.now()
	var n int64
	err := e.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, e.q(`UPDATE deliveries SET state = 'queued', attempts = 0, next_at = NULL, updated_at = ? WHERE message_id = ? AND state IN ('dead', 'failed')`), e.t(now), messageID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		// A job a worker holds is left to it: its finishJob sees the
		// requeued deliveries and puts the job back. Making it ready here
		// would let a second worker take it while the first still sends.
		_, err = tx.ExecContext(ctx, e.q(`UPDATE delivery_jobs SET state = 'ready', run_at = ?
			WHERE state <> 'running' AND id IN (SELECT DISTINCT job_id FROM deliveries WHERE message_id = ? AND state = 'queued')`), e.t(now), messageID)
		return err
	})
	return int(n), err
}

// Reach counts deliveries of a message per channel and state. Counting is
// a scan of the message's deliveries, so with Options.ReachTTL the answer
// is shared for that long: a crisis room open in many tabs during a
// million-recipient fan-out costs one scan per message per TTL, not one
// per view.
func (e *Engine) Reach(ctx context.Context, messageID int64) (map[string]map[string]int, error) {
	if e.o.ReachTTL <= 0 {
		return e.reach(ctx, messageID)
	}
	e.reachMu.Lock()
	c, ok := e.reachCache[messageID]
	if !ok || e.o.Now().Sub(c.at) >= e.o.ReachTTL {
		if e.reachCache == nil || len(e.reachCache) > 256 {
			e.reachCache = map[int64]*reachEntry{}
		}
		c = &reachEntry{at: e.o.Now(), done: make(chan struct{})}
		e.reachCache[messageID] = c
		e.reachMu.Unlock()
		c.value, c.err = e.reach(ctx, messageID)
		close(c.done)
		if c.err != nil {
			e.reachMu.Lock()
			delete(e.reachCache, messageID)
			e.reachMu.Unlock()
		}
		return c.value, c.err
	}
	e.reachMu.Unlock()
	select {
	case <-c.done:
		return c.value, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// reachEntry is a shared Reach answer (done closes when it is known).
type reachEntry struct {
	at    time.Time
	done  chan struct{}
	value map[string]map[string]int
	err   error
}

func (e *Engine) reach(ctx context.Context, messageID int64) (map[string]map[string]int, error) {
	rows, err := e.db.SQL().QueryContext(ctx, e.q(`SELECT channel, state, COUNT(*) FROM deliveries WHERE message_id = ? GROUP BY channel, state`), messageID)
	if err != nil {
		return nil, fmt.Errorf("deliver: reach: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var (
			ch, st string
			n      int
		)
		if err := rows.Scan(&ch, &st, &n); err != nil {
			return nil, err
		}
		if out[ch] == nil {
			out[ch] = map[string]int{}
		}
		out[ch][st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Unique people reached: a contact reached on two channels counts once;
	// an address without a contact is a person of its own; the
	// organisation's own accounts (recipient 0) are not people.
	var people int
	err = e.db.SQL().QueryRowContext(ctx, e.q(`SELECT COUNT(DISTINCT CASE WHEN s.contact <> '' THEN s.contact ELSE 'id:' || s.id END)
		FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
		WHERE d.message_id = ? AND d.subscriber_id <> 0 AND d.state IN ('sent', 'delivered')`), messageID).Scan(&people)
	if err != nil {
		return nil, fmt.Errorf("deliver: people reached: %w", err)
	}
	if people > 0 {
		out[AllChannels] = map[string]int{"people": people}
	}
	return out, nil
}

// AllChannels is the key of Reach's counts over every channel: "people",
// the unique people a message reached.
const AllChannels = "all"

func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for i := 0; i < len(s); i += n {
		out = append(out, s[i:min(i+n, len(s))])
	}
	return out
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

func truncate(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

// breaker opens after 5 consecutive failed batches and lets one batch
// through again after 30 s.
type breaker struct {
	mu       sync.Mutex
	failures int
	openTill time.Time
}

func (e *Engine) breaker(provider string) *breaker {
	b, _ := e.breakers.LoadOrStore(provider, &breaker{})
	return b.(*breaker)
}

func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return now.After(b.openTill)
}

func (b *breaker) record(now time.Time, failed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !failed {
		b.failures = 0
		return
	}
	b.failures++
	if b.failures >= 5 {
		b.openTill = now.Add(30 * time.Second)
		b.failures = 0
	}
}

// bucket is a token bucket of rate tokens per second (burst = one second).
type bucket struct {
	mu          sync.Mutex
	rate, burst float64
	tokens      float64
	last        time.Time
	now         func() time.Time
}

// newBucket allows rate sends per second on average and burst at once
// (at least one second's worth).
func newBucket(rate, burst float64, now func() time.Time) *bucket {
	burst = max(burst, rate)
	return &bucket{rate: rate, burst: burst, tokens: burst, last: now(), now: now}
}

func (b *bucket) wait(ctx context.Context, n int) error {
	for {
		b.mu.Lock()
		now := b.now()
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
		if b.tokens >= float64(n) || b.tokens >= b.burst {
			b.tokens -= float64(n)
			b.mu.Unlock()
			return nil
		}
		wait := time.Duration((float64(n) - b.tokens) / b.rate * float64(time.Second))
		b.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Receipt records a provider's delivery report for the message it knows as
// providerID: "delivered", or "failed" with a reason. A report never moves
// a delivery backwards (a late "sent" after "delivered" is ignored).
func (e *Engine) Receipt(ctx context.Context, provider, providerID, state, reason string) (bool, error) {
	if state != "delivered" && state != "failed" {
		return false, fmt.Errorf("deliver: receipt state %q: want delivered or failed", state)
	}
	if providerID == "" {
		return false, errors.New("deliver: receipt without provider id")
	}
	res, err := e.db.SQL().ExecContext(ctx, e.q(`UPDATE deliveries SET state = ?, last_error = ?, updated_at = ? WHERE provider = ? AND provider_id = ? AND state IN ('sent', 'uncertain')`),
		state, truncate(reason), e.t(e.now()), provider, providerID)
	if err != nil {
		return false, fmt.Errorf("deliver: receipt: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
