package deliver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigie-hq/vigie/internal/store"
)

// Options tune the engine; zero values get the defaults in brackets.
type Options struct {
	// Workers send jobs concurrently [16]: providers are network-bound.
	Workers int
	// ExpandChunk is how many recipients one expansion transaction covers [5000].
	ExpandChunk int
	// MaxAttempts before a delivery is dead-lettered [8].
	MaxAttempts int
	// BaseBackoff is the first retry delay, doubled per attempt with jitter [2s], capped at MaxBackoff [10m].
	BaseBackoff, MaxBackoff time.Duration
	// Lease is how long a claimed job stays locked [30s]; a process that
	// dies holding a job delays it by at most this much on PostgreSQL.
	Lease time.Duration
	// Poll is the idle wait between checks for work [200ms].
	Poll time.Duration
	// DefaultLang receives recipients whose language the message lacks.
	DefaultLang string
	// UnsubscribeURL returns a recipient's one-click unsubscribe link.
	UnsubscribeURL func(subscriberID int64) string
	// OnGone is called when a provider says an address no longer exists
	// or its owner opted out (a push subscription answering 410, an SMS
	// STOP): the audience should stop using it.
	OnGone func(ctx context.Context, channel, address string)
	// Escalations return the plan's channel order (nil: every channel at once).
	Escalations func() []Escalation
	// RatePerSecond limits each provider (by provider name); absent = unlimited.
	RatePerSecond map[string]float64
	// Burst is how many sends a provider may take at once before its rate
	// applies (default: one second's worth).
	Burst map[string]float64
	// ReachTTL shares each Reach answer for that long (0: always count).
	ReachTTL time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
}

// Engine expands published messages and sends their deliveries.
type Engine struct {
	db       *store.DB
	senders  map[string][]Sender // channel → primary, fallbacks
	o        Options
	id       string
	breakers sync.Map // provider → *breaker
	limiters map[string]*bucket

	reachMu    sync.Mutex
	reachCache map[int64]*reachEntry
}

// New returns an Engine sending through senders (the first sender of a
// channel is its primary; the next ones are failovers).
func New(db *store.DB, senders []Sender, o Options) *Engine {
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.ExpandChunk <= 0 {
		o.ExpandChunk = 5000
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Minute
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 200 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	raw := make([]byte, 6)
	_, _ = rand.Read(raw)
	e := &Engine{db: db, senders: map[string][]Sender{}, o: o, id: hex.EncodeToString(raw), limiters: map[string]*bucket{}}
	for _, s := range senders {
		e.senders[s.Channel()] = append(e.senders[s.Channel()], s)
		if r := o.RatePerSecond[s.Provider()]; r > 0 {
			e.limiters[s.Provider()] = newBucket(r, o.Burst[s.Provider()], o.Now)
		}
	}
	return e
}

func (e *Engine) q(s string) string { return e.db.Rebind(s) }
func (e *Engine) t(t time.Time) any { return e.db.TimeArg(t) }
func (e *Engine) now() time.Time    { return store.Timestamp(e.o.Now()) }

// idemKey is the idempotency key of (message, recipient, channel).
func idemKey(messageID, subscriberID int64, channel string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d/%d/%s", messageID, subscriberID, channel))
	return hex.EncodeToString(sum[:16])
}

// Recover releases jobs a crashed process left running. Call it once at
// start, before any engine of this process runs: on SQLite the process
// owns the database, so every running job is then an orphan (a second
// engine's Recover would release jobs a sibling engine holds). On
// PostgreSQL other processes may hold jobs, which their lease protects, so
// it does nothing there.
func (e *Engine) Recover(ctx context.Context) error {
	if e.db.Dialect() != store.SQLite {
		return nil
	}
	_, err := e.db.SQL().ExecContext(ctx, `UPDATE delivery_jobs SET state = 'ready', locked_until = NULL WHERE state = 'running'`)
	if err != nil {
		return fmt.Errorf("deliver: recover jobs: %w", err)
	}
	return nil
}

// Run expands and sends until ctx is done. It does not Recover.
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			_, worked, err := e.ExpandOnce(ctx)
			if err != nil && ctx.Err() == nil {
				e.o.Logger.Error("expand deliveries", "err", err)
			}
			if !worked || err != nil {
				sleep(ctx, e.o.Poll)
			}
		}
	}()
	for i := 0; i < e.o.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				worked, err := e.SendOnce(ctx)
				if err != nil && ctx.Err() == nil {
					e.o.Logger.Error("send deliveries", "err", err)
				}
				if !worked || err != nil {
					sleep(ctx, e.o.Poll)
				}
			}
		}()
	}
	wg.Wait()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// jobSize is the least number of deliveries per job.
const jobSize = 500

// rcpt is a subscriber selected for a delivery.
type rcpt struct {
	id         int64
	addr, lang string
}

