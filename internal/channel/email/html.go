package email

import (
	"bytes"
	"html"
	"strings"
)

// The HTML part is the text part made readable on a phone: paragraphs,
// lists, links, and nothing that calls out (no images, no remote styles or
// fonts), so it looks the same with remote content blocked and a screen
// reader announces the right language.
const (
	bodyStyle   = `margin:0;padding:16px;background:#ffffff;color:#1a1a1a;font:16px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif`
	pStyle      = `margin:0 0 1em`
	linkStyle   = `color:#0b57d0;text-decoration:underline`
	footerStyle = `margin:2em 0 0;padding-top:1em;border-top:1px solid #d0d0d0;font-size:14px;color:#555555`
)

// renderHTML writes the HTML document for the plain text body to b.
func renderHTML(b *bytes.Buffer, text, subject, lang, unsubscribeURL string) {
	b.WriteString("<!DOCTYPE html>\n<html")
	if validLang(lang) {
		b.WriteString(` lang="` + lang + `"`)
	}
	b.WriteString(">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	b.WriteString(html.EscapeString(subject))
	b.WriteString("</title>\n</head>\n<body style=\"" + bodyStyle + "\">\n<div style=\"max-width:600px\">\n")
	lines := strings.Split(normalizeText(text), "\n")
	for len(lines) > 0 {
		// A paragraph is a run of non-blank lines.
		for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
			lines = lines[1:]
		}
		n := 0
		for n < len(lines) && strings.TrimSpace(lines[n]) != "" {
			n++
		}
		if n > 0 {
			writeParagraph(b, lines[:n])
		}
		lines = lines[n:]
	}
	if unsubscribeURL != "" {
		// The link's href sits on a line of its own: it is the only part
		// of the document that changes per recipient (see parts.go).
		b.WriteString("<p style=\"" + footerStyle + "\"><a\nhref=\"" + html.EscapeString(unsubscribeURL) + "\"\nstyle=\"" + linkStyle + "\">")
		b.WriteString(html.EscapeString(strings.TrimRight(unsubscribeLine(lang), " :")))
		b.WriteString("</a></p>\n")
	}
	b.WriteString("</div>\n</body>\n</html>\n")
}

// writeParagraph writes a paragraph, or a list when every line is an item
// ("- ", "* " or "• "), which screen readers announce as such.
func writeParagraph(b *bytes.Buffer, lines []string) {
	list := true
	for _, l := range lines {
		if itemText(l) == "" {
			list = false
			break
		}
	}
	if list {
		b.WriteString("<ul style=\"" + pStyle + ";padding-left:1.5em\">\n")
		for _, l := range lines {
			b.WriteString("<li>")
			writeInline(b, itemText(l))
			b.WriteString("</li>\n")
		}
		b.WriteString("</ul>\n")
		return
	}
	b.WriteString("<p style=\"" + pStyle + "\">")
	for i, l := range lines {
		if i > 0 {
			b.WriteString("<br>\n")
		}
		writeInline(b, strings.TrimRight(l, " \t"))
	}
	b.WriteString("</p>\n")
}

// itemText returns the text of a list item line, or "".
func itemText(l string) string {
	l = strings.TrimLeft(l, " \t")
	for _, bullet := range []string{"- ", "* ", "• "} {
		if rest, ok := strings.CutPrefix(l, bullet); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// writeInline writes one line of text, escaped, with its http(s) URLs as
// links.
func writeInline(b *bytes.Buffer, s string) {
	for s != "" {
		start, end := findURL(s)
		if start < 0 {
			b.WriteString(html.EscapeString(s))
			return
		}
		b.WriteString(html.EscapeString(s[:start]))
		u := html.EscapeString(s[start:end])
		b.WriteString(`<a href="` + u + `" style="` + linkStyle + `">` + u + "</a>")
		s = s[end:]
	}
}

// findURL returns the bounds of the first http:// or https:// URL in s, or
// -1. Punctuation that ends a sentence is left out of the URL, and so is a
// closing parenthesis without its opening one: "(see https://x.example/a)."
func findURL(s string) (int, int) {
	off := 0
	for {
		start := -1
		for i := off; i+4 <= len(s); i++ {
			j := strings.IndexAny(s[i:], "hH")
			if j < 0 {
				break
			}
			if i += j; hasPrefixFold(s[i:], "http") {
				start = i
				break
			}
		}
		if start < 0 {
			return -1, -1
		}
		var scheme int
		switch {
		case hasPrefixFold(s[start:], "https://"):
			scheme = len("https://")
		case hasPrefixFold(s[start:], "http://"):
			scheme = len("http://")
		}
		if scheme == 0 || start > 0 && isWordByte(s[start-1]) {
			off = start + 4
			continue
		}
		end := start + scheme
		for end < len(s) && !strings.ContainsRune(" \t<>\"`", rune(s[end])) && s[end] >= ' ' {
			end++
		}
		for end > start+scheme {
			c := s[end-1]
			if strings.IndexByte(".,;:!?'", c) >= 0 ||
				c == ')' && strings.Count(s[start:end], "(") < strings.Count(s[start:end], ")") ||
				c == ']' && strings.Count(s[start:end], "[") < strings.Count(s[start:end], "]") {
				end--
				continue
			}
			break
		}
		if end == start+scheme {
			off = end
			continue
		}
		return start, end
	}
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; prefix is lower case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// validLang accepts a BCP 47-shaped tag: letters, digits and hyphens.
func validLang(l string) bool {
	if l == "" || len(l) > 35 {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(isWordByte(c) && c != '_' || c == '-') {
			return false
		}
	}
	return true
}
