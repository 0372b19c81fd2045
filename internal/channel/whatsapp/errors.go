package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
)

// ErrToken says Meta refused the access token or its permissions (codes
// 0, 10, 190, 200–299): the token expired, was revoked, or lacks
// whatsapp_business_messaging. Renew it (a System User token does not
// expire) and update the credential.
var ErrToken = errors.New("whatsapp: the access token was refused; renew it in Meta Business Suite and update the credential")

// Meta error codes used in the classification
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
const (
	codeUnknownAPI    = 1      // API Unknown: possibly a server error
	codeService       = 2      // API Service: temporary downtime or overload
	codeTooManyCalls  = 4      // application call rate limit
	codeBUCRateLimit  = 80007  // WhatsApp Business Account rate limit
	codeThroughput    = 130429 // Cloud API throughput reached
	codeGeneric       = 131000 // something went wrong
	codeUndeliverable = 131026 // not on WhatsApp, old version, terms not accepted
	codeReEngagement  = 131047 // more than 24 hours since the customer last replied
	codeSpamRate      = 131048 // too many messages flagged or blocked
	codePairRate      = 131056 // too many messages to the same person
	codeTemporary     = 131016 // service unavailable
)

// permanentCodes are refusals of this message or recipient: sending the
// same request again cannot help.
var permanentCodes = map[int]bool{
	100:               true, // invalid parameter
	131008:            true, // required parameter missing
	131009:            true, // parameter value not valid
	131021:            true, // recipient is the sender
	codeReEngagement:  true,
	131051:            true, // unsupported message type
	131052:            true, // media download error
	131053:            true, // media upload error
	codeUndeliverable: true,
}

// Error is a failed send: Meta's error object, or a transport error when
// Status is 0.
type Error struct {
	Status  int
	Code    int
	Subcode int
	Type    string
	Message string
	// Details is error_data.details, Meta's explanation.
	Details string
	// TraceID is fbtrace_id, to quote to Meta support.
	TraceID    string
	Err        error
	uncertain  bool
	retryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "whatsapp: send: " + e.Err.Error()
	}
	msg := fmt.Sprintf("whatsapp: send: HTTP %d", e.Status)
	if e.Code != 0 {
		msg += fmt.Sprintf(", error %d", e.Code)
	}
	msg += ": " + e.Message
	if e.Details != "" && e.Details != e.Message {
		msg += " (" + e.Details + ")"
	}
	if e.TraceID != "" {
		msg += " [fbtrace_id " + e.TraceID + "]"
	}
	if errors.Is(e.Err, ErrToken) {
		msg += "; the access token needs renewing"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Uncertain reports that Meta may have accepted the message although no
// answer was read (timeout, connection closed, unreadable 2xx): sending it
// again may send a second message.
func (e *Error) Uncertain() bool { return e.uncertain }

// RateLimited reports one of Meta's rate limits: application calls (4),
// business account (80007), throughput (130429), spam (131048) or pair
// rate (131056), or HTTP 429.
func (e *Error) RateLimited() bool {
	switch e.Code {
	case codeTooManyCalls, codeBUCRateLimit, codeThroughput, codeSpamRate, codePairRate:
		return true
	}
	return e.Status == http.StatusTooManyRequests
}

// WindowClosed reports 131047: the person has not written in the last 24
// hours, so only a template can reach them.
func (e *Error) WindowClosed() bool { return e.Code == codeReEngagement }

func (e *Error) token() bool {
	return e.Code == 0 && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden) ||
		e.Code == 190 || e.Code == 10 || (e.Code >= 200 && e.Code <= 299)
}

// permanent sorts a failure: Meta-side trouble and rate limits are worth
// another try; refusals of the message, the recipient, the template or the
// token are not.
func (e *Error) permanent() bool {
	switch {
	case e.Status == 0, e.uncertain, e.RateLimited():
		return false
	case e.Code == codeUnknownAPI, e.Code == codeService, e.Code == codeGeneric, e.Code == codeTemporary:
		return false
	case e.Code == 0 && e.Status >= 500:
		return false
	case errors.Is(e.Err, ErrToken), permanentCodes[e.Code]:
		return true
	case e.Code >= 132000 && e.Code < 133000: // template missing, paused, wrong parameters…
		return true
	}
	return e.Status < 500
}

// retryAfter reads Retry-After, or else Meta's business use case usage
// header, whose estimated_time_to_regain_access is in minutes
// (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if d := deliver.RetryAfter(h.Get("Retry-After"), now); d > 0 {
		return d
	}
	var usage map[string][]struct {
		Minutes int64 `json:"estimated_time_to_regain_access"`
	}
	if json.Unmarshal([]byte(h.Get("X-Business-Use-Case-Usage")), &usage) != nil {
		return 0
	}
	var m int64
	for _, uses := range usage {
		for _, u := range uses {
			m = max(m, u.Minutes)
		}
	}
	return time.Duration(min(m, int64(deliver.MaxRetryAfter/time.Minute))) * time.Minute
}
