package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/vigie-hq/vigie/internal/account"
	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/incident"
)

// seesAddresses reports whether a role may read subscribers' addresses;
// the others see them masked, and cannot search by address (a search
// would tell them whether someone is subscribed).
func seesAddresses(r account.Role) bool {
	return r == account.RoleAdmin || r == account.RoleCommander || r == account.RoleCommunication
}

// audienceView is the audience page: counts, the search form and one page
// of subscribers.
type audienceView struct {
	*page
	Available  bool
	Full       bool
	Filter     audience.Filter
	Channels   []string
	States     []string
	Components []string
	Langs      []string
	Counts     []countRow
	Totals     countRow
	Rows       []subscriberRow
	PrevURL    string
	NextURL    string
	ExportURL  string
}

// countRow is one channel of the counts table.
type countRow struct {
	Channel string
	ByState []int
	Total   int
}

// subscriberRow is a subscriber as the visitor may see it.
type subscriberRow struct {
	audience.Subscriber
	Shown string // the address, masked for roles that may not read it
}

// SubscriptionState names a subscription state.
func (p *page) SubscriptionState(s string) string { return p.T(s) }

// FullDate formats t with its full date in the plan's time zone.
func (p *page) FullDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.loc).Format("2006-01-02 15:04 MST")
}

// audienceFilter reads the search form; only roles that see addresses may
// search by address.
func audienceFilter(r *http.Request, full bool) audience.Filter {
	q := r.URL.Query()
	f := audience.Filter{
		Channel:   q.Get("channel"),
		State:     q.Get("state"),
		Component: q.Get("component"),
		Lang:      q.Get("language"),
	}
	if full {
		f.Query = strings.TrimSpace(q.Get("q"))
	}
	f.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	return f
}

