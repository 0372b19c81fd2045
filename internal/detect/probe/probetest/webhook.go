package probetest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// StatusUpdate is one entry of a webhook's statuses array.
type StatusUpdate struct {
	ID          string
	Status      string
	RecipientID string
	Timestamp   time.Time
	// ErrorCode and ErrorTitle fill errors[0] when ErrorCode is not zero.
	ErrorCode  int
	ErrorTitle string
}

// StatusPayload builds a messages webhook body in Meta's shape:
// entry[].changes[].value.statuses[].
func StatusPayload(phoneNumberID string, updates ...StatusUpdate) []byte {
	statuses := make([]map[string]any, 0, len(updates))
	for _, u := range updates {
		s := map[string]any{
			"id":           u.ID,
			"status":       u.Status,
			"timestamp":    strconv.FormatInt(u.Timestamp.Unix(), 10),
			"recipient_id": u.RecipientID,
		}
		if u.ErrorCode != 0 {
			s["errors"] = []map[string]any{{
				"code":       u.ErrorCode,
				"title":      u.ErrorTitle,
				"message":    u.ErrorTitle,
				"error_data": map[string]string{"details": u.ErrorTitle},
			}}
		}
		statuses = append(statuses, s)
	}
	body, _ := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []map[string]any{{
			"id": "waba-probetest",
			"changes": []map[string]any{{
				"field": "messages",
				"value": map[string]any{
					"messaging_product": "whatsapp",
					"metadata":          map[string]string{"display_phone_number": "15550000000", "phone_number_id": phoneNumberID},
					"statuses":          statuses,
				},
			}},
		}},
	})
	return body
}

// Sign computes X-Hub-Signature-256 as Meta does. It is written apart from
// the probe package's verifier on purpose: a shared helper would hide a
// bug in both.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
