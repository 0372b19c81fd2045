package probe

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// MetaError is the Graph API error object returned by the Cloud API.
type MetaError struct {
	Message      string `json:"message"`
	Type         string `json:"type"`
	Code         int    `json:"code"`
	ErrorSubcode int    `json:"error_subcode"`
	FBTraceID    string `json:"fbtrace_id"`
	ErrorData    struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

// Error describes the Meta error for logs and result details.
func (e *MetaError) Error() string {
	s := fmt.Sprintf("meta error %d", e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.ErrorData.Details != "" {
		s += " (" + e.ErrorData.Details + ")"
	}
	if e.FBTraceID != "" {
		s += " fbtrace_id=" + e.FBTraceID
	}
	return s
}

// parseMetaError reads {"error":{...}}; nil when the body holds none.
func parseMetaError(body []byte) *MetaError {
	var env struct {
		Error *MetaError `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil {
		return nil
	}
	return env.Error
}

// ClassifyMetaCode maps a Cloud API error code to a Class, or ClassNone
// when the code is not one we rely on. The code wins over the HTTP status:
// Meta returns code 3 (a permission problem) with HTTP 500.
func ClassifyMetaCode(code int) Class {
	switch code {
	case 1, 2, 131000, 131016:
		return ClassMetaOutage
	case 4, 80007, 130429, 131048, 131056:
		return ClassRateLimited
	case 0, 3, 10, 100, 190, 368, 131031:
		return ClassConfig
	}
	if code >= 200 && code <= 299 {
		return ClassConfig
	}
	return ClassNone
}

// classifyMeta classifies a non-2xx Cloud API answer.
func classifyMeta(status int, e *MetaError) Class {
	if e != nil {
		if c := ClassifyMetaCode(e.Code); c != ClassNone {
			return c
		}
	}
	switch {
	case status >= 500:
		return ClassMetaOutage
	case status == http.StatusTooManyRequests:
		return ClassRateLimited
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ClassConfig
	case status >= 400:
		return ClassHTTP4xx
	}
	return ClassBadResponse
}

// metaDetail describes a failed Cloud API call.
func metaDetail(what string, status int, e *MetaError) string {
	if e == nil {
		return fmt.Sprintf("%s: HTTP %d", what, status)
	}
	return fmt.Sprintf("%s: HTTP %d: %s", what, status, e.Error())
}
