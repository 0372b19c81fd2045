package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// Signature computes the X-Twilio-Signature of a request Twilio posts:
// base64(HMAC-SHA1(authToken, fullURL + each form key followed by its
// value, keys in byte order, a key's distinct values in byte order)).
// fullURL is the URL as configured at Twilio, query string included.
func Signature(authToken, fullURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range slices.Sorted(maps.Keys(form)) {
		for _, v := range slices.Compact(slices.Sorted(slices.Values(form[k]))) {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// ValidateSignature reports whether signature (the X-Twilio-Signature
// header) matches a request to fullURL with the posted form. fullURL must
// be the public URL Twilio called (scheme, host, path and query as
// configured), not one rebuilt from a proxy's view. As Twilio's own
// libraries do, the URL is also tried with its default port written out or
// left off, since Twilio signs either form.
func ValidateSignature(authToken, fullURL string, form url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	for _, u := range portVariants(fullURL) {
		if hmac.Equal([]byte(Signature(authToken, u, form)), []byte(signature)) {
			return true
		}
	}
	return false
}

// portVariants returns rawURL, and the same URL with the scheme's default
// port added when it has none or removed when it has it.
func portVariants(rawURL string) []string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return []string{rawURL}
	}
	def := map[string]string{"http": "80", "https": "443"}[u.Scheme]
	if def == "" {
		return []string{rawURL}
	}
	host := u.Host
	if i := strings.Index(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	var other string
	switch u.Port() {
	case "":
		other = host + ":" + def
	case def:
		other = strings.TrimSuffix(host, ":"+def)
	default:
		return []string{rawURL}
	}
	return []string{rawURL, strings.Replace(rawURL, "//"+host, "//"+other, 1)}
}

// ParseStatusCallback reads a status callback's form: the message SID, its
// status (queued, sending, sent, delivered, undelivered, failed, read…) and
// Twilio's error code when the message failed (empty otherwise).
func ParseStatusCallback(form url.Values) (sid, status, errorCode string) {
	sid, status = form.Get("MessageSid"), form.Get("MessageStatus")
	if sid == "" {
		sid = form.Get("SmsSid")
	}
	if status == "" {
		status = form.Get("SmsStatus")
	}
	return sid, status, form.Get("ErrorCode")
}

// Inbound is an SMS a person sent to one of the account's numbers.
type Inbound struct {
	MessageSID string
	From       string
	To         string
	Body       string
	// OptOut is set when the message is an opt-out keyword (STOP…), and
	// OptIn when it is an opt-in keyword (START…). Twilio then blocks or
	// unblocks the number on its side; Vigie records the consent change.
	OptOut bool
	OptIn  bool
}

// Keywords as Twilio's default opt-out handling recognises them (the whole
// message, any case), plus the French ARRET.
var (
	optOutWords = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE", "ARRET", "ARRÊT"}
	optInWords  = []string{"START", "YES", "UNSTOP"}
)

// ParseInbound reads an incoming-message webhook's form. Twilio's
// OptOutType field (STOP, START), present when Advanced Opt-Out is on, wins
// over keyword matching.
func ParseInbound(form url.Values) Inbound {
	in := Inbound{MessageSID: form.Get("MessageSid"), From: form.Get("From"), To: form.Get("To"), Body: form.Get("Body")}
	word := strings.ToUpper(strings.Trim(strings.TrimSpace(in.Body), ".!"))
	switch strings.ToUpper(form.Get("OptOutType")) {
	case "STOP":
		in.OptOut = true
	case "START":
		in.OptIn = true
	case "":
		in.OptOut = slices.Contains(optOutWords, word)
		in.OptIn = slices.Contains(optInWords, word)
	}
	return in
}
