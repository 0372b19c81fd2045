package probe

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// StatusFeed defaults.
const (
	DefaultFeedWindow  = 6 * time.Hour
	DefaultFeedKeyword = "whatsapp"
	maxFeedBody        = 2 << 20
)

// DefaultResolvedWords mark a feed item as a closed incident.
func DefaultResolvedWords() []string {
	return []string{"resolved", "restored", "completed", "recovered"}
}

// StatusFeed reads an RSS or Atom status feed and fails when a recent item
// mentions Keyword and is not marked resolved. A weak signal: status pages
// lag and summarise, so the evaluator only uses it to corroborate.
type StatusFeed struct {
	Spec
	URL string
	// Window is how old an item may be and still count; default 6h.
	Window        time.Duration
	Keyword       string
	ResolvedWords []string
	Client        *http.Client
	Clock         Clock
}

var _ Probe = (*StatusFeed)(nil)

// Name returns the probe name.
func (p *StatusFeed) Name() string { return p.Spec.Name }

type feedItem struct {
	Title       string `xml:"title"`
	Description string `xml:"description"`
	Summary     string `xml:"summary"`
	Content     string `xml:"content"`
	PubDate     string `xml:"pubDate"`
	Updated     string `xml:"updated"`
	Published   string `xml:"published"`
}

// feedDoc accepts both <rss><channel><item> and <feed><entry>.
type feedDoc struct {
	Items   []feedItem `xml:"channel>item"`
	Entries []feedItem `xml:"entry"`
}

// Run fetches and scans the feed once.
func (p *StatusFeed) Run(ctx context.Context) Result {
	clk := clockOr(p.Clock)
	res := p.result(FamilyStatusFeed, p.URL, clk.Now())
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	client := p.Client
	if client == nil {
		client = newHTTPClient(nil, p.timeout())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return finish(res, clk, ClassConfig, fmt.Sprintf("status feed url: %v", err))
	}
	resp, err := client.Do(req)
	if err != nil {
		return finish(res, clk, classifyErr(err), fmt.Sprintf("GET %s: %v", p.URL, err))
	}
	defer func() { _ = resp.Body.Close() }()
	if c := classifyStatus(resp.StatusCode); c != ClassNone {
		return finish(res, clk, c, fmt.Sprintf("GET %s: HTTP %d", p.URL, resp.StatusCode))
	}
	var doc feedDoc
	if err := xml.NewDecoder(io.LimitReader(resp.Body, maxFeedBody)).Decode(&doc); err != nil {
		return finish(res, clk, ClassBadResponse, fmt.Sprintf("parse feed: %v", err))
	}
	if title, open := p.openIssue(append(doc.Items, doc.Entries...), clk.Now()); open {
		return finish(res, clk, ClassMetaOutage, "open issue: "+title)
	}
	return finish(res, clk, ClassNone, "no open issue mentioning "+p.keyword())
}

func (p *StatusFeed) keyword() string {
	return strings.ToLower(orDefault(p.Keyword, DefaultFeedKeyword))
}

// openIssue returns the title of the newest recent unresolved item.
func (p *StatusFeed) openIssue(items []feedItem, now time.Time) (string, bool) {
	window := p.Window
	if window <= 0 {
		window = DefaultFeedWindow
	}
	resolved := p.ResolvedWords
	if resolved == nil {
		resolved = DefaultResolvedWords()
	}
	for _, it := range items {
		at, ok := parseFeedTime(it.PubDate, it.Updated, it.Published)
		if !ok || now.Sub(at) > window || at.After(now.Add(time.Hour)) {
			continue
		}
		text := strings.ToLower(it.Title + " " + it.Description + " " + it.Summary + " " + it.Content)
		if !strings.Contains(text, p.keyword()) || containsAny(text, resolved) {
			continue
		}
		return strings.TrimSpace(it.Title), true
	}
	return "", false
}

func containsAny(text string, words []string) bool {
	for _, w := range words {
		if strings.Contains(text, strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// parseFeedTime reads the first parseable date among RSS and Atom fields.
func parseFeedTime(values ...string) (time.Time, bool) {
	layouts := []string{time.RFC1123Z, time.RFC1123, time.RFC3339, time.RFC822Z, time.RFC822,
		"Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST"}
	for _, v := range values {
		v = strings.TrimSpace(v)
		for _, l := range layouts {
			if t, err := time.Parse(l, v); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
