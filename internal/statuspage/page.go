package statuspage

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
)

//go:embed templates/*.html assets/*
var files embed.FS

var pageTemplate = template.Must(template.New("").ParseFS(files, "templates/*.html"))

// words are the page's fixed texts per language.
var words = map[string]map[string]string{
	"fr": {
		"title": "État du service", "services": "État des services", "dependencies": "Plateformes dont nous dépendons",
		"meanwhile": "En attendant, vous pouvez", "active": "Incident en cours", "next": "Prochaine mise à jour avant",
		"history": "Historique (90 jours)", "past": "Incidents passés", "faq": "Questions fréquentes", "uptime": "disponibilité",
		"report": "J'ai un problème avec", "reportbtn": "Signaler", "reports": "signalements ces 30 dernières minutes",
		"category": "Ce qui ne marche pas", "cat-send": "Je ne peux pas envoyer", "cat-receive": "Je ne reçois rien", "cat-connect": "Connexion impossible", "cat-calls": "Appels",
		"subscribe": "Être prévenu", "updated": "Mis à jour à", "stale": "Informations peut-être anciennes : dernière mise à jour à",
		"postmortem": "Analyse publiée", "started": "Début", "resolved": "Résolu", "none": "Aucun incident ces 90 derniers jours.",
		"language": "English", "sub-email": "Votre e-mail", "sub-phone": "Ou votre numéro de mobile (alertes par SMS)", "sub-by-email": "Par e-mail", "sub-by-sms": "Par SMS", "sub-telegram": "Suivez aussi notre chaîne Telegram", "sub-push": "Recevoir les alertes dans ce navigateur", "sub-push-on": "Alertes activées dans ce navigateur.", "sub-consent": "J'accepte de recevoir les alertes de ce service par le moyen choisi. Un message de confirmation est envoyé d'abord ; désabonnement en un clic dans chaque message.", "sub-by-webhook": "Par webhook (pour vos outils)", "sub-webhook": "Ou l'URL de votre webhook (https://…)", "sub-button": "M'abonner", "sub-comps": "Services qui vous intéressent (aucun coché = tous)", "sub-done": "Presque fini : ouvrez le message de confirmation que nous venons d'envoyer.", "feeds": "Flux RSS", "api": "API JSON", "filter": "Filtrer les questions", "live": "Mises à jour en direct",
		"nojs": "Cette page se rafraîchit toute seule chaque minute.", "faq-count": "réponses à vos questions :", "faq-open": "lire les questions fréquentes", "faq-back": "Retour à l'état du service", "maint": "Maintenance", "maint-past": "Maintenances passées", "maint-from": "du", "maint-until": "au", "maint-comps": "Services concernés", "today": "aujourd'hui", "ago": "il y a 90 jours", "baddays": "jours perturbés",
	},
	"en": {
		"title": "Service status", "services": "Service status", "dependencies": "Platforms we depend on",
		"meanwhile": "Meanwhile, you can", "active": "Ongoing incident", "next": "Next update by",
		"history": "History (90 days)", "past": "Past incidents", "faq": "Frequently asked questions", "uptime": "uptime",
		"report": "I have a problem with", "reportbtn": "Report", "reports": "reports in the last 30 minutes",
		"category": "What does not work", "cat-send": "I cannot send", "cat-receive": "I receive nothing", "cat-connect": "Cannot connect", "cat-calls": "Calls",
		"subscribe": "Get notified", "updated": "Updated at", "stale": "Information may be out of date: last updated at",
		"postmortem": "Postmortem published", "started": "Started", "resolved": "Resolved", "none": "No incident in the last 90 days.",
		"language": "Français", "sub-email": "Your e-mail", "sub-phone": "Or your mobile number (text alerts)", "sub-by-email": "By e-mail", "sub-by-sms": "By text message", "sub-telegram": "Also follow our Telegram channel", "sub-push": "Get alerts in this browser", "sub-push-on": "Alerts are on in this browser.", "sub-consent": "I agree to receive this service's alerts by the means I chose. A confirmation message is sent first; one-click unsubscribe in every message.", "sub-by-webhook": "By webhook (for your tools)", "sub-webhook": "Or your webhook URL (https://…)", "sub-button": "Subscribe", "sub-comps": "Services you care about (none ticked = all)", "sub-done": "Almost done: open the confirmation message we just sent.", "feeds": "RSS feed", "api": "JSON API", "filter": "Filter questions", "live": "Live updates",
		"nojs": "This page refreshes itself every minute.", "faq-count": "answers to your questions:", "faq-open": "read the frequently asked questions", "faq-back": "Back to the service status", "maint": "Maintenance", "maint-past": "Past maintenance", "maint-from": "from", "maint-until": "to", "maint-comps": "Affected services", "today": "today", "ago": "90 days ago", "baddays": "disturbed days",
	},
}

