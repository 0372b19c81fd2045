package probe_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/detect/probe"
	"github.com/vigie-hq/vigie/internal/detect/probe/probetest"
)

func rss(items string) string {
	return `<?xml version="1.0"?><rss version="2.0"><channel><title>Meta Status</title>` + items + `</channel></rss>`
}

func rssItem(title, desc string, at time.Time) string {
	return `<item><title>` + title + `</title><description>` + desc + `</description><pubDate>` +
		at.Format(time.RFC1123Z) + `</pubDate></item>`
}

func TestStatusFeed(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		status    int
		body      string
		wantClass probe.Class
		wantIn    string
	}{
		{name: "open whatsapp issue", body: rss(rssItem("WhatsApp Business API: degraded performance", "Investigating", now.Add(-30*time.Minute))),
			wantClass: probe.ClassMetaOutage, wantIn: "degraded performance"},
		{name: "resolved", body: rss(rssItem("WhatsApp Business API", "This incident has been resolved", now.Add(-30*time.Minute)))},
		{name: "too old", body: rss(rssItem("WhatsApp outage", "Investigating", now.Add(-7*time.Hour)))},
		{name: "other product", body: rss(rssItem("Instagram Graph API errors", "Investigating", now.Add(-time.Hour)))},
		{name: "atom open issue", body: `<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Messaging delays</title><summary>WhatsApp messages delayed</summary><updated>` +
			now.Add(-time.Hour).Format(time.RFC3339) + `</updated></entry></feed>`, wantClass: probe.ClassMetaOutage, wantIn: "Messaging delays"},
		{name: "not xml", body: "<html", wantClass: probe.ClassBadResponse},
		{name: "feed down", status: http.StatusBadGateway, wantClass: probe.ClassHTTP5xx},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tt.status != 0 {
					w.WriteHeader(tt.status)
				}
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			p := &probe.StatusFeed{Spec: probe.Spec{Name: "metastatus", Dependency: "whatsapp"}, URL: srv.URL,
				Client: srv.Client(), Clock: probetest.NewClock(now)}
			got := p.Run(ctx(t))
			check(t, got, tt.wantClass == probe.ClassNone, tt.wantClass)
			if tt.wantIn != "" {
				mustContain(t, got.Detail, tt.wantIn)
			}
		})
	}
}
