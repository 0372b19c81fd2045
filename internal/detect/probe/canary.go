package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Canary defaults.
const (
	DefaultCanaryTemplate = "hello_world"
	DefaultCanaryLanguage = "en_US"
	DefaultCanaryDeadline = 2 * time.Minute
)

// Canary sends a template message to a number we own and waits for the
// webhook to confirm "delivered": the only probe that proves end-to-end
// delivery. Spec.Timeout bounds the send call; Deadline bounds the wait.
type Canary struct {
	Spec
	API CloudAPI
	// To is the canary recipient, in international format without "+".
	To       string
	Template string
	Language string
	Deadline time.Duration
	// Tracker must be one of the webhook's observers.
	Tracker *Tracker
	Clock   Clock
}

var _ Probe = (*Canary)(nil)

// Name returns the probe name.
func (p *Canary) Name() string { return p.Spec.Name }

type templateSend struct {
	MessagingProduct string `json:"messaging_product"`
	To               string `json:"to"`
	Type             string `json:"type"`
	Template         struct {
		Name     string `json:"name"`
		Language struct {
			Code string `json:"code"`
		} `json:"language"`
	} `json:"template"`
}

type sendResponse struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

// Run sends one canary and waits for its delivery.
func (p *Canary) Run(ctx context.Context) Result {
	clk := clockOr(p.Clock)
	target := p.API.url("/messages")
	res := p.result(FamilyCanary, target, clk.Now())
	if p.API.PhoneNumberID == "" || p.API.Token == "" || p.To == "" || p.Tracker == nil {
		return finish(res, clk, ClassConfig, "canary needs a phone number id, a token, a recipient and the webhook tracker")
	}
	wamid, class, detail := p.send(ctx)
	if class != ClassNone {
		return finish(res, clk, class, detail)
	}
	statuses, stop := p.Tracker.Watch(wamid)
	defer stop()

	deadline := p.Deadline
	if deadline <= 0 {
		deadline = DefaultCanaryDeadline
	}
	expired := clk.After(deadline - clk.Now().Sub(res.Start))
	w := canaryWait{wamid: wamid}
	for {
		select {
		case <-ctx.Done():
			return finish(res, clk, classifyErr(ctx.Err()), fmt.Sprintf("%s: stopped waiting: %v", wamid, ctx.Err()))
		case <-expired:
			// Statuses that arrived with the deadline still count.
			if class, detail, done := w.drain(statuses); done {
				return finish(res, clk, class, detail)
			}
			what := "no status"
			if w.sent {
				what = "sent but not delivered"
			}
			return finish(res, clk, ClassUndelivered, fmt.Sprintf("%s: %s within %s", wamid, what, deadline))
		case s := <-statuses:
			if class, detail, done := w.handle(s); done {
				return finish(res, clk, class, detail)
			}
		}
	}
}

// canaryWait follows the statuses of one canary message.
type canaryWait struct {
	wamid string
	sent  bool
}

// drain handles the statuses already received without waiting for more.
func (w *canaryWait) drain(statuses <-chan Status) (Class, string, bool) {
	for {
		select {
		case s := <-statuses:
			if c, d, done := w.handle(s); done {
				return c, d, true
			}
		default:
			return ClassNone, "", false
		}
	}
}

// handle reports whether s ends the wait, and how.
func (w *canaryWait) handle(s Status) (Class, string, bool) {
	switch s.Status {
	case StatusSent:
		w.sent = true
	case StatusDelivered, StatusRead:
		return ClassNone, w.wamid + ": " + s.Status, true
	case StatusFailed:
		c, d := classifyFailed(s)
		return c, w.wamid + ": failed: " + d, true
	}
	return ClassNone, "", false
}

// send posts the template and returns the wamid.
func (p *Canary) send(ctx context.Context) (string, Class, string) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	var msg templateSend
	msg.MessagingProduct = "whatsapp"
	msg.To = p.To
	msg.Type = "template"
	msg.Template.Name = orDefault(p.Template, DefaultCanaryTemplate)
	msg.Template.Language.Code = orDefault(p.Language, DefaultCanaryLanguage)
	body, err := json.Marshal(msg)
	if err != nil {
		return "", ClassConfig, fmt.Sprintf("encode canary: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.API.url("/messages"), bytes.NewReader(body))
	if err != nil {
		return "", ClassConfig, fmt.Sprintf("canary url: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	status, respBody, err := p.API.do(ctx, req, p.timeout())
	if err != nil {
		return "", classifyErr(err), fmt.Sprintf("send canary: %v", err)
	}
	if status < 200 || status > 299 {
		e := parseMetaError(respBody)
		return "", classifyMeta(status, e), metaDetail("send canary", status, e)
	}
	var sr sendResponse
	if err := json.Unmarshal(respBody, &sr); err != nil || len(sr.Messages) == 0 || sr.Messages[0].ID == "" {
		return "", ClassBadResponse, "send canary: response without messages[0].id"
	}
	return sr.Messages[0].ID, ClassNone, ""
}

// classifyFailed maps a failed status to a Class: known Meta codes keep
// their meaning (an outage, a rate limit, our configuration); any other
// failure is reported as undelivered.
func classifyFailed(s Status) (Class, string) {
	if len(s.Errors) == 0 {
		return ClassUndelivered, "no error given"
	}
	e := s.Errors[0]
	detail := fmt.Sprintf("%d %s", e.Code, e.Title)
	if e.Details != "" {
		detail += " (" + e.Details + ")"
	}
	if c := ClassifyMetaCode(e.Code); c != ClassNone {
		return c, detail
	}
	return ClassUndelivered, detail
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
