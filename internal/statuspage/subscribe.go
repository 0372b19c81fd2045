package statuspage

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-hq/vigie/internal/audience"
)

// Subscribers is what the page needs from the audience store.
type Subscribers interface {
	Subscribe(ctx context.Context, in audience.SubscribeInput) (string, error)
	Confirm(ctx context.Context, token string) (audience.Subscriber, error)
	Unsubscribe(ctx context.Context, id int64) error
	Get(ctx context.Context, id int64) (audience.Subscriber, error)
}

// Mailer sends the confirmation e-mail of a subscription.
type Mailer interface {
	SendMail(ctx context.Context, to, subject, body string, headers map[string]string) error
}

// Texter sends the confirmation SMS of a subscription.
type Texter interface {
	SendSMS(ctx context.Context, to, text string) error
}

// Hooks posts the signed confirmation request of a webhook subscription.
type Hooks interface {
	SendJSON(ctx context.Context, url, key string, v any) error
}

// WebhookConfirmation is the only request an unconfirmed webhook URL ever
// receives: its owner proves control of the endpoint by posting the token
// back (form field token) to ConfirmURL, or by opening it in a browser.
type WebhookConfirmation struct {
	Type         string `json:"type"` // "subscription_confirmation"
	Organisation string `json:"organisation"`
	ConfirmURL   string `json:"confirm_url"`
	Token        string `json:"token"`
	Lang         string `json:"lang"`
	Instructions string `json:"instructions"`
}

// consentWording identifies the consent text shown next to the form; bump
// it whenever that text changes, so each consent records what was agreed to.
const consentWording = "statuspage-subscribe-v2"

var subscribeWords = map[string]map[string]string{
	"fr": {
		"subject": "Confirmez votre abonnement aux alertes de %s",
		"body":    "Bonjour,\n\nVous (ou quelqu'un utilisant votre adresse) avez demandé à recevoir par e-mail les alertes de %s quand un service est perturbé.\n\nPour confirmer, ouvrez ce lien et appuyez sur « Confirmer » (valable 48 heures) :\n%s\n\nSi ce n'est pas vous, ignorez ce message : vous ne recevrez rien d'autre.\n",
		"confirm": "Confirmer mon abonnement", "confirmed": "C'est fait : vous recevrez nos alertes.",
		"unsub": "Se désabonner", "unsubbed": "Vous ne recevrez plus nos alertes.", "invalid": "Ce lien n'est pas valable ou a déjà servi.",
		"expired": "Ce lien a expiré : abonnez-vous à nouveau depuis la page d'état.", "back": "Retour à la page d'état",
		"sms":      "%s : confirmez vos alertes SMS en ouvrant %s (sinon ignorez ce message)",
		"confirmQ": "Confirmer votre abonnement aux alertes de %[2]s ?", "unsubQ": "Ne plus recevoir les alertes de %s à l'adresse %s ?",
	},
	"en": {
		"subject": "Confirm your subscription to %s alerts",
		"body":    "Hello,\n\nYou (or someone using your address) asked to receive %s alerts by e-mail when a service is disrupted.\n\nTo confirm, open this link and press \"Confirm\" (valid for 48 hours):\n%s\n\nIf this was not you, ignore this message: you will receive nothing else.\n",
		"confirm": "Confirm my subscription", "confirmed": "Done: you will receive our alerts.",
		"unsub": "Unsubscribe", "unsubbed": "You will no longer receive our alerts.", "invalid": "This link is not valid or was already used.",
		"expired": "This link has expired: subscribe again from the status page.", "back": "Back to the status page",
		"sms":      "%s: confirm your text alerts at %s (or ignore this message)",
		"confirmQ": "Confirm your subscription to %[2]s alerts?", "unsubQ": "Stop receiving %s alerts at %s?",
	},
}

func sw(lang string) map[string]string {
	if w, ok := subscribeWords[lang]; ok {
		return w
	}
	return subscribeWords["en"]
}

