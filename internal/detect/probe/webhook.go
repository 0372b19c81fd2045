package probe

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultWebhookMaxBody bounds a webhook POST body; Meta batches are far
// smaller.
const DefaultWebhookMaxBody = 1 << 20

// Webhook receives Meta's messages webhook: it answers the subscription
// check (GET) and, on POST, verifies X-Hub-Signature-256 before feeding
// message statuses to its observers (canary tracker, traffic window).
type Webhook struct {
	// VerifyToken is the token typed in Meta's app dashboard.
	VerifyToken string
	// AppSecret signs every POST; an empty secret rejects every POST.
	AppSecret string
	Observers []StatusObserver
	// MaxBody defaults to DefaultWebhookMaxBody.
	MaxBody int64
	Logger  *slog.Logger
}

var _ http.Handler = (*Webhook)(nil)

// ServeHTTP answers GET verification and POST notifications.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		w.verify(rw, r)
	case http.MethodPost:
		w.receive(rw, r)
	default:
		rw.Header().Set("Allow", "GET, POST")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (w *Webhook) logger() *slog.Logger {
	if w.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Logger
}

func (w *Webhook) verify(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || w.VerifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(w.VerifyToken)) != 1 {
		w.logger().Warn("webhook verification refused", "mode", q.Get("hub.mode"))
		http.Error(rw, "verification failed", http.StatusForbidden)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(rw, q.Get("hub.challenge"))
}

func (w *Webhook) receive(rw http.ResponseWriter, r *http.Request) {
	limit := w.MaxBody
	if limit <= 0 {
		limit = DefaultWebhookMaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(rw, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(rw, "read body", http.StatusBadRequest)
		return
	}
	sig := r.Header.Get("X-Hub-Signature-256")
	if sig == "" {
		w.logger().Warn("webhook post without signature", "remote_addr", r.RemoteAddr)
		http.Error(rw, "missing signature", http.StatusUnauthorized)
		return
	}
	if w.AppSecret == "" || !ValidSignature(w.AppSecret, body, sig) {
		w.logger().Warn("webhook post with bad signature", "remote_addr", r.RemoteAddr)
		http.Error(rw, "bad signature", http.StatusForbidden)
		return
	}
	statuses, err := ParseStatuses(body)
	if err != nil {
		w.logger().Warn("webhook post unreadable", "err", err)
		http.Error(rw, "bad payload", http.StatusBadRequest)
		return
	}
	for _, s := range statuses {
		for _, o := range w.Observers {
			o.Observe(s)
		}
	}
	rw.WriteHeader(http.StatusOK)
}

// Sign returns the X-Hub-Signature-256 value of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// ValidSignature reports whether header is the signature of body, compared
// in constant time.
func ValidSignature(secret string, body []byte, header string) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

type webhookPayload struct {
	Entry []struct {
		Changes []struct {
			Value struct {
				Statuses []struct {
					ID          string `json:"id"`
					Status      string `json:"status"`
					Timestamp   string `json:"timestamp"`
					RecipientID string `json:"recipient_id"`
					Errors      []struct {
						Code      int    `json:"code"`
						Title     string `json:"title"`
						Message   string `json:"message"`
						ErrorData struct {
							Details string `json:"details"`
						} `json:"error_data"`
					} `json:"errors"`
				} `json:"statuses"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// ParseStatuses extracts entry[].changes[].value.statuses[] from a
// messages webhook body; other notifications yield no status.
func ParseStatuses(body []byte) ([]Status, error) {
	var p webhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("probe: parse webhook: %w", err)
	}
	var out []Status
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			for _, s := range c.Value.Statuses {
				st := Status{ID: s.ID, Status: s.Status, RecipientID: s.RecipientID}
				if sec, err := strconv.ParseInt(s.Timestamp, 10, 64); err == nil {
					st.Timestamp = time.Unix(sec, 0)
				}
				for _, er := range s.Errors {
					st.Errors = append(st.Errors, StatusError{Code: er.Code, Title: er.Title,
						Message: er.Message, Details: er.ErrorData.Details})
				}
				out = append(out, st)
			}
		}
	}
	return out, nil
}
