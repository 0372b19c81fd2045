package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

const (
	// recordSize is the RFC 8188 record size written in the header; one
	// record holds the whole message.
	recordSize = 4096
	saltLen    = 16
	keyLen     = 65 // uncompressed P-256 point
	authLen    = 16
	tagLen     = 16
	headerLen  = saltLen + 4 + 1 + keyLen
	// MaxPayload is the largest plaintext Encrypt takes: push services
	// accept 4096-byte bodies, less the header, the padding delimiter and
	// the AEAD tag (RFC 8291 section 4).
	MaxPayload = recordSize - headerLen - 1 - tagLen
	// jwtLifetime is how long a VAPID token is valid (RFC 8292 allows up to
	// 24 hours).
	jwtLifetime = 12 * time.Hour
)

// ErrTooLarge is returned for a plaintext over MaxPayload bytes.
var ErrTooLarge = fmt.Errorf("webpush: payload over %d bytes", MaxPayload)

var b64 = base64.RawURLEncoding

// decodeB64 reads base64url without padding, as browsers give it, and
// tolerates padding and the standard alphabet, which some libraries write.
func decodeB64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	return b64.DecodeString(s)
}

// GenerateVAPIDKeys makes a P-256 application server key pair: the public
// key as an uncompressed point and the private key as a 32-byte scalar,
// both base64url without padding. The public key is the
// applicationServerKey given to pushManager.subscribe in the browser.
func GenerateVAPIDKeys() (publicKey, privateKey string, err error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("webpush: generate key: %w", err)
	}
	return b64.EncodeToString(k.PublicKey().Bytes()), b64.EncodeToString(k.Bytes()), nil
}

// Subscription is a browser's push subscription, as
// PushSubscription.toJSON() gives it: the push service endpoint and the
// user agent's keys (base64url).
type Subscription struct {
	Endpoint string
	// P256DH is the user agent's public key, an uncompressed P-256 point.
	P256DH string
	// Auth is the 16-byte authentication secret.
	Auth string
}

// ParseSubscription reads the JSON of a PushSubscription
// ({"endpoint": …, "keys": {"p256dh": …, "auth": …}}) and checks that the
// endpoint is an https URL and the keys have the right lengths; the
// audience import uses it to reject bad addresses early.
func ParseSubscription(raw string) (Subscription, error) {
	return parseSubscription(raw, false)
}

// JSON is the subscription in the one form Vigie stores, whatever the
// browser sent: {"endpoint":…,"keys":{"auth":…,"p256dh":…}}. The same
// browser thus always has the same address.
func (s Subscription) JSON() string {
	b, _ := json.Marshal(map[string]any{"endpoint": s.Endpoint, "keys": map[string]string{"p256dh": s.P256DH, "auth": s.Auth}})
	return string(b)
}

// ParseLocalSubscription is ParseSubscription that also accepts http
// endpoints: a push service on the local machine, for tests and
// development (the allow_private_targets setting).
func ParseLocalSubscription(raw string) (Subscription, error) {
	return parseSubscription(raw, true)
}

