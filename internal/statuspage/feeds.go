package statuspage

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/vigie-hq/vigie/internal/incident"
)

type rss struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Description string    `xml:"description"`
	Language    string    `xml:"language"`
	PubDate     string    `xml:"pubDate"`
	Items       []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	GUID        string `xml:"guid"`
	PubDate     string `xml:"pubDate"`
	Description string `xml:"description"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomEntry struct {
	ID        string   `xml:"id"`
	Title     string   `xml:"title"`
	Published string   `xml:"published"`
	Updated   string   `xml:"updated"`
	Link      atomLink `xml:"link"`
	Content   atomText `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// feedIncidents returns active then past incidents, newest first.
func (m *model) feedIncidents() []incidentView {
	out := append([]incidentView{}, m.Active...)
	return append(out, m.Past...)
}

func (m *model) incidentBody(v incidentView, lang string) string {
	def := m.Plan.Organisation.DefaultLanguage
	var b strings.Builder
	for _, u := range v.Updates {
		fmt.Fprintf(&b, "%s — %s\n", u.At.In(m.loc).Format("2006-01-02 15:04"), u.Text.Get(lang, def))
	}
	return strings.TrimSpace(b.String())
}

// rssFeed renders /history.rss in lang.
func (m *model) rssFeed(lang, baseURL string) ([]byte, error) {
	def := m.Plan.Organisation.DefaultLanguage
	title := m.Plan.Organisation.Name + map[bool]string{true: " — historique des incidents", false: " — incident history"}[lang == "fr"]
	f := rss{Version: "2.0", Channel: rssChannel{Title: title, Link: baseURL + "/", Description: title, Language: lang, PubDate: m.Built.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0700")}}
	for _, v := range m.feedIncidents() {
		link := fmt.Sprintf("%s/%s/#incident-%d", baseURL, lang, v.inc.ID)
		when := v.Started
		if len(v.Updates) > 0 {
			when = v.Updates[0].At
		}
		f.Channel.Items = append(f.Channel.Items, rssItem{Title: v.Title.Get(lang, def), Link: link, GUID: fmt.Sprintf("%s/incidents/%d", baseURL, v.inc.ID),
			PubDate: when.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0700"), Description: m.incidentBody(v, lang)})
	}
	return marshalXML(f)
}

// atom renders /history.atom in lang.
func (m *model) atom(lang, baseURL string) ([]byte, error) {
	def := m.Plan.Organisation.DefaultLanguage
	f := atomFeed{Lang: lang, ID: baseURL + "/history.atom", Title: m.Plan.Organisation.Name, Updated: ts(m.Built),
		Link: []atomLink{{Href: baseURL + "/", Rel: "alternate", Type: "text/html"}, {Href: baseURL + "/history.atom", Rel: "self"}}}
	for _, v := range m.feedIncidents() {
		when := v.Started
		if len(v.Updates) > 0 {
			when = v.Updates[0].At
		}
		f.Entries = append(f.Entries, atomEntry{ID: fmt.Sprintf("%s/incidents/%d", baseURL, v.inc.ID), Title: v.Title.Get(lang, def), Published: ts(v.Started), Updated: ts(when),
			Link: atomLink{Href: fmt.Sprintf("%s/%s/#incident-%d", baseURL, lang, v.inc.ID), Rel: "alternate"}, Content: atomText{Type: "text", Body: m.incidentBody(v, lang)}})
	}
	return marshalXML(f)
}

func marshalXML(v any) ([]byte, error) {
	b, err := xml.MarshalIndent(v, "", " ")
	if err != nil {
		return nil, fmt.Errorf("statuspage: feed: %w", err)
	}
	return append([]byte(xml.Header), b...), nil
}

// badge renders an SVG status badge.
func (m *model) badge(lang string) []byte {
	label := map[bool]string{true: "état", false: "status"}[lang == "fr"]
	text, colour := "OK", "#1a7f37"
	switch m.Worst {
	case incident.Degraded, incident.UnderMaintenance:
		text, colour = map[bool]string{true: "dégradé", false: "degraded"}[lang == "fr"], "#9a6700"
	case incident.PartialOutage:
		text, colour = map[bool]string{true: "panne partielle", false: "partial outage"}[lang == "fr"], "#bc4c00"
	case incident.MajorOutage:
		text, colour = map[bool]string{true: "panne", false: "outage"}[lang == "fr"], "#cf222e"
	}
	lw, rw := 7*len([]rune(label))+12, 7*len([]rune(text))+12
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s: %s">`, lw+rw, label, text)
	fmt.Fprintf(&b, `<title>%s: %s</title><rect width="%d" height="20" fill="#555"/><rect x="%d" width="%d" height="20" fill="%s"/>`, label, text, lw, lw, rw, colour)
	fmt.Fprintf(&b, `<g fill="#fff" font-family="Verdana,sans-serif" font-size="11"><text x="6" y="14">%s</text><text x="%d" y="14">%s</text></g></svg>`, label, lw+6, text)
	return []byte(b.String())
}
