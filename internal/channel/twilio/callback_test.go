package twilio

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// The vectors published with Twilio's helper libraries (twilio-python's
// tests/unit/test_request_validator.py and the other SDKs): auth token
// 12345, this URL, these parameters.
const (
	vectorToken = "12345"
	vectorURL   = "https://mycompany.com/myapp.php?foo=1&bar=2"
)

func vectorForm() url.Values {
	return url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"}, "From": {"+14158675309"}, "To": {"+18005551212"}}
}

func TestValidateSignature(t *testing.T) {
	repeated := url.Values{"Sid": {"CA123"}, "SidAccount": {"AC123"}, "Digits": {"5678", "1234", "1234"}}
	tests := []struct {
		name, token, url string
		form             url.Values
		sig              string
		want             bool
	}{
		{"published vector", vectorToken, vectorURL, vectorForm(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", true},
		{"repeated values are sorted and deduplicated", vectorToken, vectorURL, repeated, "IK+Dwps556ElfBT0I3Rgjkr1wJU=", true},
		{"default port written out", vectorToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", vectorForm(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", true},
		{"another port", vectorToken, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", vectorForm(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false},
		{"other query", vectorToken, vectorURL + "&extra=1", vectorForm(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false},
		{"other token", "54321", vectorURL, vectorForm(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false},
		{"extra parameter", vectorToken, vectorURL, url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"}, "From": {"+14158675309"}, "To": {"+18005551212"}, "Body": {"x"}}, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false},
		{"empty signature", vectorToken, vectorURL, vectorForm(), "", false},
		{"empty token", "", vectorURL, vectorForm(), Signature("", vectorURL, vectorForm()), false},
	}
	for _, tt := range tests {
		if got := ValidateSignature(tt.token, tt.url, tt.form, tt.sig); got != tt.want {
			t.Errorf("%s: ValidateSignature = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := ValidateSignature(vectorToken, "https://mycompany.com/myapp.php?foo=1&bar=2", vectorForm(), Signature(vectorToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", vectorForm())); !got {
		t.Error("a signature over the URL with :443 is not accepted for the URL without it")
	}
}

// TestCallbacksFromTheDouble receives a status callback and a STOP the way
// a Vigie endpoint would: parse the form, check the signature against the
// public URL.
func TestCallbacksFromTheDouble(t *testing.T) {
	type got struct {
		valid bool
		form  url.Values
	}
	calls := make(chan got, 4)
	var public string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		calls <- got{ValidateSignature(token, public+r.URL.RequestURI(), r.PostForm, r.Header.Get("X-Twilio-Signature")), r.PostForm}
	}))
	t.Cleanup(hook.Close)
	public = hook.URL
	srv, s := start(t, Options{StatusCallback: hook.URL + "/twilio/status?d=42"})
	r := sendOne(t, s, deliverItem("+33612345678", "Retour à la normale."))
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	ctx := context.Background()
	if err := srv.Callback(ctx, r.ProviderID, "undelivered", "30003"); err != nil {
		t.Fatal(err)
	}
	c := <-calls
	sid, status, code := ParseStatusCallback(c.form)
	if !c.valid || sid != r.ProviderID || status != "undelivered" || code != "30003" {
		t.Errorf("status callback: valid %v, %s %s %s", c.valid, sid, status, code)
	}
	if err := srv.Inbound(ctx, hook.URL+"/twilio/inbound", "+33612345678", "+33600001234", "Stop"); err != nil {
		t.Fatal(err)
	}
	c = <-calls
	in := ParseInbound(c.form)
	if !c.valid || !in.OptOut || in.OptIn || in.From != "+33612345678" || in.Body != "Stop" {
		t.Errorf("inbound STOP: valid %v, %+v", c.valid, in)
	}
	// A forged callback: right form, signature for another URL.
	forged := url.Values{"MessageSid": {r.ProviderID}, "MessageStatus": {"delivered"}}
	if ValidateSignature(token, hook.URL+"/twilio/status?d=42", forged, Signature(token, hook.URL+"/elsewhere", forged)) {
		t.Error("forged callback accepted")
	}
}

func TestParseInbound(t *testing.T) {
	tests := []struct {
		form        url.Values
		out, in     bool
		description string
	}{
		{url.Values{"Body": {" stop "}}, true, false, "keyword, any case"},
		{url.Values{"Body": {"ARRÊT"}}, true, false, "French"},
		{url.Values{"Body": {"UNSUBSCRIBE."}}, true, false, "trailing full stop"},
		{url.Values{"Body": {"Please stop sending"}}, false, false, "a sentence is not a keyword"},
		{url.Values{"Body": {"start"}}, false, true, "opt back in"},
		{url.Values{"Body": {"arrête"}, "OptOutType": {"STOP"}}, true, false, "Twilio's verdict wins"},
		{url.Values{"Body": {"STOP"}, "OptOutType": {"HELP"}}, false, false, "HELP is neither"},
	}
	for _, tt := range tests {
		got := ParseInbound(tt.form)
		if got.OptOut != tt.out || got.OptIn != tt.in {
			t.Errorf("%s: %+v", tt.description, got)
		}
	}
	sid, status, code := ParseStatusCallback(url.Values{"SmsSid": {"SM1"}, "SmsStatus": {"sent"}})
	if sid != "SM1" || status != "sent" || code != "" {
		t.Errorf("legacy fields: %s %s %s", sid, status, code)
	}
}