type pageData struct {
	Lang, Other string
	W           map[string]string
	Org         plan.Organisation
	Worst       string
	Banner      string
	Built       string
	Components  []pageComponent
	Deps        []pageDep
	Active      []pageIncident
	Past        []pageIncident
	Maint       []pageMaint
	PastMaint   []pageMaint
	Continuity  []pageContinuity
	FAQ         []faqItem
	Reports     []pageReport
	// CSSVersion is a digest of the stylesheet, so its URL changes with it
	// and browsers and CDNs may keep it for a long time.
	CSSVersion string
	Stale      bool
	Subscribe  bool
	Email      bool
	SMS        bool
	Webhook    bool
	// Choice says the form offers more than one channel.
	Choice  bool
	PushKey string
	// Telegram is the link to the shop's Telegram channel, if it has one.
	Telegram template.URL
	AllComps []pageComponent
}

type pageComponent struct {
	ID, Name, Desc, Status, StatusText, Uptime string
	// Runs are the disturbed stretches of the 90-day bar; operational days
	// are the bar's background, so a calm history costs no markup.
	Runs    []pageRun
	BadDays int
}

// pageRun is consecutive days with the same non-operational status.
type pageRun struct {
	Class, Label string
	Left, Width  template.CSS
}

type pageDep struct{ ID, Name, Status, StatusText string }

type pageIncident struct {
	ID                                  int64
	Title, State, Impact, Started, Next string
	Resolved                            string
	Updates                             []pageUpdate
	HasPostmortem                       bool
}

type pageUpdate struct{ At, Phase, Text string }

type pageContinuity struct {
	Label, Value, Instructions string
	Href                       template.URL
}

type pageReport struct {
	Dependency, Name string
	Count            int
}

type faqItem struct {
	ID, Question, Answer string
	Tags                 []string
}

func (m *model) clock(t time.Time) string { return t.In(m.loc).Format("15:04") }

func (m *model) stamp(t time.Time, lang string) string {
	if lang == "fr" {
		return t.In(m.loc).Format("02/01/2006 15:04")
	}
	return t.In(m.loc).Format("2 Jan 2006 15:04")
}

var stateWords = map[string]map[incident.State]string{
	"fr": {incident.Investigating: "Enquête en cours", incident.Identified: "Cause identifiée", incident.Monitoring: "Sous surveillance", incident.Resolved: "Résolu", incident.Closed: "Résolu"},
	"en": {incident.Investigating: "Investigating", incident.Identified: "Identified", incident.Monitoring: "Monitoring", incident.Resolved: "Resolved", incident.Closed: "Resolved"},
}

var phaseWords = map[string]map[string]string{
	"fr": {"acknowledge": "Panne confirmée", "update": "Mise à jour", "resolved": "Résolu", "postmortem": "Analyse", "thanks": "Merci"},
	"en": {"acknowledge": "Outage confirmed", "update": "Update", "resolved": "Resolved", "postmortem": "Postmortem", "thanks": "Thank you"},
}

func (m *model) pageIncident(v incidentView, lang string) pageIncident {
	def := m.Plan.Organisation.DefaultLanguage
	w := stateWords[lang]
	if w == nil {
		w = stateWords["en"]
	}
	pw := phaseWords[lang]
	if pw == nil {
		pw = phaseWords["en"]
	}
	pi := pageIncident{ID: v.inc.ID, Title: v.Title.Get(lang, def), State: w[v.State], Impact: v.Impact, Started: m.stamp(v.Started, lang), HasPostmortem: v.Postmortem != nil}
	if v.NextUpdate != nil && v.State != incident.Resolved && v.State != incident.Closed {
		pi.Next = m.clock(*v.NextUpdate)
	}
	if v.Resolved != nil {
		pi.Resolved = m.stamp(*v.Resolved, lang)
	}
	for _, u := range v.Updates {
		pi.Updates = append(pi.Updates, pageUpdate{At: m.stamp(u.At, lang), Phase: pw[u.Phase], Text: u.Text.Get(lang, def)})
	}
	return pi
}

// continuityHref links a continuity option: sms:, tel: and mailto: built
// from the value, http(s) URLs as they are; anything else is not linked.
func continuityHref(kind, value string) template.URL {
	switch kind {
	case "sms":
		return template.URL("sms:" + digitsPlus(value))
	case "phone":
		return template.URL("tel:" + digitsPlus(value))
	case "email":
		if strings.Count(value, "@") == 1 && !strings.ContainsAny(value, " <>\"?#") {
			return template.URL("mailto:" + value)
		}
	case "web", "telegram", "tracking":
		if strings.HasPrefix(value, "https://") || strings.HasPrefix(value, "http://") {
			return template.URL(value)
		}
	}
	return ""
}

func digitsPlus(s string) string {
	var b []rune
	for _, r := range s {
		if r >= '0' && r <= '9' || r == '+' {
			b = append(b, r)
		}
	}
	return string(b)
}

// renderPage builds the HTML page in lang; stale says the data could not be
// refreshed and the page shows when it was last updated.
// features are the subscription means this instance offers.
type features struct {
	Subscribe, Email, SMS, Webhook bool
	// PushKey is the VAPID public key when web push is configured.
	PushKey string
}