// unsubscribeSig signs a subscriber id for one-click unsubscribe links.
func (s *Server) unsubscribeSig(id int64) string {
	m := hmac.New(sha256.New, s.o.Secret)
	m.Write([]byte("unsubscribe:" + strconv.FormatInt(id, 10)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// UnsubscribeURL is the one-click unsubscribe link of a subscriber, for
// List-Unsubscribe headers and message footers.
func (s *Server) UnsubscribeURL(id int64) string {
	return fmt.Sprintf("%s/unsubscribe?id=%d&sig=%s", strings.TrimRight(s.o.BaseURL, "/"), id, s.unsubscribeSig(id))
}

func (s *Server) lang(r *http.Request) string {
	p := s.o.Plan()
	lang := r.FormValue("lang")
	if !containsStr(p.Organisation.Languages, lang) {
		return p.Organisation.DefaultLanguage
	}
	return lang
}

var smallPage = template.Must(template.New("small").Parse(`<!doctype html><html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>{{.Org}}</title>
<style>body{font:1.05rem/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color-scheme:light dark}button{font:inherit;padding:.6rem 1rem;border-radius:.4rem;border:0;background:#0b57d0;color:#fff;font-weight:600}</style></head>
<body><main><h1>{{.Org}}</h1><p role="status">{{.Text}}</p>{{if .Action}}<form method="post" action="{{.Action}}">{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}<button type="submit">{{.Button}}</button></form>{{end}}
<p><a href="/{{.Lang}}/">{{.Back}}</a></p></main></body></html>`))

type smallView struct {
	Lang, Org, Text, Action, Button, Back string
	Fields                                map[string]string
}

func (s *Server) small(w http.ResponseWriter, code int, v smallView) {
	v.Org = s.o.Plan().Organisation.Name
	v.Back = sw(v.Lang)["back"]
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(code)
	_ = smallPage.Execute(w, v)
}

// handleSubscribe takes the page's subscription form. The answer is the
// same whether the address is new, pending or already subscribed.
func (s *Server) handleSubscribe(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed form", http.StatusBadRequest)
		return
	}
	lang := s.lang(r)
	if s.o.Subscribers == nil || (s.o.Mailer == nil && s.o.Texter == nil && s.o.Hooks == nil) {
		http.Error(w, "subscriptions are not configured on this instance", http.StatusServiceUnavailable)
		return
	}
	if s.o.AllowSubscribe != nil && !s.o.AllowSubscribe(r) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "too many subscription requests from your address; try again later", http.StatusTooManyRequests)
		return
	}
	done := func() { http.Redirect(w, r, "/"+lang+"/#subscribed", http.StatusSeeOther) }
	if r.PostFormValue("website") != "" {
		done() // honeypot: bots get the normal answer and nothing happens
		return
	}
	if r.PostFormValue("consent") == "" {
		http.Error(w, "please tick the consent box", http.StatusUnprocessableEntity)
		return
	}
	p := s.o.Plan()
	var comps []string
	for _, c := range r.PostForm["components"] {
		if p.Component(c) != nil {
			comps = append(comps, c)
		}
	}
	client := ""
	if s.o.ClientKey != nil {
		client = s.o.ClientKey(r)
	}
	channel, address := "email", r.PostFormValue("email")
	switch r.PostFormValue("channel") {
	case "sms":
		channel, address = "sms", r.PostFormValue("phone")
		if s.o.Texter == nil {
			http.Error(w, "text-message alerts are not available here", http.StatusUnprocessableEntity)
			return
		}
	case "webhook":
		channel, address = "webhook", r.PostFormValue("webhook_url")
		if s.o.Hooks == nil {
			http.Error(w, "webhook alerts are not available here", http.StatusUnprocessableEntity)
			return
		}
		if _, err := audience.NormalizeWebhookURL(address); err != nil {
			http.Error(w, "please enter the full http(s) URL of your webhook", http.StatusUnprocessableEntity)
			return
		}
	default:
		if s.o.Mailer == nil {
			http.Error(w, "e-mail alerts are not available here", http.StatusUnprocessableEntity)
			return
		}
	}
	var phone string
	if channel == "sms" {
		var err error
		if phone, err = audience.NormalizePhone(address, "FR"); err != nil {
			http.Error(w, "please enter a valid mobile number", http.StatusUnprocessableEntity)
			return
		}
		// SMS pumping: confirmation texts are capped per number prefix and
		// per day, so the form cannot be used to run up a phone bill.
		if s.smsGuard != nil && !s.smsGuard.allow(phone) {
			w.Header().Set("Retry-After", "3600")
			http.Error(w, "too many text-message subscriptions right now; please use e-mail or try again later", http.StatusTooManyRequests)
			return
		}
	}
	token, err := s.o.Subscribers.Subscribe(r.Context(), audience.SubscribeInput{Channel: channel, Address: address, Lang: lang, Components: comps,
		Source: "statuspage", Client: client, Wording: consentWording})
	if err != nil {
		if strings.Contains(err.Error(), "not an e-mail address") {
			http.Error(w, "please enter a valid e-mail address", http.StatusUnprocessableEntity)
			return
		}
		s.o.Logger.Error("subscribe", "err", err)
		http.Error(w, "could not record your subscription; please try again", http.StatusServiceUnavailable)
		return
	}
	if token != "" {
		link := fmt.Sprintf("%s/subscribe/confirm?token=%s&lang=%s", strings.TrimRight(s.o.BaseURL, "/"), url.QueryEscape(token), lang)
		words := sw(lang)
		org := p.Organisation.Name
		var sendErr error
		switch channel {
		case "sms":
			sendErr = s.o.Texter.SendSMS(r.Context(), phone, fmt.Sprintf(words["sms"], org, link))
		case "webhook":
			target, _ := audience.NormalizeWebhookURL(address)
			sum := sha256.Sum256([]byte(token))
			sendErr = s.o.Hooks.SendJSON(r.Context(), target, "confirm-"+hex.EncodeToString(sum[:8]), WebhookConfirmation{
				Type: "subscription_confirmation", Organisation: org, ConfirmURL: link, Token: token, Lang: lang,
				Instructions: "POST the form field token=<token> to " + strings.TrimRight(s.o.BaseURL, "/") + "/subscribe/confirm within 48 hours, or open confirm_url in a browser; until then nothing else is sent to this URL.",
			})
		default:
			to, _ := audience.NormalizeEmail(address)
			sendErr = s.o.Mailer.SendMail(r.Context(), to, fmt.Sprintf(words["subject"], org), fmt.Sprintf(words["body"], org, link), nil)
		}
		if sendErr != nil {
			s.o.Logger.Error("send subscription confirmation", "channel", channel, "err", sendErr)
			http.Error(w, "could not send the confirmation; please try again in a few minutes", http.StatusServiceUnavailable)
			return
		}
	}
	done()
}

