package email

import (
	"bytes"
	"html"
	"mime"
	"mime/quotedprintable"
	"strings"
	"sync"
)

// sentinel stands for the recipient's unsubscribe URL while the parts of a
// message are rendered once for all its recipients.
const sentinel = "\x01"

// sharedParts are what a message's recipients share: the encoded subject and
// the two encoded body parts, each split around the one line that holds
// the recipient's unsubscribe link. Rendering the HTML and choosing and
// applying a transfer encoding once per distinct message instead of once
// per recipient is what keeps bulk sending fast.
type sharedParts struct {
	subject    string // folded and encoded, "Subject: …\r\n"
	text, html part
}

// part is one encoded body part: head, the recipient's line, tail.
type part struct {
	qp         bool
	head, tail []byte
	// line renders the recipient's line (nil when the part has none).
	line func(url string) string
}

// partsCache keeps the parts of the latest distinct messages.
type partsCache struct {
	mu sync.Mutex
	m  map[string]*sharedParts
}

// maxCachedParts bounds the cache: a fan-out sends a handful of distinct
// messages (one per language) to many recipients.
const maxCachedParts = 32

func (c *partsCache) get(key string, build func() *sharedParts) *sharedParts {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.m[key]; ok {
		return p
	}
	if c.m == nil || len(c.m) >= maxCachedParts {
		c.m = map[string]*sharedParts{}
	}
	p := build()
	c.m[key] = p
	return p
}

// buildParts renders the shared parts of m. sevenBit asks for 7-bit clean
// parts (signed messages).
func buildParts(m Mail, sevenBit bool) *sharedParts {
	p := &sharedParts{}
	var sb bytes.Buffer
	writeFolded(&sb, "Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	p.subject = sb.String()

	text := normalizeText(m.Body)
	unsub := m.UnsubscribeURL != ""
	if unsub {
		text += "\n\n--\n" + unsubscribeLine(m.Lang) + "\n" + sentinel + "\n"
	}
	p.text = split(text, sevenBit, func(url string) string { return url })

	var h bytes.Buffer
	h.Grow(2*len(m.Body) + 1024)
	u := ""
	if unsub {
		u = sentinel
	}
	renderHTML(&h, m.Body, m.Subject, m.Lang, u)
	p.html = split(h.String(), sevenBit, html.EscapeString)
	return p
}

// split encodes content around its sentinel line (if any). The sentinel
// sits on a line of its own (in HTML, `href="…"` is), so each piece ends
// at a line break and encodes on its own.
func split(content string, sevenBit bool, line func(string) string) part {
	i := strings.LastIndex(content, sentinel)
	// The recipient's line is short ASCII: the template decides.
	probe := strings.Replace(content, sentinel, "x", 1)
	pt := part{qp: needsQP([]byte(probe), sevenBit)}
	if i < 0 {
		pt.head = encode(content, pt.qp)
		return pt
	}
	lineStart := strings.LastIndexByte(content[:i], '\n') + 1
	lineEnd := i + len(sentinel) + strings.IndexByte(content[i+len(sentinel):], '\n')
	if lineEnd < i+len(sentinel) { // no line break after the sentinel
		lineEnd = len(content)
	}
	prefix, suffix := content[lineStart:i], content[i+len(sentinel):lineEnd]
	pt.head = encode(content[:lineStart], pt.qp)
	tail := ""
	if lineEnd < len(content) {
		tail = content[lineEnd+1:]
	}
	pt.tail = encode(tail, pt.qp)
	pt.line = func(url string) string { return prefix + line(url) + suffix }
	return pt
}

// encode writes content (LF line ends) with CRLF line ends, as
// quoted-printable when qp is set.
func encode(content string, qp bool) []byte {
	var b bytes.Buffer
	if qp {
		w := quotedprintable.NewWriter(&b)
		_, _ = w.Write([]byte(content))
		_ = w.Close()
		return b.Bytes()
	}
	for content != "" {
		l, rest, found := strings.Cut(content, "\n")
		b.WriteString(l)
		if found || l != "" {
			b.WriteString("\r\n")
		}
		content = rest
	}
	return b.Bytes()
}

// write appends the part for a recipient.
func (pt part) write(b *bytes.Buffer, url string) {
	b.Write(pt.head)
	if pt.line != nil {
		b.Write(encode(pt.line(url)+"\n", pt.qp))
	}
	b.Write(pt.tail)
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
}