func (m *model) renderPage(lang string, faq []faqItem, cssVersion string, stale bool, f features) ([]byte, error) {
	d, err := m.pageData(lang, faq, cssVersion, stale)
	d.Subscribe, d.Email, d.SMS, d.Webhook, d.PushKey = f.Subscribe, f.Email, f.SMS, f.Webhook, f.PushKey
	n := 0
	for _, on := range []bool{f.Email, f.SMS, f.Webhook} {
		if on {
			n++
		}
	}
	d.Choice = n > 1
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&b, "page.html", d); err != nil {
		return nil, fmt.Errorf("statuspage: render %s: %w", lang, err)
	}
	return b.Bytes(), nil
}

func (m *model) pageData(lang string, faq []faqItem, cssVersion string, stale bool) (pageData, error) {
	p := m.Plan
	def := p.Organisation.DefaultLanguage
	w := words[lang]
	if w == nil {
		w = words["en"]
	}
	d := pageData{Lang: lang, W: w, Org: p.Organisation, Worst: string(m.Worst), Banner: m.banner(lang), Built: m.clock(m.Built), FAQ: faq, CSSVersion: cssVersion, Stale: stale}
	for _, l := range p.Organisation.Languages {
		if l != lang && d.Other == "" {
			d.Other = l
		}
	}
	for _, c := range m.Components {
		pc := pageComponent{ID: c.ID, Name: c.Name.Get(lang, def), Desc: c.Desc.Get(lang, def), Status: string(c.Status), StatusText: incident.StatusText(c.Status, lang),
			Uptime: fmt.Sprintf("%.2f %%", c.Uptime)}
		if lang != "fr" {
			pc.Uptime = fmt.Sprintf("%.2f%%", c.Uptime)
		}
		first := m.Built.In(m.loc).AddDate(0, 0, -(len(c.Days) - 1))
		for i := 0; i < len(c.Days); {
			st := c.Days[i]
			j := i
			for j < len(c.Days) && c.Days[j] == st {
				j++
			}
			if st != incident.Operational {
				from, to := first.AddDate(0, 0, i), first.AddDate(0, 0, j-1)
				label := from.Format("2006-01-02")
				if j-i > 1 {
					label += " → " + to.Format("2006-01-02")
				}
				n := float64(len(c.Days))
				pc.Runs = append(pc.Runs, pageRun{Class: string(st), Label: label + " : " + incident.StatusText(st, lang),
					Left: template.CSS(fmt.Sprintf("%.3f%%", 100*float64(i)/n)), Width: template.CSS(fmt.Sprintf("%.3f%%", 100*float64(j-i)/n))})
				pc.BadDays += j - i
			}
			i = j
		}
		d.Components = append(d.Components, pc)
	}
	for _, dep := range m.Dependencies {
		d.Deps = append(d.Deps, pageDep{ID: dep.ID, Name: dep.Name, Status: string(dep.Status), StatusText: incident.StatusText(dep.Status, lang)})
		d.Reports = append(d.Reports, pageReport{Dependency: dep.ID, Name: dep.Name, Count: m.Reports[dep.ID]})
	}
	for _, v := range m.Active {
		d.Active = append(d.Active, m.pageIncident(v, lang))
	}
	for _, v := range m.Past {
		d.Past = append(d.Past, m.pageIncident(v, lang))
	}
	d.Maint, d.PastMaint = m.pageMaintenances(lang)
	if c, ok := p.Channels["telegram"]; ok && c.Enabled {
		if name := strings.TrimPrefix(fmt.Sprint(c.Settings["channel"]), "@"); name != "" && name != "<nil>" && !strings.ContainsAny(name, "/?#:\"<> ") {
			d.Telegram = template.URL("https://t.me/" + name)
		}
	}
	for _, c := range p.Continuity {
		d.Continuity = append(d.Continuity, pageContinuity{Label: c.Label.Get(lang, def), Value: c.Value, Href: continuityHref(c.Kind, c.Value), Instructions: c.Instructions.Get(lang, def)})
	}
	return d, nil
}

// renderFAQ renders the FAQ page in lang: its own page, so that the status
// page itself stays small enough to leave in one write (see decisions).
func (m *model) renderFAQ(lang string, faq []faqItem, cssVersion string) ([]byte, error) {
	d, err := m.pageData(lang, faq, cssVersion, false)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&b, "faq.html", d); err != nil {
		return nil, fmt.Errorf("statuspage: render FAQ %s: %w", lang, err)
	}
	return b.Bytes(), nil
}

// renderLive renders only the live region, sent to open pages over SSE.
func (m *model) renderLive(lang string, faq []faqItem, stale bool) ([]byte, error) {
	d, err := m.pageData(lang, faq, "", stale)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&b, "live", d); err != nil {
		return nil, fmt.Errorf("statuspage: render live region %s: %w", lang, err)
	}
	return b.Bytes(), nil
}
