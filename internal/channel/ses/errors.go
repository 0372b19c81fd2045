package ses

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrAccount says SES refused the account or its configuration rather
// than the recipient: credentials, a suspended or paused account, an
// unverified sender, a missing configuration set, template or IP pool. It
// is not permanent: fixing the configuration, or the fallback provider,
// can still deliver the message.
var ErrAccount = errors.New("ses: the account cannot send this message")

// Error is a failed request or a failed entry of a bulk request: SES's
// error code (TooManyRequestsException) or entry status (ACCOUNT_THROTTLED)
// and message, or a transport error when Status is 0.
type Error struct {
	// Op is the API operation (SendBulkEmail, CreateEmailTemplate…).
	Op string
	// Status is the HTTP status (200 for a failed entry of an accepted
	// request, 0 when no answer was read).
	Status  int
	Code    string
	Message string
	Err     error
	// uncertain: the request was written and no usable answer was read.
	uncertain  bool
	permanent  bool
	retryAfter time.Duration
}

func (e *Error) Error() string {
	msg := "ses: " + e.Op
	switch {
	case e.Status == 0 && e.Err != nil:
		return msg + ": " + e.Err.Error()
	case e.Status != 200:
		msg += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Uncertain reports that SES may have accepted the message although no
// answer was read (timeout, connection closed, unreadable 2xx): sending it
// again may send a second e-mail.
func (e *Error) Uncertain() bool { return e.uncertain }

// Permanent reports that sending the same request again cannot succeed.
func (e *Error) Permanent() bool { return e.permanent }

// requestErrors classify SES v2's whole-request errors
// (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendBulkEmail.html#API_SendBulkEmail_Errors
// and CommonErrors): true for the permanent ones, false for the account
// ones. Others are retryable.
var requestErrors = map[string]bool{
	"BadRequestException":    true, // the request itself is invalid
	"MessageRejected":        true, // the content is refused (virus…)
	"SerializationException": true,
	"ValidationException":    true,

	"AccountSuspendedException":           false,
	"SendingPausedException":              false,
	"MailFromDomainNotVerifiedException":  false,
	"NotFoundException":                   false, // configuration set or template
	"AccessDeniedException":               false,
	"UnrecognizedClientException":         false,
	"InvalidSignatureException":           false,
	"SignatureDoesNotMatch":               false,
	"IncompleteSignatureException":        false,
	"InvalidClientTokenId":                false,
	"ExpiredTokenException":               false,
	"MissingAuthenticationTokenException": false,
}

// entryStatuses classify BulkEmailEntryResult.Status
// (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_BulkEmailEntryResult.html):
// true for permanent, false for account problems. Others (ACCOUNT_THROTTLED,
// ACCOUNT_DAILY_QUOTA_EXCEEDED, TRANSIENT_FAILURE, FAILED, unknown values)
// are retryable. The documentation and the service model spell some
// values differently (…_DOES_NOT_EXIST, …_NOT_FOUND, INVALID_PARAMETER…):
// both are listed.
var entryStatuses = map[string]bool{
	"MESSAGE_REJECTED":        true,
	"INVALID_PARAMETER":       true,
	"INVALID_PARAMETER_VALUE": true,

	"MAIL_FROM_DOMAIN_NOT_VERIFIED":    false,
	"CONFIGURATION_SET_DOES_NOT_EXIST": false,
	"CONFIGURATION_SET_NOT_FOUND":      false,
	"TEMPLATE_DOES_NOT_EXIST":          false,
	"TEMPLATE_NOT_FOUND":               false,
	"ACCOUNT_SUSPENDED":                false,
	"INVALID_SENDING_POOL_NAME":        false,
	"ACCOUNT_SENDING_PAUSED":           false,
	"CONFIGURATION_SET_SENDING_PAUSED": false,
}

// requestError builds the Error of a non-2xx answer.
func requestError(op string, status int, code, message string, retryAfter time.Duration) *Error {
	e := &Error{Op: op, Status: status, Code: code, Message: message, retryAfter: retryAfter}
	permanent, known := requestErrors[code]
	switch {
	case known && !permanent, status == 401, status == 403, status == 404:
		e.Err = ErrAccount
	case known:
		e.permanent = true
	case status == 429, status >= 500, strings.Contains(code, "Throttl"), strings.Contains(code, "LimitExceeded"), strings.Contains(code, "TooManyRequests"):
	case status >= 400:
		e.permanent = true
	}
	return e
}

// entryError builds the Error of a failed entry.
func entryError(status, message string) *Error {
	e := &Error{Op: "SendBulkEmail", Status: 200, Code: status, Message: message}
	if permanent, known := entryStatuses[status]; known {
		if permanent {
			e.permanent = true
		} else {
			e.Err = ErrAccount
		}
	}
	return e
}

// templateMissing reports an error saying the stored template is gone.
func templateMissing(e *Error) bool {
	return e.Code == "NotFoundException" || strings.HasPrefix(e.Code, "TEMPLATE_")
}
