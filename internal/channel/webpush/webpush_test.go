package webpush

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/hkdf"

	"github.com/vigie-hq/vigie/internal/channel/webhook"
	"github.com/vigie-hq/vigie/internal/deliver"
)

// RFC 8291 section 5.
const (
	rfcUAPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
	rfcUAPublic  = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcAuth      = "BTBZMqHH6r4Tts7J_aSIgg"
	rfcASPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
	rfcASPublic  = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcSalt      = "DGv6ra1nlYgDCS1FRnbzlw"
	rfcPlaintext = "When I grow up, I want to be a watermelon"
	rfcBody      = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := b64.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncryptRFC8291Example(t *testing.T) {
	as, err := ecdh.P256().NewPrivateKey(mustB64(t, rfcASPrivate))
	if err != nil {
		t.Fatal(err)
	}
	if got := b64.EncodeToString(as.PublicKey().Bytes()); got != rfcASPublic {
		t.Fatalf("AS public key = %s", got)
	}
	sub := Subscription{Endpoint: "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV", P256DH: rfcUAPublic, Auth: rfcAuth}
	got, err := encrypt(sub, []byte(rfcPlaintext), mustB64(t, rfcSalt), as)
	if err != nil {
		t.Fatal(err)
	}
	if b64.EncodeToString(got) != rfcBody {
		t.Fatalf("body =\n%s\nwant\n%s", b64.EncodeToString(got), rfcBody)
	}
	ua := testUA{priv: mustECDH(t, rfcUAPrivate), auth: mustB64(t, rfcAuth)}
	if plain, err := ua.decrypt(got); err != nil || string(plain) != rfcPlaintext {
		t.Errorf("UA decrypt = %q, %v", plain, err)
	}
}

func mustECDH(t *testing.T, s string) *ecdh.PrivateKey {
	t.Helper()
	k, err := ecdh.P256().NewPrivateKey(mustB64(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestEncryptSizes(t *testing.T) {
	ua := newUA(t)
	sub := ua.subscription("https://push.example/x")
	body, err := Encrypt(sub, bytes.Repeat([]byte("a"), MaxPayload))
	if err != nil || len(body) != 4096 {
		t.Fatalf("largest payload: %d bytes, %v", len(body), err)
	}
	if plain, err := ua.decrypt(body); err != nil || len(plain) != MaxPayload {
		t.Errorf("decrypt largest: %d bytes, %v", len(plain), err)
	}
	if _, err := Encrypt(sub, make([]byte, MaxPayload+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized payload: %v", err)
	}
	a, _ := Encrypt(sub, []byte("x"))
	b, _ := Encrypt(sub, []byte("x"))
	if bytes.Equal(a[:headerLen], b[:headerLen]) {
		t.Error("salt and server key are reused between messages")
	}
}

func TestGenerateVAPIDKeys(t *testing.T) {
	pub, priv, err := GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	if p, q := mustB64(t, pub), mustB64(t, priv); len(p) != 65 || p[0] != 4 || len(q) != 32 {
		t.Fatalf("key lengths %d, %d", len(p), len(q))
	}
	if _, err := New(Options{PublicKey: pub, PrivateKey: priv, Subject: "mailto:ops@example.org"}); err != nil {
		t.Errorf("New with generated keys: %v", err)
	}
	other, _, _ := GenerateVAPIDKeys()
	for name, o := range map[string]Options{
		"mismatched public key": {PublicKey: other, PrivateKey: priv, Subject: "mailto:ops@example.org"},
		"short private key":     {PrivateKey: priv[:20], Subject: "mailto:ops@example.org"},
		"no private key":        {Subject: "mailto:ops@example.org"},
		"no subject":            {PrivateKey: priv},
		"bare address subject":  {PrivateKey: priv, Subject: "ops@example.org"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

func TestParseSubscription(t *testing.T) {
	ua := newUA(t)
	key, auth := b64.EncodeToString(ua.priv.PublicKey().Bytes()), b64.EncodeToString(ua.auth)
	js := func(endpoint, key, auth string) string {
		return fmt.Sprintf(`{"endpoint":%q,"expirationTime":null,"keys":{"p256dh":%q,"auth":%q}}`, endpoint, key, auth)
	}
	good := js("https://fcm.googleapis.com/fcm/send/abc:def", key, auth)
	sub, err := ParseSubscription(good)
	if err != nil || sub.Endpoint != "https://fcm.googleapis.com/fcm/send/abc:def" || sub.P256DH != key || sub.Auth != auth {
		t.Fatalf("ParseSubscription = %+v, %v", sub, err)
	}
	if _, err := ParseSubscription(js("https://push.example/x", key+"=", auth+"==")); err != nil {
		t.Errorf("padded keys: %v", err)
	}
	notOnCurve := append([]byte{4}, bytes.Repeat([]byte{1}, 64)...)
	for name, raw := range map[string]string{
		"http endpoint":     js("http://push.example/x", key, auth),
		"no endpoint":       js("", key, auth),
		"relative endpoint": js("/push/x", key, auth),
		"other scheme":      js("ftp://push.example/x", key, auth),
		"user info":         js("https://u:p@push.example/x", key, auth),
		"compressed key":    js("https://push.example/x", b64.EncodeToString(ua.priv.PublicKey().Bytes()[:33]), auth),
		"key not on curve":  js("https://push.example/x", b64.EncodeToString(notOnCurve), auth),
		"short auth":        js("https://push.example/x", key, auth[:10]),
		"long auth":         js("https://push.example/x", key, b64.EncodeToString(make([]byte, 32))),
		"no keys":           `{"endpoint":"https://push.example/x"}`,
		"not base64":        js("https://push.example/x", "!!!", auth),
		"not JSON":          "https://push.example/x",
	} {
		if _, err := ParseSubscription(raw); err == nil {
			t.Errorf("%s: accepted %s", name, raw)
		}
	}
	if _, err := parseSubscription(js("http://127.0.0.1:8080/x", key, auth), true); err != nil {
		t.Errorf("http with AllowHTTP: %v", err)
	}
}

// testUA is the browser's side: its key pair and auth secret.
type testUA struct {
	priv *ecdh.PrivateKey
	auth []byte
}

func newUA(t *testing.T) testUA {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return testUA{priv: k, auth: auth}
}

func (u testUA) subscription(endpoint string) Subscription {
	return Subscription{Endpoint: endpoint, P256DH: b64.EncodeToString(u.priv.PublicKey().Bytes()), Auth: b64.EncodeToString(u.auth)}
}

func (u testUA) json(endpoint string) string {
	s := u.subscription(endpoint)
	return fmt.Sprintf(`{"endpoint":%q,"expirationTime":null,"keys":{"p256dh":%q,"auth":%q}}`, s.Endpoint, s.P256DH, s.Auth)
}

// decrypt undoes the aes128gcm coding as a browser does (RFC 8291
// section 3.4, RFC 8188 section 2), written apart from the package's code.
func (u testUA) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if rs != 4096 || idlen != 65 || len(body) < 21+idlen+17 {
		return nil, fmt.Errorf("header: rs %d, idlen %d", rs, idlen)
	}
	asPub, record := body[21:21+idlen], body[21+idlen:]
	if len(record) > int(rs) {
		return nil, errors.New("more than one record")
	}
	as, err := ecdh.P256().NewPublicKey(asPub)
	if err != nil {
		return nil, err
	}
	secret, err := u.priv.ECDH(as)
	if err != nil {
		return nil, err
	}
	read := func(secret, salt []byte, info string, n int) []byte {
		out := make([]byte, n)
		io.ReadFull(hkdf.New(sha256.New, secret, salt, []byte(info)), out)
		return out
	}
	ikm := read(secret, u.auth, "WebPush: info\x00"+string(u.priv.PublicKey().Bytes())+string(asPub), 32)
	cek := read(ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce := read(ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, err
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:len(plain)-1], nil
}

// pushService is a push service double: it checks the VAPID token against
// the application server key and decrypts each message for its
// subscription.
type pushService struct {
	t      *testing.T
	srv    *httptest.Server
	vapid  string // expected k=, base64url
	uas    map[string]testUA
	mu     sync.Mutex
	got    []received
	status int
	header http.Header
}

type received struct {
	Path         string
	Header       http.Header
	Notification Notification
	Claims       map[string]any
}

func startPushService(t *testing.T, vapidPub string) *pushService {
	p := &pushService{t: t, vapid: vapidPub, uas: map[string]testUA{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// subscribe makes a browser subscription on this service.
func (p *pushService) subscribe(path string) string {
	ua := newUA(p.t)
	p.mu.Lock()
	p.uas[path] = ua
	p.mu.Unlock()
	return ua.json(p.srv.URL + path)
}

func (p *pushService) fail(status int, h http.Header) {
	p.mu.Lock()
	p.status, p.header = status, h
	p.mu.Unlock()
}

func (p *pushService) received() []received {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]received(nil), p.got...)
}

func (p *pushService) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	status, header, ua, known := p.status, p.header, p.uas[r.URL.Path], p.uas[r.URL.Path].priv != nil
	p.mu.Unlock()
	if status != 0 {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, `{"reason":"scripted"}`)
		return
	}
	if !known {
		http.Error(w, "no such subscription", http.StatusGone)
		return
	}
	claims, err := p.checkVAPID(r.Header.Get("Authorization"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" {
		http.Error(w, "bad headers", http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	plain, err := ua.decrypt(body)
	if err != nil {
		http.Error(w, "decrypt: "+err.Error(), http.StatusBadRequest)
		return
	}
	var n Notification
	if err := json.Unmarshal(plain, &n); err != nil {
		http.Error(w, "notification: "+err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.got = append(p.got, received{Path: r.URL.Path, Header: r.Header.Clone(), Notification: n, Claims: claims})
	id := len(p.got)
	p.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("%s/m/%d", p.srv.URL, id))
	w.WriteHeader(http.StatusCreated)
}

// checkVAPID verifies "vapid t=<JWT>, k=<key>" as RFC 8292 section 3.
func (p *pushService) checkVAPID(h string) (map[string]any, error) {
	rest, ok := strings.CutPrefix(h, "vapid ")
	if !ok {
		return nil, errors.New("not a vapid authorization")
	}
	params := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		params[k] = v
	}
	if params["k"] != p.vapid {
		return nil, errors.New("unexpected application server key")
	}
	keyBytes, _ := b64.DecodeString(params["k"])
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), keyBytes)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(params["t"], ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWT")
	}
	var hdr map[string]any
	hb, _ := b64.DecodeString(parts[0])
	if json.Unmarshal(hb, &hdr) != nil || hdr["alg"] != "ES256" {
		return nil, errors.New("not ES256")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, errors.New("signature is not r||s")
	}
	hash := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, hash[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, errors.New("bad signature")
	}
	var claims map[string]any
	cb, _ := b64.DecodeString(parts[1])
	if err := json.Unmarshal(cb, &claims); err != nil {
		return nil, err
	}
	if claims["aud"] != p.srv.URL {
		return nil, fmt.Errorf("aud %v, want %s", claims["aud"], p.srv.URL)
	}
	exp, _ := claims["exp"].(float64)
	if d := time.Until(time.Unix(int64(exp), 0)); d <= 0 || d > 24*time.Hour {
		return nil, fmt.Errorf("exp %v is not within 24 h", exp)
	}
	return claims, nil
}

func newSender(t *testing.T, o Options) (*Sender, string) {
	t.Helper()
	pub, priv, err := GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	o.PublicKey, o.PrivateKey = pub, priv
	if o.Subject == "" {
		o.Subject = "mailto:ops@cafe-express.fr"
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s, pub
}

func sendOne(t *testing.T, s *Sender, it deliver.Item) deliver.Result {
	t.Helper()
	res := s.Send(context.Background(), []deliver.Item{it})
	if len(res) != 1 || res[0].Key != it.Key {
		t.Fatalf("results = %+v", res)
	}
	return res[0]
}

func TestSendRoundTrip(t *testing.T) {
	s, pub := newSender(t, Options{AllowHTTP: true, AllowPrivate: true, TTL: time.Hour})
	if s.Channel() != "push" || s.Provider() != "webpush" || s.MaxBatch() != 50 || s.Idempotent() || s.PublicKey() != pub {
		t.Fatalf("sender = %s/%s, batch %d, idempotent %v", s.Channel(), s.Provider(), s.MaxBatch(), s.Idempotent())
	}
	ps := startPushService(t, pub)
	items := []deliver.Item{
		{Key: "m1-r1-push", Address: ps.subscribe("/push/r1"), Lang: "fr", Subject: "Panne WhatsApp",
			Text: "WhatsApp est en panne. Commandez par SMS au 06 00 00 12 34.", Drill: true},
		{Key: "m1-r2-push", Address: ps.subscribe("/push/r2"), Lang: "en", Text: "Shop closed today\nThe shop is closed because of the flood."},
	}
	res := s.Send(context.Background(), items)
	for _, r := range res {
		if r.Err != nil || !strings.HasPrefix(r.ProviderID, ps.srv.URL+"/m/") {
			t.Fatalf("result %+v", r)
		}
	}
	got := ps.received()
	if len(got) != 2 {
		t.Fatalf("push service got %d messages", len(got))
	}
	by := map[string]received{}
	for _, g := range got {
		by[g.Path] = g
	}
	want := map[string]Notification{
		"/push/r1": {Title: "Panne WhatsApp", Body: items[0].Text, Lang: "fr", Drill: true},
		"/push/r2": {Title: "Shop closed today", Body: items[1].Text, Lang: "en"},
	}
	for path, n := range want {
		g := by[path]
		if g.Notification != n {
			t.Errorf("%s: notification %+v, want %+v", path, g.Notification, n)
		}
		h := g.Header
		if h.Get("TTL") != "3600" || h.Get("Urgency") != "high" || h.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("%s: headers %v", path, h)
		}
		if g.Claims["sub"] != "mailto:ops@cafe-express.fr" {
			t.Errorf("%s: claims %v", path, g.Claims)
		}
	}
}

func TestSendResults(t *testing.T) {
	now := time.Date(2026, 3, 14, 16, 10, 0, 0, time.UTC)
	tests := []struct {
		status     int
		retryAfter string
		permanent  bool
		gone       bool
		wantAfter  time.Duration
	}{
		{status: 404, permanent: true, gone: true},
		{status: 410, permanent: true, gone: true},
		{status: 413, permanent: true},
		{status: 400, permanent: true},
		{status: 401, permanent: true},
		{status: 403, permanent: true},
		{status: 429, retryAfter: "7", wantAfter: 7 * time.Second},
		{status: 503, retryAfter: now.Add(90 * time.Second).Format(http.TimeFormat), wantAfter: 90 * time.Second},
		{status: 500},
		{status: 502, retryAfter: "99999999999", wantAfter: 24 * time.Hour}, // bounded
	}
	s, pub := newSender(t, Options{AllowHTTP: true, AllowPrivate: true, Now: func() time.Time { return now }})
	ps := startPushService(t, pub)
	addr := ps.subscribe("/push/x")
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			ps.fail(tt.status, http.Header{"Retry-After": {tt.retryAfter}})
			r := sendOne(t, s, deliver.Item{Key: "k", Address: addr, Text: "x"})
			if r.Err == nil || r.Permanent != tt.permanent || r.RetryAfter != tt.wantAfter {
				t.Fatalf("result {err %v, permanent %v, after %s}, want permanent %v, after %s", r.Err, r.Permanent, r.RetryAfter, tt.permanent, tt.wantAfter)
			}
			var e *Error
			if !errors.As(r.Err, &e) || e.Status != tt.status || e.Gone() != tt.gone || e.Uncertain() {
				t.Fatalf("error %#v", r.Err)
			}
			if tt.gone && !strings.Contains(r.Err.Error(), "subscription expired") {
				t.Errorf("message %q does not say the subscription is gone", r.Err)
			}
		})
	}
}

func TestSendRefused(t *testing.T) {
	s, pub := newSender(t, Options{AllowHTTP: true, AllowPrivate: true})
	ps := startPushService(t, pub)
	large := deliver.Item{Key: "big", Address: ps.subscribe("/push/big"), Subject: "t", Text: strings.Repeat("é", MaxPayload/2)}
	if r := sendOne(t, s, large); !r.Permanent || !errors.Is(r.Err, ErrTooLarge) {
		t.Errorf("oversized: %+v", r)
	}
	if r := sendOne(t, s, deliver.Item{Key: "bad", Address: `{"endpoint":"` + ps.srv.URL + `/x"}`, Text: "x"}); !r.Permanent || r.Err == nil {
		t.Errorf("bad subscription: %+v", r)
	}
	strict, _ := newSender(t, Options{})
	if r := sendOne(t, strict, deliver.Item{Key: "http", Address: ps.subscribe("/push/h"), Text: "x"}); !r.Permanent || r.Err == nil {
		t.Errorf("http endpoint without AllowHTTP: %+v", r)
	}
	guarded, gpub := newSender(t, Options{AllowHTTP: true})
	gps := startPushService(t, gpub)
	if r := sendOne(t, guarded, deliver.Item{Key: "lo", Address: gps.subscribe("/push/lo"), Text: "x"}); !r.Permanent || !errors.Is(r.Err, webhook.ErrBlocked) {
		t.Errorf("loopback without AllowPrivate: %+v", r)
	}
	if n := len(ps.received()) + len(gps.received()); n != 0 {
		t.Errorf("push services got %d messages", n)
	}
}

func TestSendBatchBounded(t *testing.T) {
	var inflight, peak, hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		hits.Add(1)
		time.Sleep(20 * time.Millisecond)
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)
	s, _ := newSender(t, Options{AllowHTTP: true, AllowPrivate: true})
	ua := newUA(t)
	items := make([]deliver.Item, 50)
	for i := range items {
		items[i] = deliver.Item{Key: fmt.Sprint(i), Address: ua.json(srv.URL + "/p"), Text: "x"}
	}
	res := s.Send(context.Background(), items)
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if hits.Load() != 50 || peak.Load() < 2 || peak.Load() > parallel {
		t.Errorf("hits %d, peak concurrency %d", hits.Load(), peak.Load())
	}
}

func TestSendTimeoutUncertain(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	s, _ := newSender(t, Options{AllowHTTP: true, AllowPrivate: true, Timeout: 100 * time.Millisecond})
	r := sendOne(t, s, deliver.Item{Key: "k", Address: newUA(t).json(srv.URL + "/push/secret-capability"), Text: "x"})
	var e *Error
	if r.Err == nil || r.Permanent || !errors.As(r.Err, &e) || !e.Uncertain() {
		t.Fatalf("timeout: %+v", r)
	}
	if strings.Contains(r.Err.Error(), "secret-capability") {
		t.Errorf("error %q repeats the endpoint path", r.Err)
	}
}