// smsGuard caps confirmation texts: per number prefix per hour and in all
// per day.
type smsGuard struct {
	mu       sync.Mutex
	now      func() time.Time
	perHour  int
	perDay   int
	day      string
	dayCount int
	hour     string
	prefixes map[string]int
}

func newSMSGuard(perPrefixHour, perDay int, now func() time.Time) *smsGuard {
	return &smsGuard{now: now, perHour: perPrefixHour, perDay: perDay, prefixes: map[string]int{}}
}

// allow counts one confirmation text to phone (E.164) if within the caps.
func (g *smsGuard) allow(phone string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now().UTC()
	if d := now.Format("2006-01-02"); d != g.day {
		g.day, g.dayCount = d, 0
	}
	if h := now.Format("2006-01-02T15"); h != g.hour {
		g.hour, g.prefixes = h, map[string]int{}
	}
	// The number without its last six digits: pumping fraud walks through
	// ranges of numbers an operator shares revenue on.
	prefix := phone
	if len(prefix) > 8 {
		prefix = prefix[:len(prefix)-6]
	}
	if g.dayCount >= g.perDay || g.prefixes[prefix] >= g.perHour {
		return false
	}
	g.dayCount++
	g.prefixes[prefix]++
	return true
}

// handleConfirmForm shows a button: mail scanners that open links must not
// confirm subscriptions on their own, so confirming takes a POST.
func (s *Server) handleConfirmForm(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r)
	words := sw(lang)
	s.small(w, http.StatusOK, smallView{Lang: lang, Text: fmt.Sprintf(words["confirmQ"], "", s.o.Plan().Organisation.Name),
		Action: "/subscribe/confirm", Button: words["confirm"], Fields: map[string]string{"token": r.FormValue("token"), "lang": lang}})
}

