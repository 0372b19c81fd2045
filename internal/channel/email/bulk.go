package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"time"

	"github.com/vigie-hq/vigie/internal/deliver"
)

// Bulk sends subscriber notifications over persistent SMTP connections:
// one connection per concurrent batch, reused across messages (RSET
// between them), each message with RFC 8058 one-click unsubscribe headers.
// SMTP has no idempotency key, so Bulk is not Idempotent: a crash mid-batch
// leaves "uncertain" deliveries rather than duplicates.
type Bulk struct {
	s     *Sender
	batch int
	pool  chan *pooled
}

// pooled is an SMTP session and its connection (for per-message deadlines).
type pooled struct {
	c    *smtp.Client
	conn net.Conn
}

// NewBulk returns a Bulk sender on the relay of s keeping at most conns
// idle connections.
func NewBulk(s *Sender, conns, batch int) *Bulk {
	if conns <= 0 {
		conns = 8
	}
	if batch <= 0 {
		batch = 100
	}
	return &Bulk{s: s, batch: batch, pool: make(chan *pooled, conns)}
}

// Channel implements deliver.Sender.
func (b *Bulk) Channel() string { return "email" }

// Provider implements deliver.Sender.
func (b *Bulk) Provider() string { return "smtp" }

// MaxBatch implements deliver.Sender.
func (b *Bulk) MaxBatch() int { return b.batch }

// Idempotent implements deliver.Sender.
func (b *Bulk) Idempotent() bool { return false }

// dial opens and greets an SMTP connection (TLS and AUTH as configured).
func (b *Bulk) dial(ctx context.Context) (*pooled, error) {
	s := b.s
	d := net.Dialer{Timeout: s.timeout}
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, fmt.Errorf("email: connect %s: %w", s.addr, err)
	}
	tlsConf := s.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	}
	if s.implicit {
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("email: TLS with %s: %w", s.addr, err)
		}
		conn = tc
	}
	_ = conn.SetDeadline(time.Now().Add(s.timeout))
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("email: greeting: %w", err)
	}
	if err := c.Hello("vigie.localhost"); err != nil {
		c.Close()
		return nil, fmt.Errorf("email: EHLO: %w", err)
	}
	if !s.implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConf); err != nil {
				c.Close()
				return nil, fmt.Errorf("email: STARTTLS: %w", err)
			}
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			c.Close()
			return nil, fmt.Errorf("email: AUTH: %w", err)
		}
	}
	return &pooled{c: c, conn: conn}, nil
}

func (b *Bulk) get(ctx context.Context) (*pooled, error) {
	select {
	case p := <-b.pool:
		_ = p.conn.SetDeadline(time.Now().Add(b.s.timeout))
		if err := p.c.Reset(); err == nil {
			return p, nil
		}
		p.c.Close()
	default:
	}
	return b.dial(ctx)
}

func (b *Bulk) put(p *pooled) {
	select {
	case b.pool <- p:
	default:
		_ = p.c.Quit()
	}
}

// Close closes the idle connections.
func (b *Bulk) Close() {
	for {
		select {
		case p := <-b.pool:
			_ = p.c.Quit()
		default:
			return
		}
	}
}

// Send implements deliver.Sender: the items go out one after the other on
// one connection; a connection error fails the rest of the batch as
// retryable.
func (b *Bulk) Send(ctx context.Context, items []deliver.Item) []deliver.Result {
	out := make([]deliver.Result, 0, len(items))
	p, err := b.get(ctx)
	if err != nil {
		for _, it := range items {
			out = append(out, deliver.Result{Key: it.Key, Err: err})
		}
		return out
	}
	from, _ := mail.ParseAddress(b.s.from)
	healthy := true
	for i, it := range items {
		if ctx.Err() != nil || !healthy {
			for _, rest := range items[i:] {
				out = append(out, deliver.Result{Key: rest.Key, Err: errors.New("email: batch interrupted")})
			}
			break
		}
		res := deliver.Result{Key: it.Key}
		to, perr := mail.ParseAddress(it.Address)
		if perr != nil {
			res.Err, res.Permanent = fmt.Errorf("email: recipient %q: %w", it.Address, perr), true
			out = append(out, res)
			continue
		}
		// The Message-ID derives from the delivery key, so a retry of the
		// same delivery carries the same id and mail clients can fold them.
		headers := map[string]string{"Message-ID": "<" + it.Key + "@" + domainOf(from.Address) + ">"}
		for k, v := range it.Headers {
			headers[k] = v
		}
		msg, merr := b.s.message(from, to, Mail{To: it.Address, Subject: it.Subject, Body: it.Text, Headers: headers, UnsubscribeURL: it.UnsubscribeURL, Lang: it.Lang})
		if merr != nil {
			// Retrying would build the same message: the subject is bad.
			res.Err, res.Permanent = merr, true
			out = append(out, res)
			continue
		}
		_ = p.conn.SetDeadline(time.Now().Add(b.s.timeout))
		res.Err = b.one(p.c, from.Address, to.Address, msg)
		if res.Err != nil {
			var tp *textproto.Error
			if errors.As(res.Err, &tp) && tp.Code >= 500 {
				res.Permanent = true
				_ = p.c.Reset()
			} else {
				healthy = false
			}
		}
		out = append(out, res)
	}
	if healthy {
		b.put(p)
	} else {
		p.c.Close()
	}
	return out
}

func (b *Bulk) one(c *smtp.Client, from, to string, msg []byte) error {
	if ok, _ := c.Extension("PIPELINING"); ok {
		return b.pipelined(c, from, to, msg)
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
}

// pipelined sends one message with RFC 2920 command pipelining: MAIL, RCPT
// and DATA go out together and their replies are read afterwards, so a
// message costs two round trips instead of four.
func (b *Bulk) pipelined(c *smtp.Client, from, to string, msg []byte) error {
	t := c.Text
	// The three commands go out in one write.
	id := t.Next()
	t.StartRequest(id)
	fmt.Fprintf(t.W, "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n", from, to)
	err := t.W.Flush()
	t.EndRequest(id)
	if err != nil {
		return err
	}
	t.StartResponse(id)
	defer t.EndResponse(id)
	var first error
	for _, code := range []int{250, 25, 354} {
		if _, _, rerr := t.ReadResponse(code); rerr != nil && first == nil {
			first = rerr
		}
	}
	if first != nil {
		// DATA was refused (a rejected sender or recipient): the server is
		// back in its initial state after RSET.
		return first
	}
	w := t.DotWriter()
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	_, _, err = t.ReadResponse(250)
	return err
}
