package auth

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSessionCookieTampering(t *testing.T) {
	s := NewSessions([]byte(strings.Repeat("x", 32)), false, time.Now)
	rec := httptest.NewRecorder()
	s.Issue(rec, 42)
	cookie := rec.Result().Cookies()[0]
	req := httptest.NewRequest("GET", "/admin/", nil)
	req.AddCookie(cookie)
	if got := s.UserID(req); got != 42 {
		t.Fatalf("valid cookie: user %d", got)
	}
	forged := *cookie
	forged.Value = strings.Replace(cookie.Value, "42.", "1.", 1)
	req = httptest.NewRequest("GET", "/admin/", nil)
	req.AddCookie(&forged)
	if got := s.UserID(req); got != 0 {
		t.Fatalf("forged cookie accepted as user %d", got)
	}
	s.now = func() time.Time { return time.Now().Add(sessionTTL + time.Minute) }
	req = httptest.NewRequest("GET", "/admin/", nil)
	req.AddCookie(cookie)
	if got := s.UserID(req); got != 0 {
		t.Fatal("expired cookie accepted")
	}
}
