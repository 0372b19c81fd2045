package statuspage

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/vigie-hq/vigie/internal/channel/webpush"
)

// Browsers stores web-push subscriptions.
type Browsers interface {
	AddBrowser(ctx context.Context, subscription, lang string, components []string, client, wording string) error
	OptOut(ctx context.Context, channel, address string) (bool, error)
}

type pushRequest struct {
	Subscription json.RawMessage `json:"subscription"`
	Lang         string          `json:"lang"`
	Components   []string        `json:"components"`
}

// canonical validates a browser subscription and returns it as stored.
func canonical(raw json.RawMessage, allowHTTP bool) (string, bool) {
	parse := webpush.ParseSubscription
	if allowHTTP {
		parse = webpush.ParseLocalSubscription
	}
	sub, err := parse(string(raw))
	if err != nil {
		return "", false
	}
	return sub.JSON(), true
}

// handlePushSubscribe records the subscription a browser created after its
// permission prompt (the script on the page posts it here).
func (s *Server) handlePushSubscribe(w http.ResponseWriter, r *http.Request) {
	if s.o.Browsers == nil || s.o.PushKey == "" {
		http.Error(w, "web push is not configured", http.StatusNotFound)
		return
	}
	if s.o.AllowSubscribe != nil && !s.o.AllowSubscribe(r) {
		http.Error(w, "too many subscriptions from your address", http.StatusTooManyRequests)
		return
	}
	req, sub, ok := readPushRequest(w, r, s.o.PushAllowHTTP)
	if !ok {
		return
	}
	p := s.o.Plan()
	lang := req.Lang
	if !containsStr(p.Organisation.Languages, lang) {
		lang = p.Organisation.DefaultLanguage
	}
	var comps []string
	for _, c := range req.Components {
		if p.Component(c) != nil {
			comps = append(comps, c)
		}
	}
	client := ""
	if s.o.ClientKey != nil {
		client = s.o.ClientKey(r)
	}
	if err := s.o.Browsers.AddBrowser(r.Context(), sub, lang, comps, client, consentWording); err != nil {
		s.o.Logger.Error("push subscribe", "err", err)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// readPushRequest decodes a browser's subscribe or unsubscribe request and
// its subscription in canonical form; on bad input it answers the request
// and returns false.
func readPushRequest(w http.ResponseWriter, r *http.Request, allowHTTP bool) (pushRequest, string, bool) {
	var req pushRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10)).Decode(&req); err != nil {
		http.Error(w, "malformed JSON", http.StatusBadRequest)
		return req, "", false
	}
	sub, ok := canonical(req.Subscription, allowHTTP)
	if !ok {
		http.Error(w, "not a valid push subscription", http.StatusUnprocessableEntity)
		return req, "", false
	}
	return req, sub, true
}

// handlePushUnsubscribe forgets a browser's subscription.
func (s *Server) handlePushUnsubscribe(w http.ResponseWriter, r *http.Request) {
	if s.o.Browsers == nil {
		http.Error(w, "web push is not configured", http.StatusNotFound)
		return
	}
	_, sub, ok := readPushRequest(w, r, s.o.PushAllowHTTP)
	if !ok {
		return
	}
	if _, err := s.o.Browsers.OptOut(r.Context(), "push", sub); err != nil {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
