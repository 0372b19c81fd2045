package probetest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Delivery is what the Cloud API double reports by webhook after a send.
type Delivery int

// Delivery outcomes.
const (
	DeliverDelivered Delivery = iota // "sent" then "delivered"
	DeliverFailed                    // "sent" then "failed" with the configured code
	DeliverSentOnly                  // "sent" and nothing more
	DeliverNothing                   // no webhook at all
)

// CloudAPIConfig configures the Cloud API double.
type CloudAPIConfig struct {
	Token         string
	PhoneNumberID string
	// AppSecret signs webhook posts, as Meta does with the app secret.
	AppSecret string
	// WebhookURL receives statuses; empty means statuses are not posted.
	WebhookURL    string
	WebhookClient *http.Client
	// Now stamps statuses; defaults to time.Now.
	Now func() time.Time
	// DeliveryLatency is added to the "delivered" timestamp.
	DeliveryLatency time.Duration
}

// SentMessage is one message the double accepted.
type SentMessage struct {
	ID, To, Template, Language string
}

// CloudAPI is an http.Handler imitating the WhatsApp Cloud API endpoints
// the probes use, with Meta's payload shapes and error codes, and playing
// Meta's webhook sender after each send.
type CloudAPI struct {
	cfg CloudAPIConfig
	wg  sync.WaitGroup

	mu           sync.Mutex
	health       string
	errStatus    int
	errCode      int
	errMessage   string
	delivery     Delivery
	failCode     int
	badSignature bool
	sent         []SentMessage
	hookStatuses []int
	next         int
}

// NewCloudAPI returns a double answering health AVAILABLE and delivering
// every message.
func NewCloudAPI(cfg CloudAPIConfig) *CloudAPI {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WebhookClient == nil {
		cfg.WebhookClient = &http.Client{Timeout: 5 * time.Second}
	}
	return &CloudAPI{cfg: cfg, health: "AVAILABLE", failCode: 131026}
}

// SetHealth sets can_send_message: AVAILABLE, LIMITED or BLOCKED.
func (a *CloudAPI) SetHealth(status string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.health = status
}

// SetError makes every call fail with a Meta error body; status 0 clears it.
func (a *CloudAPI) SetError(httpStatus, code int, message string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.errStatus, a.errCode, a.errMessage = httpStatus, code, message
}

// SetDelivery chooses the webhook statuses after a send; failCode is the
// error code of a "failed" status.
func (a *CloudAPI) SetDelivery(d Delivery, failCode int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delivery, a.failCode = d, failCode
}

// SetBadSignature makes webhook posts carry a wrong signature.
func (a *CloudAPI) SetBadSignature(bad bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.badSignature = bad
}

// Sent lists accepted messages.
func (a *CloudAPI) Sent() []SentMessage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]SentMessage(nil), a.sent...)
}

// WebhookStatuses lists the HTTP status of every webhook post so far.
func (a *CloudAPI) WebhookStatuses() []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]int(nil), a.hookStatuses...)
}

// Wait blocks until every webhook post started so far is done.
func (a *CloudAPI) Wait() { a.wg.Wait() }

// ServeHTTP routes GET /{version}/{id} and POST /{version}/{id}/messages.
func (a *CloudAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if !a.authorized(r) {
		metaError(w, http.StatusUnauthorized, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token")
		return
	}
	a.mu.Lock()
	errStatus, errCode, errMsg := a.errStatus, a.errCode, a.errMessage
	a.mu.Unlock()
	if errStatus != 0 {
		metaError(w, errStatus, errCode, "OAuthException", errMsg)
		return
	}
	switch {
	case len(parts) == 2 && r.Method == http.MethodGet && parts[1] == a.cfg.PhoneNumberID:
		a.serveHealth(w, r)
	case len(parts) == 3 && r.Method == http.MethodPost && parts[1] == a.cfg.PhoneNumberID && parts[2] == "messages":
		a.serveSend(w, r)
	default:
		metaError(w, http.StatusBadRequest, 100, "GraphMethodException",
			"Unsupported request - method type: "+strings.ToLower(r.Method))
	}
}

func (a *CloudAPI) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && a.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(a.cfg.Token)) == 1
}

// metaError writes Meta's Graph API error envelope.
func metaError(w http.ResponseWriter, status, code int, typ, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message":    fmt.Sprintf("(#%d) %s", code, message),
		"type":       typ,
		"code":       code,
		"error_data": map[string]string{"messaging_product": "whatsapp", "details": message},
		"fbtrace_id": "AprobetestTrace",
	}})
}

