package email

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// maxLine is the longest line RFC 5322 §2.1.1 allows, without its CRLF.
const maxLine = 998

// reserved are the header fields the message builder writes itself; the
// same names in Mail.Headers are ignored.
var reserved = []string{"from", "to", "subject", "date", "mime-version", "content-type", "content-transfer-encoding", "dkim-signature", "message-id", "list-unsubscribe", "list-unsubscribe-post"}

// message returns the wire form of m: the header, a multipart/alternative
// body (the text, then HTML generated from it) and, when s has a key, a
// DKIM-Signature in front.
func (s *Sender) message(from, to *mail.Address, m Mail) ([]byte, error) {
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("email: subject contains a line break")
	}
	now := s.now()
	sevenBit := s.signer != nil
	key := m.Lang + "\x00" + m.Subject + "\x00" + m.Body
	if m.UnsubscribeURL != "" {
		key += "\x00u"
	}
	if sevenBit {
		key += "\x00s"
	}
	shared := s.parts.get(key, func() *sharedParts { return buildParts(m, sevenBit) })

	var b bytes.Buffer
	b.Grow(len(shared.text.head) + len(shared.text.tail) + len(shared.html.head) + len(shared.html.tail) + 1024)
	b.WriteString("From: " + from.String() + "\r\n")
	b.WriteString("To: " + to.String() + "\r\n")
	b.WriteString(shared.subject)
	b.WriteString("Date: " + now.Format(time.RFC1123Z) + "\r\n")
	msgID := header(m.Headers, "Message-ID")
	if msgID == "" {
		msgID = "<" + rand.Text() + "@" + domainOf(from.Address) + ">"
	}
	b.WriteString("Message-ID: " + msgID + "\r\n")
	boundary := "=_vigie_" + rand.Text()
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n")
	unsub, post := header(m.Headers, "List-Unsubscribe"), header(m.Headers, "List-Unsubscribe-Post")
	if unsub == "" && m.UnsubscribeURL != "" {
		unsub, post = "<"+m.UnsubscribeURL+">", "List-Unsubscribe=One-Click"
	}
	if unsub != "" {
		b.WriteString("List-Unsubscribe: " + unsub + "\r\n")
	}
	if post != "" {
		b.WriteString("List-Unsubscribe-Post: " + post + "\r\n")
	}
	extra := make([]string, 0, len(m.Headers))
	for k, v := range m.Headers {
		if validHeader(k, v) && !slices.Contains(reserved, strings.ToLower(k)) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra) // a stable order, for tests and diffs
	for _, k := range extra {
		b.WriteString(k + ": " + m.Headers[k] + "\r\n")
	}
	b.WriteString("\r\n")

	// 8bit text is readable in the raw message and in logs, and is what
	// callers have always sent; quoted-printable is used when 8bit is not
	// allowed (a line over 998 octets, a control character) and, when
	// signing, for any non-ASCII body, because a relay that downgrades
	// 8bit to 7bit for a next hop without 8BITMIME would break the
	// signature (RFC 6376 §5.3).
	writePart(&b, boundary, "text/plain", shared.text, sevenBit, m.UnsubscribeURL)
	writePart(&b, boundary, "text/html", shared.html, sevenBit, m.UnsubscribeURL)
	b.WriteString("--" + boundary + "--\r\n")

	if s.signer == nil {
		return b.Bytes(), nil
	}
	sig, err := s.signer.Sign(b.Bytes(), now)
	if err != nil {
		return nil, fmt.Errorf("email: %w", err)
	}
	return append(sig, b.Bytes()...), nil
}

// writePart writes one body part with its transfer encoding.
func writePart(b *bytes.Buffer, boundary, ctype string, pt part, sevenBit bool, url string) {
	b.WriteString("--" + boundary + "\r\nContent-Type: " + ctype + "; charset=utf-8\r\n")
	switch {
	case pt.qp:
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
	case sevenBit:
		b.WriteString("Content-Transfer-Encoding: 7bit\r\n\r\n")
	default:
		b.WriteString("Content-Transfer-Encoding: 8bit\r\n\r\n")
	}
	pt.write(b, url)
}

// needsQP reports whether content (LF line ends) cannot go as 8bit, or as
// 7bit when sevenBit is set: a byte outside the allowed set or a line over
// 998 octets.
func needsQP(content []byte, sevenBit bool) bool {
	table := &unsafe8bit
	if sevenBit {
		table = &unsafe7bit
	}
	start := 0
	for i, c := range content {
		if table[c] {
			return true
		}
		if c == '\n' {
			if i-start > maxLine {
				return true
			}
			start = i + 1
		}
	}
	return len(content)-start > maxLine
}

// normalizeText turns CRLF and lone CR into LF.
func normalizeText(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// writeFolded writes an unstructured header field, folding it at spaces so
// lines stay short (encoded words are separated by spaces).
func writeFolded(b *bytes.Buffer, name, value string) {
	b.WriteString(name + ":")
	line := len(name) + 1
	for i, w := range strings.Split(value, " ") {
		if i > 0 && w != "" && line+1+len(w) > 78 {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteString(" " + w)
		line += 1 + len(w)
	}
	b.WriteString("\r\n")
}

// header returns the value of name in h, whatever its case, if it is safe.
func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) && validHeader(k, v) {
			return v
		}
	}
	return ""
}

// validHeader rejects names that are not RFC 5322 field names and values
// with line breaks, which would inject headers.
func validHeader(k, v string) bool {
	if k == "" || strings.ContainsAny(v, "\r\n") {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] <= ' ' || k[i] >= 0x7f || k[i] == ':' {
			return false
		}
	}
	return true
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return addr
}

func unsubscribeLine(lang string) string {
	if strings.HasPrefix(lang, "fr") {
		return "Ne plus recevoir ces alertes :"
	}
	return "Stop these alerts:"
}
