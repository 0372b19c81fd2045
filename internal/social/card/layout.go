package card

import (
	"errors"
	"image"
	"image/color"
	"math"
)

// Colours of the white part of the card; each passes WCAG AA on the colour
// under it, which TestPaletteContrast checks.
var (
	paper    = color.RGBA{255, 255, 255, 255}
	ink      = color.RGBA{0x1A, 0x1A, 0x1A, 255}
	boxPaper = color.RGBA{0xF0, 0xF0, 0xF0, 255}
	muted    = color.RGBA{0x59, 0x59, 0x59, 255}
)

// ErrNoStatus is returned for a card without a status headline.
var ErrNoStatus = errors.New("card: status is empty")

// geometry is the grid of a format.
type geometry struct {
	margin int // left and right
	// safeTop and safeBottom keep text out of the parts of a story that
	// the apps cover with the profile name and the reply field.
	safeTop, safeBottom int
	pad                 int // inside the band and above the footer
	statusMax           float64
	sentenceMax         float64
	continuityMax       float64
}

func geometryFor(f Format) geometry {
	if f == Story {
		return geometry{margin: 80, safeTop: 250, safeBottom: 250, pad: 64, statusMax: 132, sentenceMax: 72, continuityMax: 52}
	}
	return geometry{margin: 80, pad: 56, statusMax: 120, sentenceMax: 60, continuityMax: 46}
}

// Type sizes that do not depend on the format.
const (
	orgSize        = 40
	timeSize       = MinFontPx
	statusMin      = 64
	statusOneLine  = 88 // below this a two-line status reads better
	sentenceMin    = 36
	continuityMin  = 34
	bodyLeading    = 1.25
	statusLeading  = 1.1
	boxPad         = 32
	accentWidth    = 12
	gap            = 48
	continuityRows = 3
)

// placed is a block of text at its position.
type placed struct {
	block
	x, top, width int
	colour        color.RGBA
}

// layout is everything draw needs, computed before any pixel is set so
// that tests can check that nothing overflows.
type layout struct {
	size        image.Point
	band        image.Rectangle
	bandColour  color.RGBA
	box, accent image.Rectangle // empty without a continuity option
	texts       []placed
}

func (r *Renderer) layout(c Card, f Format) (layout, error) {
	g := geometryFor(f)
	size := f.Size()
	w := size.X - 2*g.margin
	onBand := TextColourOn(c.Brand)
	l := layout{size: size, bandColour: c.Brand}
	status := sanitize(r.bold, c.Status)
	if status == "" {
		return l, ErrNoStatus
	}

	y := g.safeTop + g.pad
	if org := sanitize(r.bold, c.Organisation); org != "" {
		b, err := r.fit(org, fitSpec{bold: true, maxSize: orgSize, minSize: orgSize, maxLines: 1, width: w, height: math.MaxInt32, leading: bodyLeading})
		if err != nil {
			return l, err
		}
		l.texts = append(l.texts, placed{block: b, x: g.margin, top: y, width: w, colour: onBand})
		y += b.height() + 8
	}
	sb, err := r.fit(status, fitSpec{bold: true, maxSize: g.statusMax, minSize: statusOneLine, maxLines: 1, width: w, height: math.MaxInt32, leading: statusLeading})
	if err != nil {
		return l, err
	}
	if sb.truncated {
		sb, err = r.fit(status, fitSpec{bold: true, maxSize: g.statusMax, minSize: statusMin, maxLines: 2, width: w, height: math.MaxInt32, leading: statusLeading})
		if err != nil {
			return l, err
		}
	}
	l.texts = append(l.texts, placed{block: sb, x: g.margin, top: y, width: w, colour: onBand})
	y += sb.height() + g.pad
	l.band = image.Rect(0, 0, size.X, y)

	// The footer and the continuity box are laid from the bottom up; the
	// sentence gets whatever room is left between them and the band.
	bottom := size.Y - g.safeBottom - g.pad
	tb, err := r.fit(sanitize(r.regular, TimeLabel(c)), fitSpec{maxSize: timeSize, minSize: timeSize, maxLines: 1, width: w, height: math.MaxInt32, leading: bodyLeading})
	if err != nil {
		return l, err
	}
	bottom -= tb.height()
	l.texts = append(l.texts, placed{block: tb, x: g.margin, top: bottom, width: w, colour: muted})
	bottom -= gap

	if cont := sanitize(r.bold, c.Continuity); cont != "" {
		inner := w - 2*boxPad - accentWidth
		cb, err := r.fit(cont, fitSpec{bold: true, maxSize: g.continuityMax, minSize: continuityMin, maxLines: continuityRows, width: inner, height: math.MaxInt32, leading: bodyLeading})
		if err != nil {
			return l, err
		}
		l.box = image.Rect(g.margin, bottom-cb.height()-2*boxPad, g.margin+w, bottom)
		l.accent = image.Rect(l.box.Min.X, l.box.Min.Y, l.box.Min.X+accentWidth, l.box.Max.Y)
		l.texts = append(l.texts, placed{block: cb, x: l.accent.Max.X + boxPad, top: l.box.Min.Y + boxPad, width: inner, colour: ink})
		bottom = l.box.Min.Y - gap
	}

	top := l.band.Max.Y + gap
	if s := sanitize(r.regular, c.Sentence); s != "" {
		b, err := r.fit(s, fitSpec{maxSize: g.sentenceMax, minSize: sentenceMin, width: w, height: bottom - top, leading: bodyLeading})
		if err != nil {
			return l, err
		}
		l.texts = append(l.texts, placed{block: b, x: g.margin, top: top, width: w, colour: ink})
	}
	return l, nil
}

func (b block) height() int { return len(b.lines) * b.lineHeight }