// query encodes f for a link, with one cursor.
func filterQuery(f audience.Filter, cursor string, id int64) string {
	v := url.Values{}
	for k, s := range map[string]string{"channel": f.Channel, "state": f.State, "component": f.Component, "language": f.Lang, "q": f.Query} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if cursor != "" {
		v.Set(cursor, strconv.FormatInt(id, 10))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func (c *Console) handleAudience(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	full := seesAddresses(v.User.Role)
	view := audienceView{page: c.newPage(w, r, v, "Audience", "audience"), Available: c.Audience != nil, Full: full,
		Channels: audience.Channels, States: audience.States}
	if !view.Available {
		view.Flash = flash{Kind: "error", Text: view.T("The audience is not available on this server.")}
		c.render(w, r, http.StatusOK, "audience.html", view)
		return
	}
	if p := view.Plan; p != nil {
		for _, comp := range p.Components {
			view.Components = append(view.Components, comp.ID)
		}
		view.Langs = p.Organisation.Languages
	}
	view.Filter = audienceFilter(r, full)
	counts, err := c.Audience.Counts(ctx)
	if err != nil {
		c.Logger.Error("count subscribers", "err", err)
		view.Flash = flash{Kind: "error", Text: view.T("The audience could not be read; the details are in the server log.")}
		c.render(w, r, http.StatusInternalServerError, "audience.html", view)
		return
	}
	view.Totals = countRow{ByState: make([]int, len(audience.States))}
	for _, ch := range audience.Channels {
		row := countRow{Channel: ch, ByState: make([]int, len(audience.States))}
		for i, st := range audience.States {
			row.ByState[i] = counts[ch][st]
			row.Total += counts[ch][st]
			view.Totals.ByState[i] += counts[ch][st]
		}
		view.Totals.Total += row.Total
		if row.Total > 0 {
			view.Counts = append(view.Counts, row)
		}
	}
	res, err := c.Audience.Search(ctx, view.Filter, audience.PageSize)
	if errors.Is(err, audience.ErrBadFilter) {
		view.Flash = flash{Kind: "error", Text: view.T("Check the form: %s.", strings.TrimPrefix(err.Error(), "audience: "))}
		c.render(w, r, http.StatusBadRequest, "audience.html", view)
		return
	}
	if err != nil {
		c.Logger.Error("search subscribers", "err", err)
		view.Flash = flash{Kind: "error", Text: view.T("The audience could not be read; the details are in the server log.")}
		c.render(w, r, http.StatusInternalServerError, "audience.html", view)
		return
	}
	for _, s := range res.Subscribers {
		view.Rows = append(view.Rows, subscriberRow{Subscriber: s, Shown: shownAddress(s, full)})
	}
	if res.Prev != 0 {
		view.PrevURL = "/admin/audience" + filterQuery(view.Filter, "before", res.Prev)
	}
	if res.Next != 0 {
		view.NextURL = "/admin/audience" + filterQuery(view.Filter, "after", res.Next)
	}
	view.ExportURL = "/admin/audience/export.csv" + filterQuery(view.Filter, "", 0)
	c.render(w, r, http.StatusOK, "audience.html", view)
}

// subscriberView is one subscriber with their consent record.
type subscriberView struct {
	*page
	Full    bool
	Confirm bool // the erasure confirmation step
	Sub     subscriberRow
}

func (c *Console) handleSubscriber(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	id, err := pathID(r, "id")
	if err != nil || c.Audience == nil {
		c.subscriberNotFound(w, r, v)
		return
	}
	sub, err := c.Audience.Get(ctx, id)
	if errors.Is(err, audience.ErrNotFound) {
		c.subscriberNotFound(w, r, v)
		return
	}
	if err != nil {
		c.fail(w, r, v, "/admin/audience", err)
		return
	}
	full := seesAddresses(v.User.Role)
	view := subscriberView{page: c.newPage(w, r, v, "Subscriber", "audience"), Full: full,
		Confirm: r.URL.Query().Get("erase") != "" && v.User.Role == account.RoleAdmin,
		Sub:     subscriberRow{Subscriber: sub, Shown: shownAddress(sub, full)}}
	c.render(w, r, http.StatusOK, "audience_subscriber.html", view)
}

// subscriberNotFound answers a page that does not exist (any more).
func (c *Console) subscriberNotFound(w http.ResponseWriter, r *http.Request, v *visitor) {
	p := c.newPage(w, r, v, "Not found", "audience")
	p.Flash = flash{Kind: "error", Text: p.T("This subscriber does not exist (any more): erased people leave no trace but a tombstone.")}
	c.render(w, r, http.StatusNotFound, "error.html", p)
}

// handleErase erases a subscriber (GDPR): admins only, after the
// confirmation step, through the audience store so a tombstone is kept.
func (c *Console) handleErase(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, cancel := requestContext(r)
	defer cancel()
	id, err := pathID(r, "id")
	if err != nil || c.Audience == nil {
		c.fail(w, r, v, "/admin/audience", &formError{tr(v.Lang, "unknown subscriber")})
		return
	}
	back := fmt.Sprintf("/admin/audience/%d", id)
	if v.User.Role != account.RoleAdmin {
		c.fail(w, r, v, back, &incident.Error{Code: incident.CodeForbidden, Message: tr(v.Lang, "only admins erase people")})
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		c.fail(w, r, v, back+"?erase=1", &formError{tr(v.Lang, "confirm the erasure first")})
		return
	}
	sub, err := c.Audience.EraseID(ctx, v.User.Username, id)
	if errors.Is(err, audience.ErrNotFound) {
		c.fail(w, r, v, "/admin/audience", &formError{tr(v.Lang, "this subscriber was already erased")})
		return
	}
	c.finish(w, r, v, "/admin/audience", err, tr(v.Lang, "Subscriber %d (%s) erased; a tombstone prevents any import from bringing them back.", id, channelName(v.Lang, sub.Channel)))
}

// handleAudienceExport streams the filtered subscribers as CSV (admins
// only); the export is audited before the first byte is sent.
func (c *Console) handleAudienceExport(w http.ResponseWriter, r *http.Request, v *visitor) {
	if v.User.Role != account.RoleAdmin || c.Audience == nil {
		p := c.newPage(w, r, v, "Not allowed", "audience")
		p.Flash = flash{Kind: "error", Text: p.T("Only admins download the audience.")}
		c.render(w, r, http.StatusForbidden, "error.html", p)
		return
	}
	ctx := r.Context()
	f := audienceFilter(r, true)
	if err := f.Validate(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := c.Audience.AuditExport(ctx, v.User.Username, f); err != nil {
		c.Logger.Error("audit audience export", "err", err)
		http.Error(w, "the export could not be recorded in the audit log", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="vigie-audience-%s.csv"`, c.Now().UTC().Format("2006-01-02")))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if n, err := c.Audience.Export(ctx, w, f); err != nil {
		// Headers are sent: the download ends short; the log says why.
		c.Logger.Error("audience export", "rows", n, "err", err)
	}
}

// channelName names a channel in lang.
func channelName(lang, ch string) string {
	if l, ok := channelLabels[ch]; ok {
		return tr(lang, l)
	}
	return ch
}

// shownAddress is the address as a role may see it.
func shownAddress(s audience.Subscriber, full bool) string {
	if full {
		return s.Address
	}
	return maskAddress(s.Channel, s.Address)
}

// maskAddress hides most of an address, keeping enough to tell two people
// apart on a call: s***@example.org, +33 6** ** ** 34.
func maskAddress(channel, addr string) string {
	switch channel {
	case "email":
		local, domain, ok := strings.Cut(addr, "@")
		if !ok || local == "" {
			return "***"
		}
		r := []rune(local)
		return string(r[0]) + "***@" + domain
	case "sms":
		n, err := phonenumbers.Parse(addr, "FR")
		if err != nil {
			return maskMiddle(addr)
		}
		nsn := phonenumbers.GetNationalSignificantNumber(n)
		if len(nsn) < 5 {
			return fmt.Sprintf("+%d %s", n.GetCountryCode(), strings.Repeat("*", len(nsn)))
		}
		masked := nsn[:1] + strings.Repeat("*", len(nsn)-3) + nsn[len(nsn)-2:]
		// Groups of two from the end, as French numbers are written.
		var groups []string
		for len(masked) > 3 {
			groups = append([]string{masked[len(masked)-2:]}, groups...)
			masked = masked[:len(masked)-2]
		}
		groups = append([]string{masked}, groups...)
		return fmt.Sprintf("+%d %s", n.GetCountryCode(), strings.Join(groups, " "))
	case "webhook", "push":
		if u, err := url.Parse(addr); err == nil && u.Host != "" {
			return u.Scheme + "://" + u.Host + "/***"
		}
	}
	return maskMiddle(addr)
}

// maskMiddle keeps the first and last two characters.
func maskMiddle(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return "***"
	}
	return string(r[:1]) + "***" + string(r[len(r)-2:])
}