func parseSubscription(raw string, allowHTTP bool) (Subscription, error) {
	var j struct {
		Endpoint string `json:"endpoint"`
		Keys     struct {
			P256DH string `json:"p256dh"`
			Auth   string `json:"auth"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(raw), &j); err != nil {
		return Subscription{}, fmt.Errorf("webpush: subscription is not PushSubscription JSON: %w", err)
	}
	sub := Subscription{Endpoint: j.Endpoint, P256DH: j.Keys.P256DH, Auth: j.Keys.Auth}
	if err := sub.check(allowHTTP); err != nil {
		return Subscription{}, err
	}
	return sub, nil
}

// check validates the endpoint and returns the decoded keys.
func (s Subscription) check(allowHTTP bool) error {
	u, err := url.Parse(s.Endpoint)
	if err != nil || u.Host == "" || u.User != nil || (u.Scheme != "https" && (u.Scheme != "http" || !allowHTTP)) {
		return errors.New("webpush: subscription endpoint must be an absolute https URL")
	}
	_, _, err = s.keys()
	return err
}

func (s Subscription) keys() (p256dh, auth []byte, err error) {
	p256dh, err = decodeB64(s.P256DH)
	if err != nil || len(p256dh) != keyLen || p256dh[0] != 4 {
		return nil, nil, fmt.Errorf("webpush: subscription p256dh key must be a %d-byte uncompressed P-256 point in base64url", keyLen)
	}
	if _, err := ecdh.P256().NewPublicKey(p256dh); err != nil {
		return nil, nil, fmt.Errorf("webpush: subscription p256dh key: %w", err)
	}
	auth, err = decodeB64(s.Auth)
	if err != nil || len(auth) != authLen {
		return nil, nil, fmt.Errorf("webpush: subscription auth secret must be %d bytes in base64url", authLen)
	}
	return p256dh, auth, nil
}

// Encrypt encrypts plaintext for the subscription with the aes128gcm
// content coding (RFC 8291 on RFC 8188): a fresh server key pair and salt
// for every message, one record. The result is the request body.
func Encrypt(sub Subscription, plaintext []byte) ([]byte, error) {
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("webpush: generate key: %w", err)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	return encrypt(sub, plaintext, salt, as)
}

// encrypt is Encrypt with a given salt and server key, for the RFC 8291
// test vector.
func encrypt(sub Subscription, plaintext, salt []byte, as *ecdh.PrivateKey) ([]byte, error) {
	if len(plaintext) > MaxPayload {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, len(plaintext))
	}
	uaBytes, auth, err := sub.keys()
	if err != nil {
		return nil, err
	}
	ua, err := ecdh.P256().NewPublicKey(uaBytes)
	if err != nil {
		return nil, fmt.Errorf("webpush: subscription p256dh key: %w", err)
	}
	secret, err := as.ECDH(ua)
	if err != nil {
		return nil, fmt.Errorf("webpush: ECDH: %w", err)
	}
	asPub := as.PublicKey().Bytes()
	gcm, nonce, err := contentKeys(secret, auth, uaBytes, asPub, salt)
	if err != nil {
		return nil, err
	}
	out := make([]byte, headerLen, headerLen+len(plaintext)+1+tagLen)
	copy(out, salt)
	binary.BigEndian.PutUint32(out[saltLen:], recordSize)
	out[saltLen+4] = keyLen
	copy(out[saltLen+5:], asPub)
	record := append(append(make([]byte, 0, len(plaintext)+1), plaintext...), 0x02) // last-record delimiter, no padding
	return gcm.Seal(out, nonce, record, nil), nil
}

// contentKeys derives the AEAD and nonce of RFC 8291 section 3.4 from the
// ECDH secret; the user agent derives the same from its side.
func contentKeys(ecdhSecret, auth, uaPub, asPub, salt []byte) (cipher.AEAD, []byte, error) {
	if len(salt) != saltLen {
		return nil, nil, fmt.Errorf("webpush: salt must be %d bytes", saltLen)
	}
	info := "WebPush: info\x00" + string(uaPub) + string(asPub)
	ikm, err := hkdf.Key(sha256.New, ecdhSecret, auth, info, 32)
	if err != nil {
		return nil, nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, err
	}
	return gcm, nonce, nil
}

// vapidKey reads the application server key pair; the public key may be
// empty, and must otherwise match the private key.
func vapidKey(publicKey, privateKey string) (*ecdsa.PrivateKey, string, error) {
	d, err := decodeB64(privateKey)
	if err != nil || len(d) != 32 {
		return nil, "", errors.New("webpush: the VAPID private key must be a 32-byte P-256 scalar in base64url")
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, "", fmt.Errorf("webpush: VAPID private key: %w", err)
	}
	pub, err := k.PublicKey.Bytes()
	if err != nil {
		return nil, "", fmt.Errorf("webpush: VAPID public key: %w", err)
	}
	if publicKey != "" {
		given, err := decodeB64(publicKey)
		if err != nil || string(given) != string(pub) {
			return nil, "", errors.New("webpush: the VAPID public key does not match the private key")
		}
	}
	return k, b64.EncodeToString(pub), nil
}

// vapidJWT returns the RFC 8292 token for an audience (the endpoint's
// origin): ES256 over {"aud","exp","sub"}, signature r||s.
func vapidJWT(k *ecdsa.PrivateKey, aud, sub string, now time.Time) (string, error) {
	claims, err := json.Marshal(struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub,omitempty"`
	}{aud, now.Add(jwtLifetime).Unix(), sub})
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`)) + "." + b64.EncodeToString(claims)
	h := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
	if err != nil {
		return "", fmt.Errorf("webpush: sign VAPID token: %w", err)
	}
	var sig [64]byte
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig[:]), nil
}

// audience is the origin of an endpoint, the "aud" of its VAPID token.
func audience(u *url.URL) string {
	host := u.Host
	if p := u.Port(); (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		host = u.Hostname()
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	return u.Scheme + "://" + strings.ToLower(host)
}
