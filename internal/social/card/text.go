package card

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

const ellipsis = "…"

// block is text broken into lines at one font size.
type block struct {
	lines      []string
	size       float64
	bold       bool
	lineHeight int
	truncated  bool
}

// fitSpec says how a text may be set: the largest size it should have, the
// smallest it may have, and the box it has to stay in.
type fitSpec struct {
	bold             bool
	maxSize, minSize float64
	maxLines         int // 0 for as many as the height allows
	width, height    int
	leading          float64 // line height as a multiple of the size
}

// fit sets text as large as spec allows without overflowing, shrinking the
// font first and cutting the last line with an ellipsis only at the minimum
// size: the card is a summary, the full text goes in the post.
func (r *Renderer) fit(text string, spec fitSpec) (block, error) {
	for size := spec.maxSize; ; size -= sizeStep {
		size = math.Max(size, spec.minSize)
		b, fits, err := r.fitAt(text, spec, size)
		if err != nil || fits {
			return b, err
		}
	}
}

// fitAt sets text at one size; fits is false when it needs more lines than
// the box holds, unless size is the minimum, where the block is truncated.
func (r *Renderer) fitAt(text string, spec fitSpec, size float64) (b block, fits bool, err error) {
	face, err := newFace(r.font(spec.bold), size)
	if err != nil {
		return block{}, false, err
	}
	defer face.Close()
	lh := int(math.Round(size * spec.leading))
	allowed := spec.height / lh
	if spec.maxLines > 0 {
		allowed = min(allowed, spec.maxLines)
	}
	if allowed < 1 {
		return block{}, false, fmt.Errorf("card: no room for one line of %.0f px in %d px", size, spec.height)
	}
	b = block{lines: wrap(face, text, spec.width), size: size, bold: spec.bold, lineHeight: lh}
	if len(b.lines) <= allowed {
		return b, true, nil
	}
	if size > spec.minSize {
		return b, false, nil
	}
	b.lines, b.truncated = truncate(face, b.lines[:allowed], spec.width), true
	return b, true, nil
}

// sizeStep is how much fit shrinks the font per try; 4 px steps are
// invisible at these sizes and keep rendering fast.
const sizeStep = 4

func newFace(f *sfnt.Font, size float64) (font.Face, error) {
	// 72 DPI makes the size in points a size in pixels; full hinting rounds
	// advances to whole pixels, which keeps the output the same everywhere.
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("card: font face %.0f px: %w", size, err)
	}
	return face, nil
}

func width(face font.Face, s string) int { return font.MeasureString(face, s).Ceil() }

// wrap breaks text into lines no wider than w, at spaces; a word wider
// than a whole line is broken between characters rather than overflow.
func wrap(face font.Face, text string, w int) []string {
	var lines []string
	line := ""
	for _, word := range words(text) {
		candidate := word
		if line != "" {
			candidate = line + " " + word
		}
		if width(face, candidate) <= w {
			line = candidate
			continue
		}
		if line != "" {
			lines = append(lines, line)
		}
		line = word
		for width(face, line) > w && utf8.RuneCountInString(line) > 1 {
			cut := breakAt(face, line, w)
			lines = append(lines, line[:cut])
			line = line[cut:]
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// breakAt returns the byte length of the longest prefix of s, at least one
// rune, that fits in w.
func breakAt(face font.Face, s string, w int) int {
	_, first := utf8.DecodeRuneInString(s)
	cut := first
	for i := range s {
		if i <= first {
			continue
		}
		if width(face, s[:i]) > w {
			break
		}
		cut = i
	}
	return cut
}

// words splits text at ordinary spaces, except where French typography
// wants a no-break space that writers rarely type: between digit groups
// ("06 00 00 12 34") and around a short unit after a number ("15 h 39",
// "10 %"). No-break spaces (U+00A0, U+202F) never split either and are
// drawn as spaces.
func words(text string) []string {
	raw := strings.Split(text, " ")
	nbsp := strings.NewReplacer("\u00A0", " ", "\u202F", " ")
	var out []string
	for i, w := range raw {
		if w == "" {
			continue
		}
		w = nbsp.Replace(w)
		if len(out) > 0 && glued(raw, i) {
			out[len(out)-1] += " " + w
			continue
		}
		out = append(out, w)
	}
	return out
}

// glued reports whether the space before raw[i] must not break a line.
func glued(raw []string, i int) bool {
	prev, next := raw[i-1], raw[i]
	if endsWithDigit(prev) && (startsWithDigit(next) || isUnit(strings.TrimRight(next, ".,;:!?)"))) {
		return true
	}
	return i >= 2 && isUnit(prev) && endsWithDigit(raw[i-2]) && startsWithDigit(next)
}

// isUnit reports the short words that stay with the number before them.
func isUnit(w string) bool {
	switch w {
	case "h", "min", "s", "%", "€", "$", "£", "km", "m", "kg", "g", "j", "am", "pm":
		return true
	}
	return false
}

func startsWithDigit(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsDigit(r)
}

func endsWithDigit(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsDigit(r)
}

// truncate ends the last of lines with an ellipsis that fits in w.
func truncate(face font.Face, lines []string, w int) []string {
	out := append([]string(nil), lines...)
	last := out[len(out)-1]
	for last != "" && width(face, last+ellipsis) > w {
		if i := strings.LastIndexByte(last, ' '); i > 0 {
			last = last[:i]
		} else {
			_, size := utf8.DecodeLastRuneInString(last)
			last = last[:len(last)-size]
		}
	}
	out[len(out)-1] = strings.TrimRight(last, " ,;:–-") + ellipsis
	return out
}

// sanitize collapses white space to single spaces and removes characters
// the font cannot draw, such as emoji, which would show as empty boxes.
func sanitize(f *sfnt.Font, s string) string {
	var buf sfnt.Buffer
	var b strings.Builder
	removed := false
	for _, r := range s {
		switch {
		case r == '\u00A0' || r == '\u202F':
			b.WriteRune(r) // kept for words; drawn as a space
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			if gi, err := f.GlyphIndex(&buf, r); err == nil && gi != 0 {
				b.WriteRune(r)
			} else {
				removed = true
			}
		}
	}
	out := strings.Join(strings.FieldsFunc(b.String(), func(r rune) bool { return r == ' ' }), " ")
	if removed {
		// "cafés 🚨." would otherwise read "cafés ." on the card.
		out = strings.NewReplacer(" .", ".", " ,", ",", " )", ")").Replace(out)
	}
	return out
}
