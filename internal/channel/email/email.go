// Package email sends e-mail through an SMTP relay: implicit TLS (smtps://)
// or STARTTLS when the server offers it, AUTH PLAIN when the URL has
// credentials, and a deadline on every exchange. Every message carries a
// text part and an HTML part generated from it, and is DKIM-signed when
// the Sender has a key.
package email

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/email/dkim"
)

// Mail is one message.
type Mail struct {
	To      string
	Subject string
	// Body is plain text; the HTML part is generated from it.
	Body string
	// Headers are extra headers. A Message-ID here replaces the generated one.
	Headers map[string]string
	// UnsubscribeURL, when set, adds RFC 8058 one-click unsubscribe headers
	// (unless Headers has them) and an unsubscribe footer to both parts.
	UnsubscribeURL string
	// Lang is the message's language (BCP 47, e.g. "fr"): the HTML lang
	// attribute and the footer's wording.
	Lang string
}

// Sender sends mail through one relay.
type Sender struct {
	host     string
	addr     string
	implicit bool
	auth     smtp.Auth
	from     string
	timeout  time.Duration
	// parts caches what a message's recipients share (see parts.go).
	parts partsCache
	// TLSConfig overrides the TLS settings (tests use it to trust a local CA).
	TLSConfig *tls.Config
	now       func() time.Time
	signer    *dkim.Signer
}

// New parses a relay URL (smtp://user:pass@host:port or smtps://…) and a
// sender address.
func New(rawURL, from string) (*Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("email: relay URL: %w", err)
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, fmt.Errorf("email: relay URL scheme %q: want smtp or smtps", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("email: relay URL has no host")
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("email: sender address %q: %w", from, err)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"smtp": "587", "smtps": "465"}[u.Scheme]
	}
	s := &Sender{host: u.Hostname(), addr: net.JoinHostPort(u.Hostname(), port), implicit: u.Scheme == "smtps", from: from, timeout: 15 * time.Second, now: time.Now}
	if u.User != nil {
		pw, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pw, u.Hostname())
	}
	return s, nil
}

// WithDKIM makes s sign every message it sends, single or bulk, with key
// (RSA of at least 2048 bits, or Ed25519) as d=domain, s=selector. The
// sender address must be in domain or one of its subdomains, or DMARC
// would not count the signature. Call it before the first Send.
func (s *Sender) WithDKIM(domain, selector string, key crypto.Signer) error {
	signer, err := dkim.NewSigner(domain, selector, key)
	if err != nil {
		return fmt.Errorf("email: %w", err)
	}
	from, _ := mail.ParseAddress(s.from)
	fd := strings.ToLower(domainOf(from.Address))
	if fd != signer.Domain() && !strings.HasSuffix(fd, "."+signer.Domain()) {
		return fmt.Errorf("email: DKIM domain %q does not cover the sender %q: DMARC needs the From domain to be it or a subdomain", domain, from.Address)
	}
	s.signer = signer
	return nil
}

// Send delivers m, bounded by ctx and the sender's timeout.
func (s *Sender) Send(ctx context.Context, m Mail) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("email: recipient %q: %w", m.To, err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return errors.New("email: subject contains a line break")
	}
	from, _ := mail.ParseAddress(s.from)
	msg, err := s.message(from, to, m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("email: connect %s: %w", s.addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(deadline)
	tlsConf := s.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	}
	if s.implicit {
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("email: TLS with %s: %w", s.addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("email: greeting from %s: %w", s.addr, err)
	}
	defer c.Close()
	if err := c.Hello("vigie.localhost"); err != nil {
		return fmt.Errorf("email: EHLO: %w", err)
	}
	if !s.implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConf); err != nil {
				return fmt.Errorf("email: STARTTLS: %w", err)
			}
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return fmt.Errorf("email: AUTH: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("email: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("email: RCPT TO %s: %w", to.Address, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("email: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("email: write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("email: end of data: %w", err)
	}
	return c.Quit()
}