func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	lang := s.lang(r)
	words := sw(lang)
	if s.o.Subscribers == nil {
		http.Error(w, "subscriptions are not configured", http.StatusServiceUnavailable)
		return
	}
	_, err := s.o.Subscribers.Confirm(r.Context(), r.PostFormValue("token"))
	switch {
	case errors.Is(err, audience.ErrExpiredToken):
		s.small(w, http.StatusGone, smallView{Lang: lang, Text: words["expired"]})
	case errors.Is(err, audience.ErrInvalidToken):
		s.small(w, http.StatusNotFound, smallView{Lang: lang, Text: words["invalid"]})
	case err != nil:
		s.o.Logger.Error("confirm subscription", "err", err)
		http.Error(w, "please try again", http.StatusServiceUnavailable)
	default:
		s.small(w, http.StatusOK, smallView{Lang: lang, Text: words["confirmed"]})
	}
}

func (s *Server) unsubscriber(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.FormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, hmac.Equal([]byte(r.FormValue("sig")), []byte(s.unsubscribeSig(id)))
}

func (s *Server) handleUnsubscribeForm(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r)
	words := sw(lang)
	id, ok := s.unsubscriber(r)
	if !ok || s.o.Subscribers == nil {
		s.small(w, http.StatusNotFound, smallView{Lang: lang, Text: words["invalid"]})
		return
	}
	sub, err := s.o.Subscribers.Get(r.Context(), id)
	if err != nil {
		s.small(w, http.StatusNotFound, smallView{Lang: lang, Text: words["invalid"]})
		return
	}
	if sub.Lang != "" {
		lang, words = sub.Lang, sw(sub.Lang)
	}
	s.small(w, http.StatusOK, smallView{Lang: lang, Text: fmt.Sprintf(words["unsubQ"], s.o.Plan().Organisation.Name, sub.Address), Action: "/unsubscribe",
		Button: words["unsub"], Fields: map[string]string{"id": r.FormValue("id"), "sig": r.FormValue("sig"), "lang": lang}})
}

// handleUnsubscribe unsubscribes: from the page's button, or as an RFC 8058
// one-click POST ("List-Unsubscribe=One-Click") sent by the mail client.
func (s *Server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	lang := s.lang(r)
	words := sw(lang)
	id, ok := s.unsubscriber(r)
	if !ok || s.o.Subscribers == nil {
		s.small(w, http.StatusNotFound, smallView{Lang: lang, Text: words["invalid"]})
		return
	}
	if err := s.o.Subscribers.Unsubscribe(r.Context(), id); err != nil && !errors.Is(err, audience.ErrNotFound) {
		s.o.Logger.Error("unsubscribe", "err", err)
		http.Error(w, "please try again", http.StatusServiceUnavailable)
		return
	}
	s.small(w, http.StatusOK, smallView{Lang: lang, Text: words["unsubbed"]})
}
