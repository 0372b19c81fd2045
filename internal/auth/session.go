// Package auth authenticates console and API requests: signed session
// cookies, double-submit CSRF tokens, API tokens, and rate limits for
// sign-in and public endpoints.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	sessionCookie = "vigie_session"
	csrfCookie    = "vigie_csrf"
	sessionTTL    = 12 * time.Hour
)

// Sessions issues and verifies signed session cookies: "userID.expiry.mac".
// Nothing is stored server-side; the secret key signs them.
type Sessions struct {
	key    []byte
	secure bool
	now    func() time.Time
}

// NewSessions returns a Sessions signing with key; secure sets the Secure
// attribute on cookies (when the public URL is https).
func NewSessions(key []byte, secure bool, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{key: key, secure: secure, now: now}
}

func (s *Sessions) mac(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("session:" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Issue sets the session cookie for userID.
func (s *Sessions) Issue(w http.ResponseWriter, userID int64) {
	payload := fmt.Sprintf("%d.%d", userID, s.now().Add(sessionTTL).Unix())
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: payload + "." + s.mac(payload), Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(sessionTTL.Seconds())})
}

// Clear removes the session cookie.
func (s *Sessions) Clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure, MaxAge: -1})
}

// UserID returns the signed-in user id, or 0.
func (s *Sessions) UserID(r *http.Request) int64 {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(c.Value, '.')
	if i < 0 {
		return 0
	}
	payload, mac := c.Value[:i], c.Value[i+1:]
	if subtle.ConstantTimeCompare([]byte(mac), []byte(s.mac(payload))) != 1 {
		return 0
	}
	idStr, expStr, ok := strings.Cut(payload, ".")
	if !ok {
		return 0
	}
	exp, err := strconv.ParseInt(expStr, 10, 64)
	if err != nil || s.now().Unix() > exp {
		return 0
	}
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil {
		return 0
	}
	return id
}

// CSRFToken returns the double-submit token of the request, setting the
// cookie when absent. Cross-origin POSTs are also refused by
// http.CrossOriginProtection (Sec-Fetch-Site / Origin checks).
func (s *Sessions) CSRFToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	tok := base64.RawURLEncoding.EncodeToString(raw)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	return tok
}

// CheckCSRF reports whether the form's csrf field matches the cookie.
func (s *Sessions) CheckCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) < 32 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) == 1
}

// Limiter is a fixed-window counter per key, bounded in size.
type Limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	hits   map[string]*window
}

type window struct {
	start time.Time
	n     int
}

const limiterMaxKeys = 10000

// NewLimiter allows max hits per key in each window of length per.
func NewLimiter(max int, per time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{max: max, window: per, now: now, hits: map[string]*window{}}
}

// Allow counts one hit for key and reports whether it is within the limit.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.hits[key]
	if w == nil || now.Sub(w.start) >= l.window {
		if len(l.hits) >= limiterMaxKeys {
			for k, v := range l.hits {
				if now.Sub(v.start) >= l.window {
					delete(l.hits, k)
				}
			}
			if len(l.hits) >= limiterMaxKeys {
				return false
			}
		}
		w = &window{start: now}
		l.hits[key] = w
	}
	w.n++
	return w.n <= l.max
}
