package audience

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

// ExportHeader is the header row of an export: the columns Import reads,
// then the state and the consent record.
var ExportHeader = []string{"channel", "address", "lang", "components", "state", "consent_source", "consent_at", "consent_wording", "confirmed_at", "contact"}

// exportBatch is how many rows one query of an export reads. Each batch is
// read completely before it is written, so a slow reader never holds a
// database connection (SQLite has only one) and memory stays flat.
const exportBatch = 500

// Export writes the subscribers matching f (its cursors are ignored) as
// CSV to w, in id order, and returns how many rows it wrote. Erased people
// are not stored, so they never appear. Times are RFC 3339 in UTC.
func (s *Store) Export(ctx context.Context, w io.Writer, f Filter) (int, error) {
	f.After, f.Before = 0, 0
	if err := f.Validate(); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportHeader); err != nil {
		return 0, fmt.Errorf("audience: export: %w", err)
	}
	n := 0
	rec := make([]string, len(ExportHeader))
	for {
		page, err := s.Search(ctx, f, exportBatch)
		if err != nil {
			return n, fmt.Errorf("audience: export: %w", err)
		}
		for _, sub := range page.Subscribers {
			confirmed := ""
			if sub.ConfirmedAt != nil {
				confirmed = sub.ConfirmedAt.UTC().Format(time.RFC3339)
			}
			rec[0], rec[1], rec[2], rec[3] = sub.Channel, neutralize(sub.Address), sub.Lang, strings.Join(sub.Components, "|")
			rec[4], rec[5], rec[6], rec[7], rec[8] = sub.State, neutralize(sub.ConsentSource), sub.ConsentAt.UTC().Format(time.RFC3339), neutralize(sub.ConsentWording), confirmed
			rec[9] = neutralize(sub.Contact)
			if err := cw.Write(rec); err != nil {
				return n, fmt.Errorf("audience: export: %w", err)
			}
			n++
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, fmt.Errorf("audience: export: %w", err)
		}
		if page.Next == 0 {
			return n, nil
		}
		f.After = page.Next
	}
}

// neutralize keeps a spreadsheet from running a cell as a formula: a value
// that starts with =, @, a tab or a carriage return, or with + or - and is
// not a plain number (phone numbers, Telegram group ids), gets a leading
// apostrophe. A value already starting with an apostrophe gets one more, so
// that [unneutralize] restores every value exactly.
func neutralize(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '@', '\t', '\r', '\'':
		return "'" + v
	case '+', '-':
		if strings.Trim(v[1:], "0123456789") != "" || len(v) == 1 {
			return "'" + v
		}
	}
	return v
}

// unneutralize undoes [neutralize] on an imported value.
func unneutralize(v string) string {
	return strings.TrimPrefix(v, "'")
}

// EraseID erases subscriber id like [Store.Erase] (the row goes, the
// delivery ledger forgets the address, a tombstone stays), audited as
// actor, and returns what was erased. It works for every channel,
// including browser push subscriptions.
func (s *Store) EraseID(ctx context.Context, actor string, id int64) (Subscriber, error) {
	sub, err := s.Get(ctx, id)
	if err != nil {
		return Subscriber{}, fmt.Errorf("audience: erase %d: %w", id, err)
	}
	if _, err := s.erase(ctx, actor, sub.Channel, sub.Address); err != nil {
		return Subscriber{}, err
	}
	return sub, nil
}

// AuditExport records in the audit log that actor exported the
// subscribers matching f (the filter, never an address).
func (s *Store) AuditExport(ctx context.Context, actor string, f Filter) error {
	detail := map[string]any{"channel": f.Channel, "state": f.State, "component": f.Component, "lang": f.Lang, "query": f.Query != ""}
	return s.db.Audit(ctx, nil, actor, "audience.export", "subscribers", detail)
}

// exportedConsent reads the consent columns of an exported line into row,
// when the file has them; it returns the problem of an invalid time.
func (s *Store) exportedConsent(rec []string, field func([]string, string) string, line int, row *importRow) *ImportProblem {
	if v := unneutralize(field(rec, "consent_source")); v != "" {
		row.source = v
	}
	if v := unneutralize(field(rec, "consent_wording")); v != "" {
		row.wording = v
	}
	for _, c := range []struct {
		name string
		dst  *any
	}{{"consent_at", &row.consentAt}, {"confirmed_at", &row.confirmedAt}} {
		v := field(rec, c.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return &ImportProblem{Line: line, Field: c.name, Reason: "not an RFC 3339 time (2026-03-01T09:30:00Z)"}
		}
		*c.dst = s.db.TimeArg(t)
	}
	return nil
}
