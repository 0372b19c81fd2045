package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

const flashCookie = "vigie_flash"

// flash is a one-time message shown on the page after a redirect: what an
// action did, or why it was refused.
type flash struct {
	Kind string `json:"k"` // "ok" or "error"
	Text string `json:"t"`
}

// setFlash stores f in a short-lived cookie signed with a per-process key
// (a flash lost on restart is harmless; a forged one is not shown).
func (c *Console) setFlash(w http.ResponseWriter, f flash) {
	if f.Text == "" {
		return
	}
	if len(f.Text) > 1500 {
		f.Text = f.Text[:1500] + "…"
	}
	raw, _ := json.Marshal(f)
	val := base64.RawURLEncoding.EncodeToString(raw)
	val += "." + c.flashMAC(val)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: val, Path: "/admin/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// takeFlash returns the pending flash message and clears it.
func (c *Console) takeFlash(w http.ResponseWriter, r *http.Request) flash {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return flash{}
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/admin/", HttpOnly: true, MaxAge: -1})
	val, mac, ok := strings.Cut(ck.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(c.flashMAC(val))) {
		return flash{}
	}
	raw, err := base64.RawURLEncoding.DecodeString(val)
	if err != nil {
		return flash{}
	}
	var f flash
	if json.Unmarshal(raw, &f) != nil || (f.Kind != "ok" && f.Kind != "error") {
		return flash{}
	}
	return f
}

func (c *Console) flashMAC(val string) string {
	m := hmac.New(sha256.New, c.flashKey)
	m.Write([]byte("flash:" + val))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}