func (a *CloudAPI) serveHealth(w http.ResponseWriter, r *http.Request) {
	if !strings.Contains(r.URL.Query().Get("fields"), "health_status") {
		writeJSON(w, map[string]any{"id": a.cfg.PhoneNumberID})
		return
	}
	a.mu.Lock()
	health := a.health
	a.mu.Unlock()
	phone := map[string]any{"entity_type": "PHONE_NUMBER", "id": a.cfg.PhoneNumberID, "can_send_message": health}
	if health == "BLOCKED" {
		phone["errors"] = []map[string]any{{"error_code": 0, "error_description": "blocked by probetest",
			"possible_solution": "switch the double back to AVAILABLE"}}
	}
	if health == "LIMITED" {
		phone["additional_info"] = []string{"limited by probetest"}
	}
	entities := []map[string]any{
		phone,
		{"entity_type": "WABA", "id": "waba-probetest", "can_send_message": "AVAILABLE"},
		{"entity_type": "BUSINESS", "id": "business-probetest", "can_send_message": "AVAILABLE"},
		{"entity_type": "APP", "id": "app-probetest", "can_send_message": "AVAILABLE"},
	}
	writeJSON(w, map[string]any{
		"health_status": map[string]any{"can_send_message": health, "entities": entities},
		"id":            a.cfg.PhoneNumberID,
	})
}

type sendRequest struct {
	MessagingProduct string `json:"messaging_product"`
	To               string `json:"to"`
	Type             string `json:"type"`
	Template         *struct {
		Name     string `json:"name"`
		Language struct {
			Code string `json:"code"`
		} `json:"language"`
	} `json:"template"`
}

func (a *CloudAPI) serveSend(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil ||
		req.MessagingProduct != "whatsapp" || req.To == "" || req.Type != "template" ||
		req.Template == nil || req.Template.Name == "" || req.Template.Language.Code == "" {
		metaError(w, http.StatusBadRequest, 100, "OAuthException", "Invalid parameter")
		return
	}
	a.mu.Lock()
	a.next++
	id := fmt.Sprintf("wamid.probetest.%06d", a.next)
	a.sent = append(a.sent, SentMessage{ID: id, To: req.To, Template: req.Template.Name, Language: req.Template.Language.Code})
	delivery, failCode := a.delivery, a.failCode
	a.mu.Unlock()

	writeJSON(w, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{{"input": req.To, "wa_id": req.To}},
		"messages":          []map[string]string{{"id": id, "message_status": "accepted"}},
	})
	if a.cfg.WebhookURL == "" || delivery == DeliverNothing {
		return
	}
	a.wg.Go(func() { a.report(id, req.To, delivery, failCode) })
}

// report posts the statuses of one message in order, like Meta does.
func (a *CloudAPI) report(id, to string, d Delivery, failCode int) {
	now := a.cfg.Now()
	updates := []StatusUpdate{{ID: id, Status: "sent", RecipientID: to, Timestamp: now}}
	switch d {
	case DeliverDelivered:
		updates = append(updates, StatusUpdate{ID: id, Status: "delivered", RecipientID: to,
			Timestamp: now.Add(a.cfg.DeliveryLatency)})
	case DeliverFailed:
		updates = append(updates, StatusUpdate{ID: id, Status: "failed", RecipientID: to, Timestamp: now,
			ErrorCode: failCode, ErrorTitle: "Message failed (probetest)"})
	}
	// The send request is over; each post is bounded by the client timeout.
	ctx := context.Background()
	for _, u := range updates {
		a.PostStatuses(ctx, u)
	}
}

// PostStatuses sends one signed webhook notification carrying updates.
func (a *CloudAPI) PostStatuses(ctx context.Context, updates ...StatusUpdate) {
	body := StatusPayload(a.cfg.PhoneNumberID, updates...)
	a.mu.Lock()
	secret := a.cfg.AppSecret
	if a.badSignature {
		secret = "not-" + secret
	}
	a.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		a.record(0)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", Sign(secret, body))
	resp, err := a.cfg.WebhookClient.Do(req)
	if err != nil {
		a.record(0)
		return
	}
	_ = resp.Body.Close()
	a.record(resp.StatusCode)
}

func (a *CloudAPI) record(status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hookStatuses = append(a.hookStatuses, status)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