// outboxRow is a queued (message, channel, language) publication.
type outboxRow struct {
	id, messageID, incidentID, cursor int64
	channel, lang, audience, state    string
	drill                             bool
	priority                          int
}

// ExpandOnce expands one chunk of one outbox entry into ledger rows and
// jobs, in one transaction. It returns how many recipients it added and
// whether there was an entry to work on. Drills and staff messages never
// reach subscribers.
func (e *Engine) ExpandOnce(ctx context.Context) (added int, worked bool, err error) {
	err = e.db.InTx(ctx, func(tx *sql.Tx) error {
		var r outboxRow
		lock := ""
		if e.db.Dialect() == store.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		err := tx.QueryRowContext(ctx, e.q(`SELECT id, message_id, incident_id, channel, lang, audience, drill, priority, cursor, state FROM outbox
			WHERE state IN ('pending', 'expanding') OR (state = 'escalating' AND not_before <= ?) ORDER BY priority, id LIMIT 1`+lock), e.t(e.now())).
			Scan(&r.id, &r.messageID, &r.incidentID, &r.channel, &r.lang, &r.audience, &r.drill, &r.priority, &r.cursor, &r.state)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("deliver: claim outbox: %w", err)
		}
		worked = true
		finish := func(state string) error {
			_, err := tx.ExecContext(ctx, e.q(`UPDATE outbox SET state = ? WHERE id = ?`), state, r.id)
			return err
		}
		var broadcast Broadcaster
		if ss := e.senders[r.channel]; len(ss) > 0 {
			broadcast, _ = ss[0].(Broadcaster)
		}
		switch {
		case r.drill:
			return finish("drill")
		case broadcast != nil:
			// An account channel posts once, for the audiences it serves.
			if !slices.Contains(broadcast.Audiences(), r.audience) {
				return finish("not-for-account")
			}
			if r.state == "pending" {
				langs, err := messageLangs(ctx, tx, e, r.messageID)
				if err != nil {
					return err
				}
				if added, err = e.expandBroadcast(ctx, tx, r, broadcast, langs); err != nil {
					return err
				}
			}
			// A channel with subscribers of its own (Telegram chats that
			// started the bot) reaches them as well.
			if sb, ok := broadcast.(SubscriberBroadcaster); !ok || !sb.AlsoSubscribers() || r.audience != "customers" {
				return finish("expanded")
			}
		case r.audience != "customers":
			return finish("not-subscribers")
		case len(e.senders[r.channel]) == 0:
			return finish("no-sender")
		}
		langs, err := messageLangs(ctx, tx, e, r.messageID)
		if err != nil {
			return err
		}
		comps, err := incidentComponents(ctx, tx, e, r.incidentID)
		if err != nil {
			return err
		}
		// Recipients in this row's language, plus those whose language the
		// message does not have when this row is the default language.
		esc, err := e.escalation(ctx, tx, r)
		if err != nil {
			return err
		}
		query := `SELECT id, address, lang, components FROM subscribers WHERE channel = ? AND state = 'confirmed' AND id > ? AND (lang = ?`
		args := []any{r.channel, r.cursor, r.lang}
		if r.lang == e.o.DefaultLang {
			query += ` OR lang NOT IN (` + strings.TrimSuffix(strings.Repeat("?,", len(langs)), ",") + `)`
			for _, l := range langs {
				args = append(args, l)
			}
		}
		query += `)`
		if esc != nil {
			q, a := esc.clause(r)
			query += q
			args = append(args, a...)
		}
		query += fmt.Sprintf(` ORDER BY id LIMIT %d`, e.o.ExpandChunk)
		rows, err := tx.QueryContext(ctx, e.q(query), args...)
		if err != nil {
			return fmt.Errorf("deliver: recipients: %w", err)
		}
		var batch []rcpt
		last := r.cursor
		for rows.Next() {
			var (
				x     rcpt
				cjson string
			)
			if err := rows.Scan(&x.id, &x.addr, &x.lang, &cjson); err != nil {
				rows.Close()
				return err
			}
			last = x.id
			if wanted(cjson, comps) {
				batch = append(batch, x)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if last == r.cursor {
			if esc != nil && r.state != "escalating" {
				// The contacts the first channel may reach wait for it.
				_, err := tx.ExecContext(ctx, e.q(`UPDATE outbox SET state = 'escalating', cursor = 0, not_before = ? WHERE id = ?`), e.t(e.now().Add(esc.After)), r.id)
				return err
			}
			return finish("expanded")
		}
		size := 1
		for _, s := range e.senders[r.channel] {
			size = max(size, s.MaxBatch())
		}
		// A job carries several provider calls: fewer, larger jobs mean fewer
		// database round trips per message.
		size = max(size, jobSize)
		now := e.now()
		for i := 0; i < len(batch); i += size {
			part := batch[i:min(i+size, len(batch))]
			var job int64
			if err := tx.QueryRowContext(ctx, e.q(`INSERT INTO delivery_jobs (outbox_id, channel, priority, state, run_at, created_at) VALUES (?, ?, ?, 'ready', ?, ?) RETURNING id`),
				r.id, r.channel, r.priority, e.t(now), e.t(now)).Scan(&job); err != nil {
				return fmt.Errorf("deliver: job: %w", err)
			}
			if err := e.insertDeliveries(ctx, tx, job, r, part, now); err != nil {
				return err
			}
			added += len(part)
		}
		_, err = tx.ExecContext(ctx, e.q(`UPDATE outbox SET state = 'expanding', cursor = ? WHERE id = ?`), last, r.id)
		return err
	})
	if err != nil {
		return 0, false, err
	}
	return added, worked, nil
}

// expandBroadcast queues the one delivery of an account channel: in the
// account's language, or in the default language when the message lacks
// it; the other language rows of the same message add nothing.
func (e *Engine) expandBroadcast(ctx context.Context, tx *sql.Tx, r outboxRow, b Broadcaster, langs []string) (int, error) {
	lang := b.Lang()
	if !slices.Contains(langs, lang) {
		lang = e.o.DefaultLang
	}
	if r.lang != lang {
		return 0, nil
	}
	now := e.now()
	var job int64
	if err := tx.QueryRowContext(ctx, e.q(`INSERT INTO delivery_jobs (outbox_id, channel, priority, state, run_at, created_at) VALUES (?, ?, ?, 'ready', ?, ?) RETURNING id`),
		r.id, r.channel, r.priority, e.t(now), e.t(now)).Scan(&job); err != nil {
		return 0, fmt.Errorf("deliver: job: %w", err)
	}
	// Subscriber 0 stands for the account: one post per message and channel.
	if err := e.insertDeliveries(ctx, tx, job, r, []rcpt{{id: 0, addr: b.Account(), lang: lang}}, now); err != nil {
		return 0, err
	}
	return 1, nil
}

// insertDeliveries adds ledger rows with a multi-row INSERT; a recipient
// already in the ledger for this message and channel is skipped.
func (e *Engine) insertDeliveries(ctx context.Context, tx *sql.Tx, job int64, r outboxRow, part []rcpt, now time.Time) error {
	const perStmt = 500
	for i := 0; i < len(part); i += perStmt {
		chunk := part[i:min(i+perStmt, len(part))]
		var b strings.Builder
		b.WriteString(`INSERT INTO deliveries (job_id, message_id, subscriber_id, channel, address, lang, idem_key, updated_at) VALUES `)
		args := make([]any, 0, len(chunk)*8)
		for j, x := range chunk {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, job, r.messageID, x.id, r.channel, x.addr, r.lang, idemKey(r.messageID, x.id, r.channel), e.t(now))
		}
		b.WriteString(` ON CONFLICT (message_id, subscriber_id, channel) DO NOTHING`)
		if _, err := tx.ExecContext(ctx, e.q(b.String()), args...); err != nil {
			return fmt.Errorf("deliver: ledger: %w", err)
		}
	}
	return nil
}

