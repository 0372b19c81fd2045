package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a request's timestamp may be from the
// receiver's clock when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// Verification errors.
var (
	ErrTimestamp = errors.New("webhook: timestamp missing, unreadable or outside the tolerance")
	ErrSignature = errors.New("webhook: no valid v1 signature")
)

// Sign returns the X-Vigie-Signature value for a request: "v1=" followed by
// the hex HMAC-SHA256, keyed by secret, of timestamp + "." + body.
func Sign(secret []byte, timestamp string, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a webhook request as a receiver: timestamp and signature
// are the X-Vigie-Timestamp and X-Vigie-Signature headers, body the raw
// request body. The timestamp must be within tolerance of now
// (DefaultTolerance when tolerance is not positive), which stops an old
// request from being replayed. The signature header may hold several
// comma-separated "v1=" values, so that a secret can be rotated; one
// matching value is enough.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return ErrTimestamp
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > tolerance || skew < -tolerance {
		return fmt.Errorf("%w: %s away from now", ErrTimestamp, skew.Round(time.Second))
	}
	want := mac(secret, strings.TrimSpace(timestamp), body)
	for part := range strings.SplitSeq(signature, ",") {
		v, ok := strings.CutPrefix(strings.TrimSpace(part), "v1=")
		if !ok {
			continue
		}
		if got, err := hex.DecodeString(v); err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrSignature
}
