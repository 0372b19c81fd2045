package dkim

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"
)

// The example of RFC 6376 §3.4.5.
func TestRelaxedCanonicalisation(t *testing.T) {
	var got []byte
	for _, f := range splitFields([]byte("A: X\r\nB : Y\t\r\n\tZ  ")) {
		got = relaxedHeader(got, f)
	}
	if string(got) != "a:X\r\nb:Y Z\r\n" {
		t.Errorf("header: %q", got)
	}
	for body, want := range map[string]string{
		" C \r\nD \t E\r\n\r\n\r\n": " C\r\nD E\r\n",
		"":                          "",
		"\r\n\r\n":                  "",
		"a\r\n\r\nb":                "a\r\n\r\nb\r\n",
		"a  \t b":                   "a b\r\n",
		"x \r\n \t\r\ny":            "x\r\n\r\ny\r\n",
	} {
		var b bytes.Buffer
		relaxedBody(&b, []byte(body))
		if b.String() != want {
			t.Errorf("body %q: %q, want %q", body, b.String(), want)
		}
	}
}

func TestSignVerifiesWithAnIndependentVerifier(t *testing.T) {
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	s, err := NewSigner("example.org", "s1", ed)
	if err != nil {
		t.Fatal(err)
	}
	// Folded fields, two Received (unsigned) and an empty body.
	msg := "Received: a\r\nFrom: A <a@example.org>\r\nSubject: one\r\n two\r\nReceived: b\r\nTo: b@example.net\r\n\r\n"
	sig, err := s.Sign([]byte(msg), time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(sig, []byte("bh="+base64.StdEncoding.EncodeToString(sha256.New().Sum(nil))+";")) {
		t.Errorf("empty body hash:\n%s", sig)
	}
	for _, l := range strings.Split(string(sig), "\r\n") {
		if len(l) > 78 {
			t.Errorf("signature line of %d characters: %q", len(l), l)
		}
	}
	record, _ := DNSRecord(ed)
	vs, err := msgauth.VerifyWithOptions(strings.NewReader(string(sig)+msg), &msgauth.VerifyOptions{
		LookupTXT: func(string) ([]string, error) { return []string{record}, nil },
	})
	if err != nil || len(vs) != 1 || vs[0].Err != nil {
		t.Fatalf("%v %+v\n%s%s", err, vs, sig, msg)
	}
}

func TestParsePrivateKey(t *testing.T) {
	enc := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	short, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	for name, tt := range map[string]struct {
		in   []byte
		want string
	}{
		"not PEM":      {[]byte("p=MIIBIjANBg"), "no PEM block"},
		"public key":   {enc("PUBLIC KEY", []byte{1}), `"PUBLIC KEY"`},
		"garbage DER":  {enc("PRIVATE KEY", []byte{1, 2, 3}), "parse PRIVATE KEY"},
		"short RSA":    {enc("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(short)), "1024 bits; want at least 2048"},
		"short PKCS#8": {enc("PRIVATE KEY", pkcs8(short)), "1024 bits"},
		"ECDSA":        {enc("PRIVATE KEY", pkcs8(ec)), "unsupported key type"},
		"Ed25519":      {enc("PRIVATE KEY", pkcs8(ed)), ""},
	} {
		k, err := ParsePrivateKey(tt.in)
		if tt.want == "" {
			if err != nil || k == nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", name, err, tt.want)
		}
	}
	if r, _ := DNSRecord(ed); !strings.HasPrefix(r, "v=DKIM1; k=ed25519; p=") || len(r) != len("v=DKIM1; k=ed25519; p=")+44 {
		t.Errorf("Ed25519 record %q", r)
	}
}

func TestNamesChecked(t *testing.T) {
	for _, d := range []string{"", "localhost", "exa mple.org", "-a.org", "a..org"} {
		if CheckDomain(d) == nil {
			t.Errorf("domain %q accepted", d)
		}
	}
	for _, s := range []string{"", "a b", "a_b", "x;y"} {
		if CheckSelector(s) == nil {
			t.Errorf("selector %q accepted", s)
		}
	}
	if CheckSelector("vigie2025.eu") != nil || CheckDomain("Cafe-Express.fr") != nil {
		t.Error("good names refused")
	}
}
