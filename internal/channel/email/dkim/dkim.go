// Package dkim signs outgoing mail with DomainKeys Identified Mail (RFC
// 6376): rsa-sha256, or ed25519-sha256 (RFC 8463), relaxed/relaxed
// canonicalisation. It only signs; receivers verify.
package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignedHeaders are the header fields a signature covers, when present.
// RFC 8058 §4 requires List-Unsubscribe and List-Unsubscribe-Post to be
// signed for one-click unsubscription to be honoured.
var SignedHeaders = []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "List-Unsubscribe", "List-Unsubscribe-Post"}

// Signer signs messages for one domain and selector.
type Signer struct {
	domain   string
	selector string
	key      crypto.Signer
	algo     string
	hash     crypto.Hash // passed to key.Sign: SHA256 for RSA, 0 for Ed25519
}

// NewSigner returns a Signer for d=domain, s=selector with key, an
// *rsa.PrivateKey of at least 2048 bits or an ed25519.PrivateKey.
func NewSigner(domain, selector string, key crypto.Signer) (*Signer, error) {
	if err := CheckDomain(domain); err != nil {
		return nil, err
	}
	if err := CheckSelector(selector); err != nil {
		return nil, err
	}
	s := &Signer{domain: strings.ToLower(domain), selector: selector, key: key}
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < MinRSABits {
			return nil, fmt.Errorf("dkim: RSA key has %d bits; want at least %d", pub.N.BitLen(), MinRSABits)
		}
		s.algo, s.hash = "rsa-sha256", crypto.SHA256
	case ed25519.PublicKey:
		s.algo, s.hash = "ed25519-sha256", 0
	default:
		return nil, fmt.Errorf("dkim: unsupported key type %T; want RSA or Ed25519", pub)
	}
	return s, nil
}

// Domain is the signing domain (d=).
func (s *Signer) Domain() string { return s.domain }

// Algorithm is the a= tag: rsa-sha256 or ed25519-sha256.
func (s *Signer) Algorithm() string { return s.algo }

// Sign returns the DKIM-Signature header field (ending in CRLF) to put in
// front of msg, a complete message with CRLF line endings, signed at t.
func (s *Signer) Sign(msg []byte, t time.Time) ([]byte, error) {
	head, body, ok := bytes.Cut(msg, []byte("\r\n\r\n"))
	if !ok {
		// A message without a body: the header ends at the final CRLF.
		head, body = bytes.TrimSuffix(msg, []byte("\r\n")), nil
	}
	fields := splitFields(head)

	bh := sha256.New()
	relaxedBody(bh, body)
	var sum [sha256.Size]byte

	// h= names each present field once per instance plus once more, so that
	// a field added in transit (a second From or List-Unsubscribe put on
	// top) breaks the signature instead of being shown to the reader.
	var names []string
	for _, name := range SignedHeaders {
		for range countFields(fields, name) + 1 {
			names = append(names, strings.ToLower(name))
		}
	}

	var sig bytes.Buffer
	sig.Grow(1024)
	sig.WriteString("DKIM-Signature: v=1; a=" + s.algo + "; c=relaxed/relaxed;\r\n\t")
	second := "d=" + s.domain + "; s=" + s.selector + "; t=" + strconv.FormatInt(t.Unix(), 10) + "; h="
	sig.WriteString(second)
	line := 1 + len(second)
	for i, n := range names {
		if i > 0 {
			sig.WriteByte(':')
			line++
			if line+len(n) > 76 {
				sig.WriteString("\r\n\t")
				line = 1
			}
		}
		sig.WriteString(n)
		line += len(n)
	}
	sig.WriteString(";\r\n\tbh=" + base64.StdEncoding.EncodeToString(bh.Sum(sum[:0])) + ";\r\n\tb=")

	// The data signed: the chosen header fields, canonicalised, then the
	// signature field itself with an empty b= and no final CRLF.
	h := sha256.New()
	canon := make([]byte, 0, 512)
	used := make([]bool, len(fields))
	for _, n := range names {
		if i := pick(fields, used, n); i >= 0 {
			canon = relaxedHeader(canon[:0], fields[i])
			h.Write(canon)
		}
	}
	canon = relaxedHeader(canon[:0], sig.Bytes())
	h.Write(canon[:len(canon)-2])
	digest := h.Sum(sum[:0])

	var raw []byte
	var err error
	if s.hash == 0 {
		// RFC 8463 §3: PureEdDSA over the SHA-256 digest.
		raw, err = s.key.Sign(rand.Reader, digest, crypto.Hash(0))
	} else {
		raw, err = s.key.Sign(rand.Reader, digest, s.hash)
	}
	if err != nil {
		return nil, fmt.Errorf("dkim: sign: %w", err)
	}
	b := base64.StdEncoding.EncodeToString(raw)
	for len(b) > 72 {
		sig.WriteString(b[:72] + "\r\n\t")
		b = b[72:]
	}
	sig.WriteString(b + "\r\n")
	return sig.Bytes(), nil
}

// splitFields returns the header fields of head, each with its folding
// but without its final CRLF.
func splitFields(head []byte) [][]byte {
	var fields [][]byte
	for len(head) > 0 {
		end := 0
		for {
			i := bytes.Index(head[end:], []byte("\r\n"))
			if i < 0 {
				end = len(head)
				break
			}
			end += i
			if end+2 < len(head) && (head[end+2] == ' ' || head[end+2] == '\t') {
				end += 2
				continue
			}
			break
		}
		fields = append(fields, head[:end])
		head = head[min(end+2, len(head)):]
	}
	return fields
}

func fieldName(f []byte) []byte {
	name, _, ok := bytes.Cut(f, []byte(":"))
	if !ok {
		return nil
	}
	return bytes.TrimRight(name, " \t")
}

func countFields(fields [][]byte, name string) int {
	n := 0
	for _, f := range fields {
		if strings.EqualFold(string(fieldName(f)), name) {
			n++
		}
	}
	return n
}

// pick returns the last unused field called name (RFC 6376 §5.4.2: several
// instances are signed from the bottom up), or -1.
func pick(fields [][]byte, used []bool, name string) int {
	for i := len(fields) - 1; i >= 0; i-- {
		if !used[i] && strings.EqualFold(string(fieldName(fields[i])), name) {
			used[i] = true
			return i
		}
	}
	return -1
}

// CheckDomain reports whether d is usable as a signing domain.
func CheckDomain(d string) error {
	if d == "" {
		return errors.New("dkim: domain is empty")
	}
	if !strings.Contains(d, ".") || !isLabels(d) {
		return fmt.Errorf("dkim: domain %q is not a domain name like example.org", d)
	}
	return nil
}

// CheckSelector reports whether s is usable as a selector (RFC 6376 §3.1).
func CheckSelector(s string) error {
	if s == "" {
		return errors.New("dkim: selector is empty")
	}
	if !isLabels(s) {
		return fmt.Errorf("dkim: selector %q: want letters, digits, '-' and '.', like vigie2025", s)
	}
	return nil
}

func isLabels(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
