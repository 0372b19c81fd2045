package audience

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/vigie-hq/vigie/internal/channel/webpush"
	"github.com/vigie-hq/vigie/internal/store"
)

// ImportProblem is one rejected CSV line.
type ImportProblem struct {
	Line   int
	Field  string
	Reason string
}

func (p ImportProblem) String() string {
	return fmt.Sprintf("line %d, %s: %s", p.Line, p.Field, p.Reason)
}

// ImportReport says what an import did.
type ImportReport struct {
	Read, Added, Updated, Duplicates int
	// Erased counts lines skipped because the person asked to be erased.
	Erased int
	// NotConfirmed counts lines of an export whose state column says the
	// person is pending or unsubscribed: an import never confirms them.
	NotConfirmed int
	Problems     []ImportProblem
}

// ImportOptions control an import.
type ImportOptions struct {
	// SkipInvalid imports the valid lines and reports the others; without
	// it one invalid line rejects the whole file and nothing is written.
	SkipInvalid bool
	// Source and Wording record where the consent of imported people was
	// collected (e.g. "shop-signup-form", "terms-2026-03").
	Source, Wording string
	// Langs are the accepted languages (the plan's); the first is the default.
	Langs []string
	// Progress, if not nil, is called after each batch with lines read.
	Progress func(lines int)
}

// maxImportLines bounds one file.
const maxImportLines = 5_000_000

