package email

import (
	"bufio"
	"bytes"
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
	out := make([]deliver.Result, len(items))
	for i, it := range items {
		out[i].Key = it.Key
	}
	p, err := b.get(ctx)
	if err != nil {
		for i := range out {
			out[i].Err = err
		}
		return out
	}
	from, _ := mail.ParseAddress(b.s.from)
	var healthy bool
	if ok, _ := p.c.Extension("PIPELINING"); ok {
		healthy = b.sendPipelined(ctx, p, from, items, out)
	} else {
		healthy = b.sendEach(ctx, p, from, items, out)
	}
	if healthy {
		b.put(p)
	} else {
		p.c.Close()
	}
	return out
}

// errInterrupted fails the items a batch did not get to.
var errInterrupted = errors.New("email: batch interrupted")

// prepare builds an item's message; a bad recipient or subject fails the
// item permanently (retrying would build the same message).
func (b *Bulk) prepare(from *mail.Address, it deliver.Item, res *deliver.Result) (*mail.Address, []byte, bool) {
	to, err := mail.ParseAddress(it.Address)
	if err != nil {
		res.Err, res.Permanent = fmt.Errorf("email: recipient %q: %w", it.Address, err), true
		return nil, nil, false
	}
	// The Message-ID derives from the delivery key, so a retry of the
	// same delivery carries the same id and mail clients can fold them.
	headers := map[string]string{"Message-ID": "<" + it.Key + "@" + domainOf(from.Address) + ">"}
	for k, v := range it.Headers {
		headers[k] = v
	}
	msg, err := b.s.message(from, to, Mail{To: it.Address, Subject: it.Subject, Body: it.Text, Headers: headers, UnsubscribeURL: it.UnsubscribeURL, Lang: it.Lang})
	if err != nil {
		res.Err, res.Permanent = err, true
		return nil, nil, false
	}
	return to, msg, true
}

// refused classifies an SMTP error: a 5xx reply refuses this message only
// (permanently); anything else (4xx, a broken connection) ends the batch.
func refused(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp) && tp.Code >= 500
}

// sendEach sends the items one transaction at a time (servers without
// PIPELINING). It reports whether the connection is still usable.
func (b *Bulk) sendEach(ctx context.Context, p *pooled, from *mail.Address, items []deliver.Item, out []deliver.Result) bool {
	for i, it := range items {
		if ctx.Err() != nil {
			for j := i; j < len(items); j++ {
				out[j].Err = errInterrupted
			}
			return true
		}
		to, msg, ok := b.prepare(from, it, &out[i])
		if !ok {
			continue
		}
		_ = p.conn.SetDeadline(time.Now().Add(b.s.timeout))
		if out[i].Err = b.one(p.c, from.Address, to.Address, msg); out[i].Err != nil {
			if !refused(out[i].Err) {
				for j := i + 1; j < len(items); j++ {
					out[j].Err = errInterrupted
				}
				return false
			}
			out[i].Permanent = true
			_ = p.c.Reset()
		}
	}
	return true
}

func (b *Bulk) one(c *smtp.Client, from, to string, msg []byte) error {
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

// sendPipelined sends the items with RFC 2920 command pipelining. A
// message's content and end-of-data go out in the same write as the next
// message's MAIL, RCPT and DATA (RFC 2920 section 3.1 lets content open a
// group), and the replies of both are read together: one write and one
// round trip per message. It reports whether the connection is still
// usable.
func (b *Bulk) sendPipelined(ctx context.Context, p *pooled, from *mail.Address, items []deliver.Item, out []deliver.Result) bool {
	t := p.c.Text
	finished := make([]bool, len(items))
	// fail ends the batch: the items not finished get err (the ones in
	// flight) or errInterrupted.
	fail := func(err error, inFlight ...int) bool {
		for _, i := range inFlight {
			if i >= 0 && !finished[i] {
				out[i].Err, finished[i] = err, true
			}
		}
		for i := range items {
			if !finished[i] {
				out[i].Err = errInterrupted
			}
		}
		return false
	}
	open, openMsg := -1, []byte(nil) // the item whose DATA was accepted
	for i := 0; i <= len(items); i++ {
		next, nextMsg, nextTo := -1, []byte(nil), ""
		if i < len(items) {
			if ctx.Err() != nil {
				for j := i; j < len(items); j++ {
					out[j].Err, finished[j] = errInterrupted, true
				}
				i = len(items)
			} else {
				to, msg, ok := b.prepare(from, items[i], &out[i])
				if !ok {
					finished[i] = true
					continue
				}
				next, nextMsg, nextTo = i, msg, to.Address
			}
		}
		if open < 0 && next < 0 {
			continue
		}
		_ = p.conn.SetDeadline(time.Now().Add(b.s.timeout))
		if open >= 0 {
			writeData(t.W, openMsg)
		}
		if next >= 0 {
			fmt.Fprintf(t.W, "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n", from.Address, nextTo)
		}
		if err := t.W.Flush(); err != nil {
			return fail(err, open, next)
		}
		if open >= 0 {
			_, _, err := t.ReadResponse(250)
			if err != nil && !refused(err) {
				return fail(err, open, next)
			}
			out[open].Err, out[open].Permanent, finished[open] = err, err != nil, true
			open = -1
		}
		if next < 0 {
			continue
		}
		var first error
		for _, code := range []int{250, 25, 354} {
			if _, _, err := t.ReadResponse(code); err != nil && first == nil {
				first = err
			}
		}
		switch {
		case first == nil:
			open, openMsg = next, nextMsg
		case refused(first):
			// A refused sender or recipient: DATA was refused too and the
			// transaction must be reset before the next one.
			out[next].Err, out[next].Permanent, finished[next] = first, true, true
			if err := p.c.Reset(); err != nil {
				return fail(err)
			}
		default:
			return fail(first, next)
		}
	}
	return true
}

// writeData writes msg as DATA content (RFC 5321 section 4.5.2): every
// line ends in CRLF, a line starting with "." gets a second one, and the
// end-of-data line follows.
func writeData(w *bufio.Writer, msg []byte) {
	for len(msg) > 0 {
		line := msg
		rest := []byte(nil)
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line, rest = msg[:i], msg[i+1:]
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) > 0 && line[0] == '.' {
			w.WriteByte('.')
		}
		w.Write(line)
		w.WriteString("\r\n")
		msg = rest
	}
	w.WriteString(".\r\n")
}