func messageLangs(ctx context.Context, tx *sql.Tx, e *Engine, id int64) ([]string, error) {
	var raw string
	if err := tx.QueryRowContext(ctx, e.q(`SELECT content FROM messages WHERE id = ?`), id).Scan(&raw); err != nil {
		return nil, fmt.Errorf("deliver: message %d: %w", id, err)
	}
	var content map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &content); err != nil {
		return nil, fmt.Errorf("deliver: message %d content: %w", id, err)
	}
	out := make([]string, 0, len(content))
	for l := range content {
		out = append(out, l)
	}
	return out, nil
}

func incidentComponents(ctx context.Context, tx *sql.Tx, e *Engine, id int64) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, e.q(`SELECT component FROM incident_components WHERE incident_id = ?`), id)
	if err != nil {
		return nil, fmt.Errorf("deliver: components: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out[c] = true
	}
	return out, rows.Err()
}

// wanted reports whether a subscriber interested in cjson (a JSON list;
// empty = everything) should hear about an incident on comps.
func wanted(cjson string, comps map[string]bool) bool {
	if cjson == "" || cjson == "[]" || cjson == "null" {
		return true
	}
	var list []string
	if err := json.Unmarshal([]byte(cjson), &list); err != nil || len(list) == 0 {
		return true
	}
	for _, c := range list {
		if comps[c] {
			return true
		}
	}
	return false
}

// backoff is the delay before retry number attempt: exponential with full
// jitter, at least the provider's Retry-After, capped.
func (e *Engine) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := float64(e.o.BaseBackoff) * math.Pow(2, float64(attempt-1))
	d = math.Min(d, float64(e.o.MaxBackoff))
	d = d/2 + mrand.Float64()*d/2
	return max(time.Duration(d), retryAfter)
}
