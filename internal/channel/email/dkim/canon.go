package dkim

import (
	"bytes"
	"io"
)

func isWSP(c byte) bool { return c == ' ' || c == '\t' }

// relaxedHeader appends the relaxed canonical form of one header field
// (RFC 6376 §3.4.2) to dst: lower-case name, no space around the colon,
// unfolded, runs of whitespace made one space, none at the ends; CRLF.
func relaxedHeader(dst, field []byte) []byte {
	name, value, _ := bytes.Cut(field, []byte(":"))
	name = bytes.TrimRight(name, " \t")
	for _, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, ':')
	space := false
	started := false
	for _, c := range value {
		switch {
		case c == '\r' || c == '\n':
			// Unfolding: the CRLF goes, the whitespace after it stays.
		case isWSP(c):
			space = true
		default:
			if space && started {
				dst = append(dst, ' ')
			}
			space, started = false, true
			dst = append(dst, c)
		}
	}
	return append(dst, '\r', '\n')
}

// relaxedBody writes the relaxed canonical form of body (RFC 6376 §3.4.4)
// to w without copying it: whitespace at line ends removed, runs of
// whitespace made one space, empty lines at the end removed, and a final
// CRLF unless the body is then empty.
func relaxedBody(w io.Writer, body []byte) {
	crlf := []byte("\r\n")
	space := []byte(" ")
	empty := 0 // empty lines seen but not written yet
	for len(body) > 0 {
		line := body
		if i := bytes.Index(body, crlf); i >= 0 {
			line, body = body[:i], body[i+2:]
		} else {
			body = nil
		}
		line = bytes.TrimRight(line, " \t")
		if len(line) == 0 {
			empty++
			continue
		}
		for ; empty > 0; empty-- {
			w.Write(crlf)
		}
		// Write the runs between whitespace straight from the input.
		start := 0
		for i := 0; i < len(line); {
			if !isWSP(line[i]) || line[i] == ' ' && !isWSP(line[i+1]) {
				// A single space is already canonical (and line has no
				// whitespace at its end, so i+1 is in range).
				i++
				continue
			}
			w.Write(line[start:i])
			w.Write(space)
			for i < len(line) && isWSP(line[i]) {
				i++
			}
			start = i
		}
		w.Write(line[start:])
		w.Write(crlf)
	}
}
