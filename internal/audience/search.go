package audience

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vigie-hq/vigie/internal/store"
)

// Channels are the channels a subscriber can be on, in display order.
var Channels = []string{"email", "sms", "webhook", "telegram", "push"}

// States are the subscription states, in lifecycle order.
var States = []string{Pending, Confirmed, Unsubscribed}

// PageSize is the number of subscribers a console page shows.
const PageSize = 50

// maxPage bounds one Search call, whatever the caller asks for.
const maxPage = 1000

// Filter selects subscribers; empty fields match everything.
type Filter struct {
	Channel   string
	State     string
	Component string
	Lang      string
	// Query matches part of the address, case-insensitively. A query that
	// looks like a phone number ("06 12 34") is compared without its
	// separators and with a national 0 turned into +33.
	Query string
	// After and Before are keyset cursors: only ids greater than After, or
	// the last ids smaller than Before (for "previous page").
	After, Before int64
}

// ErrBadFilter is returned for a filter value that can match nothing
// (an unknown channel or state, an overlong query).
var ErrBadFilter = errors.New("audience: invalid filter")

// Validate checks the filter's values.
func (f Filter) Validate() error {
	switch {
	case f.Channel != "" && !contains(Channels, f.Channel):
		return fmt.Errorf("%w: unknown channel %q", ErrBadFilter, f.Channel)
	case f.State != "" && !contains(States, f.State):
		return fmt.Errorf("%w: unknown state %q (pending, confirmed, unsubscribed)", ErrBadFilter, f.State)
	case len(f.Query) > 200 || len(f.Component) > 200 || len(f.Lang) > 20:
		return fmt.Errorf("%w: value too long", ErrBadFilter)
	case f.After < 0 || f.Before < 0:
		return fmt.Errorf("%w: negative cursor", ErrBadFilter)
	}
	return nil
}

// Page is one page of search results, in id order.
type Page struct {
	Subscribers []Subscriber
	// Prev and Next are the cursors of the neighbouring pages: pass Prev as
	// Filter.Before and Next as Filter.After; 0 means there is none.
	Prev, Next int64
}

// likeEscape escapes the LIKE wildcards of s (the escape character is \).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// phoneQuery turns a phone-looking query into the E.164 form addresses are
// stored in, as far as it goes: "06 12" becomes "+33612".
func phoneQuery(q string) string {
	digits := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' || r == '+':
		default:
			return q
		}
	}
	if digits < 2 {
		return q
	}
	q = strings.Map(func(r rune) rune {
		if r == '+' || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, q)
	switch {
	case strings.HasPrefix(q, "00"):
		return "+" + q[2:]
	case strings.HasPrefix(q, "0"):
		return "+33" + q[1:] // the region normalize assumes for national numbers
	}
	return q
}

// where returns the SQL conditions of f (without cursors) and their args.
func (f Filter) where() (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	if f.Channel != "" {
		conds, args = append(conds, "channel = ?"), append(args, f.Channel)
	}
	if f.State != "" {
		conds, args = append(conds, "state = ?"), append(args, f.State)
	}
	if f.Lang != "" {
		conds, args = append(conds, "lang = ?"), append(args, f.Lang)
	}
	if f.Component != "" {
		// components is a JSON array of ids: match the quoted id.
		js, _ := json.Marshal(f.Component)
		conds, args = append(conds, `components LIKE ? ESCAPE '\'`), append(args, "%"+likeEscape(string(js))+"%")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds, args = append(conds, `LOWER(address) LIKE ? ESCAPE '\'`), append(args, "%"+likeEscape(strings.ToLower(phoneQuery(q)))+"%")
	}
	return strings.Join(conds, " AND "), args
}

const subscriberColumns = `id, channel, address, lang, components, state, consent_source, consent_at, consent_client, consent_wording, confirmed_at, created_at, contact`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanSubscriber(rows scanner) (Subscriber, error) {
	var (
		sub       Subscriber
		comps     string
		confirmed store.NullTime
	)
	err := rows.Scan(&sub.ID, &sub.Channel, &sub.Address, &sub.Lang, &comps, &sub.State, &sub.ConsentSource, store.ScanTime(&sub.ConsentAt),
		&sub.ConsentClient, &sub.ConsentWording, confirmed.Scanner(), store.ScanTime(&sub.CreatedAt), &sub.Contact)
	if err != nil {
		return Subscriber{}, err
	}
	_ = json.Unmarshal([]byte(comps), &sub.Components)
	sub.ConfirmedAt = confirmed.Ptr()
	return sub, nil
}

// Search returns up to limit subscribers matching f (limit is clamped to
// 1–1000; 0 means PageSize), in id order, with the cursors of the pages
// around. Erased people are not stored, so they never appear.
func (s *Store) Search(ctx context.Context, f Filter, limit int) (Page, error) {
	if err := f.Validate(); err != nil {
		return Page{}, err
	}
	if limit <= 0 {
		limit = PageSize
	}
	limit = min(limit, maxPage)
	where, args := f.where()
	order := "ASC"
	switch {
	case f.Before > 0:
		where, args, order = where+" AND id < ?", append(args, f.Before), "DESC"
	case f.After > 0:
		where, args = where+" AND id > ?", append(args, f.After)
	}
	q := fmt.Sprintf(`SELECT %s FROM subscribers WHERE %s ORDER BY id %s LIMIT %d`, subscriberColumns, where, order, limit+1)
	rows, err := s.db.SQL().QueryContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return Page{}, fmt.Errorf("audience: search: %w", err)
	}
	defer rows.Close()
	var out Page
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return Page{}, fmt.Errorf("audience: search: %w", err)
		}
		out.Subscribers = append(out.Subscribers, sub)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("audience: search: %w", err)
	}
	more := len(out.Subscribers) > limit
	if more {
		out.Subscribers = out.Subscribers[:limit]
	}
	subs := out.Subscribers
	if order == "DESC" {
		for i, j := 0, len(subs)-1; i < j; i, j = i+1, j-1 {
			subs[i], subs[j] = subs[j], subs[i]
		}
	}
	if len(subs) == 0 {
		if f.Before > 0 {
			out.Next = f.Before - 1 // back to the first page after the cursor
		}
		return out, nil
	}
	first, last := subs[0].ID, subs[len(subs)-1].ID
	switch {
	case f.Before > 0:
		out.Next = last
		if more {
			out.Prev = first
		}
	default:
		if more {
			out.Next = last
		}
		if f.After > 0 {
			out.Prev = first
		}
	}
	return out, nil
}

// Counts returns the number of subscribers per channel and state.
func (s *Store) Counts(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := s.db.SQL().QueryContext(ctx, `SELECT channel, state, COUNT(*) FROM subscribers GROUP BY channel, state`)
	if err != nil {
		return nil, fmt.Errorf("audience: counts: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var (
			ch, state string
			n         int
		)
		if err := rows.Scan(&ch, &state, &n); err != nil {
			return nil, fmt.Errorf("audience: counts: %w", err)
		}
		if out[ch] == nil {
			out[ch] = map[string]int{}
		}
		out[ch][state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audience: counts: %w", err)
	}
	return out, nil
}