// Import reads a CSV with a header row: channel,address[,lang][,components]
// (components separated by "|"). Addresses are normalised (e-mail domain
// lower-cased, phone numbers to E.164, webhook URLs must be https) and
// deduplicated; imported people are confirmed subscribers whose consent is
// recorded with opts.Source and opts.Wording. The extra columns of an
// [Store.Export] are honoured: lines whose state is not confirmed are
// skipped, and consent_source, consent_at, consent_wording and confirmed_at
// keep the original consent record when present.
func (s *Store) Import(ctx context.Context, r io.Reader, opts ImportOptions) (ImportReport, error) {
	var rep ImportReport
	if opts.Source == "" || opts.Wording == "" {
		return rep, errors.New("audience: import needs the source and wording of the consent")
	}
	if len(opts.Langs) == 0 {
		opts.Langs = []string{"fr"}
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return rep, fmt.Errorf("audience: import: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"channel", "address"} {
		if _, ok := col[need]; !ok {
			return rep, fmt.Errorf("audience: import: header lacks the %q column (have %v)", need, header)
		}
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	// Lines are inserted as they are read, in one transaction: a rejected
	// file rolls back entirely, and memory stays flat for big files.
	tx, err := s.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("audience: import: %w", err)
	}
	defer tx.Rollback()
	now := s.db.TimeArg(store.Timestamp(s.now()))
	var batch []importRow
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := s.insertImported(ctx, tx, batch, opts, now)
		if err != nil {
			return err
		}
		rep.Added += n
		batch = batch[:0]
		if opts.Progress != nil {
			opts.Progress(rep.Read)
		}
		return nil
	}
	seen := map[string]struct{}{}
	erased, err := s.tombstones(ctx, tx)
	if err != nil {
		return rep, err
	}
	line := 1
	for {
		rec, err := cr.Read()
		line++
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			rep.Problems = append(rep.Problems, ImportProblem{Line: line, Field: "csv", Reason: err.Error()})
			continue
		}
		rep.Read++
		if rep.Read > maxImportLines {
			return rep, fmt.Errorf("audience: import: more than %d lines", maxImportLines)
		}
		ch, addr, lang := strings.ToLower(field(rec, "channel")), unneutralize(field(rec, "address")), strings.ToLower(field(rec, "lang"))
		if st := strings.ToLower(field(rec, "state")); st != "" && st != Confirmed {
			rep.NotConfirmed++
			continue
		}
		if !utf8.ValidString(addr) {
			rep.Problems = append(rep.Problems, ImportProblem{Line: line, Field: "address", Reason: "not UTF-8"})
			continue
		}
		norm, reason := normalize(ch, addr)
		if reason != "" {
			rep.Problems = append(rep.Problems, ImportProblem{Line: line, Field: map[bool]string{true: "channel", false: "address"}[strings.HasPrefix(reason, "unknown channel")], Reason: reason})
			continue
		}
		if lang == "" {
			lang = opts.Langs[0]
		} else if !contains(opts.Langs, lang) {
			rep.Problems = append(rep.Problems, ImportProblem{Line: line, Field: "lang", Reason: fmt.Sprintf("%q is not one of %v", lang, opts.Langs)})
			continue
		}
		// Mailboxes are case-insensitive in practice: one person, one message.
		key := ch + "\x00" + strings.ToLower(norm)
		if _, dup := seen[key]; dup {
			rep.Duplicates++
			continue
		}
		seen[key] = struct{}{}
		if _, gone := erased[tombstone(ch, norm)]; gone {
			rep.Erased++
			continue
		}
		var comps []string
		for _, c := range strings.Split(field(rec, "components"), "|") {
			if c = strings.TrimSpace(c); c != "" {
				comps = append(comps, c)
			}
		}
		row := importRow{line: line, channel: ch, address: norm, lang: lang, source: opts.Source, wording: opts.Wording, consentAt: now, confirmedAt: now,
			contact: strings.TrimSpace(unneutralize(field(rec, "contact")))}
		if len(row.contact) > 200 {
			rep.Problems = append(rep.Problems, ImportProblem{Line: line, Field: "contact", Reason: "longer than 200 characters"})
			continue
		}
		if p := s.exportedConsent(rec, field, line, &row); p != nil {
			rep.Problems = append(rep.Problems, *p)
			continue
		}
		if len(rep.Problems) > 0 && !opts.SkipInvalid {
			continue // the file will be rejected: only collect the report
		}
		cj, _ := json.Marshal(nonNil(comps))
		row.comps = string(cj)
		batch = append(batch, row)
		if len(batch) == importBatch {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if len(rep.Problems) > 0 && !opts.SkipInvalid {
		return rep, fmt.Errorf("audience: import rejected: %d invalid line(s), nothing imported (first: %s); fix them or use --skip-invalid", len(rep.Problems), rep.Problems[0])
	}
	if err := flush(); err != nil {
		return rep, err
	}
	if err := tx.Commit(); err != nil {
		return rep, fmt.Errorf("audience: import: commit: %w", err)
	}
	return rep, nil
}

const importBatch = 400

type importRow struct {
	line                                           int
	channel, address, lang, comps, source, wording string
	// contact groups one person's addresses on several channels (the
	// plan's channel order tries them in turn).
	contact                string
	consentAt, confirmedAt any
}

// insertImported inserts one batch of imported lines.
func (s *Store) insertImported(ctx context.Context, tx *sql.Tx, part []importRow, opts ImportOptions, now any) (int, error) {
	var b strings.Builder
	b.WriteString(`INSERT INTO subscribers (channel, address, lang, components, state, consent_source, consent_at, consent_wording, confirmed_at, contact, created_at, updated_at) VALUES `)
	args := make([]any, 0, len(part)*11)
	for j, x := range part {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, 'confirmed', ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, x.channel, x.address, x.lang, x.comps, x.source, x.consentAt, x.wording, x.confirmedAt, x.contact, now, now)
	}
	// An address that unsubscribed is never resubscribed by an import.
	b.WriteString(` ON CONFLICT (channel, address) DO UPDATE SET lang = excluded.lang, components = excluded.components, contact = excluded.contact, updated_at = excluded.updated_at WHERE subscribers.state <> 'unsubscribed'`)
	res, err := tx.ExecContext(ctx, s.db.Rebind(b.String()), args...)
	if err != nil {
		return 0, fmt.Errorf("audience: import lines %d–%d: %w", part[0].line, part[len(part)-1].line, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// normalize checks and normalises an address for a channel; the reason is
// empty when it is valid.
func normalize(channel, addr string) (string, string) {
	switch channel {
	case "email":
		n, err := NormalizeEmail(addr)
		if err != nil {
			return "", "not an e-mail address"
		}
		return n, ""
	case "sms":
		n, err := NormalizePhone(addr, "FR")
		if err != nil {
			return "", err.Error()
		}
		return n, ""
	case "webhook":
		n, err := NormalizeWebhookURL(addr)
		if err != nil {
			return "", "not an http(s) URL"
		}
		return n, ""
	case "telegram":
		if addr == "" || strings.ContainsAny(addr, " \t") {
			return "", "not a Telegram chat id"
		}
		return addr, ""
	case "push":
		// A browser's PushSubscription JSON, as an export writes it.
		sub, err := webpush.ParseSubscription(addr)
		if err != nil {
			return "", strings.TrimPrefix(err.Error(), "webpush: ")
		}
		return sub.JSON(), ""
	}
	return "", fmt.Sprintf("unknown channel %q (email, sms, webhook, telegram, push)", channel)
}

// NormalizePhone turns a phone number into E.164 (+33612345678) with
// libphonenumber's metadata: national numbers take the region of
// defaultRegion ("FR"), and numbers that cannot exist are refused.
func NormalizePhone(s, defaultRegion string) (string, error) {
	n, err := phonenumbers.Parse(strings.TrimSpace(s), defaultRegion)
	if err != nil {
		return "", fmt.Errorf("phone number %q: %v", s, err)
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", fmt.Errorf("phone number %q is not a valid number", s)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
