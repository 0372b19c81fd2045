// Package card draws the PNG image card that goes with each public update
// on social networks: a band in the brand colour with the organisation and
// the status in large type, the key sentence, the continuity option
// ("Commandez par SMS au …") and the time of the update. It also writes the
// matching alt text.
//
// Rendering is pure Go with the embedded Go fonts, so the same card gives
// the same bytes on every machine, which the golden tests rely on.
package card

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"time"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// Format is the shape of a card.
type Format int

// The two shapes networks show images in.
const (
	// Feed is the 1080×1080 square of a feed post.
	Feed Format = iota
	// Story is the 1080×1920 portrait of a story.
	Story
)

// Size returns the card's size in pixels.
func (f Format) Size() image.Point {
	if f == Story {
		return image.Pt(1080, 1920)
	}
	return image.Pt(1080, 1080)
}

// String names the format as in file names ("feed", "story").
func (f Format) String() string {
	if f == Story {
		return "story"
	}
	return "feed"
}

// MinFontPx is the smallest type on a card, in output pixels. A 1080-pixel
// card is shown about 360 points wide on a phone, so 32 px reads as 11 pt.
const MinFontPx = 32

// Card is the data of one update's image.
type Card struct {
	// Organisation is the business's name, from the plan.
	Organisation string
	// Status is the headline, such as "Panne majeure" or "Major outage".
	Status string
	// Sentence is the update's key sentence; the card may shorten it.
	Sentence string
	// Continuity is the way to keep being served, such as "Commandez par
	// SMS au 06 00 00 12 34"; optional.
	Continuity string
	// Time is when the update was published, in the zone to show.
	Time time.Time
	// Lang is "fr" or "en" and sets the wording of the time and alt text.
	Lang string
	// Brand is the band's colour.
	Brand color.RGBA
}

// Renderer draws cards. It holds only the parsed fonts and is safe for
// concurrent use.
type Renderer struct {
	regular, bold *sfnt.Font
}

// NewRenderer parses the embedded fonts.
func NewRenderer() (*Renderer, error) {
	regular, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("card: parse Go Regular: %w", err)
	}
	bold, err := opentype.Parse(gobold.TTF)
	if err != nil {
		return nil, fmt.Errorf("card: parse Go Bold: %w", err)
	}
	return &Renderer{regular: regular, bold: bold}, nil
}

func (r *Renderer) font(bold bool) *sfnt.Font {
	if bold {
		return r.bold
	}
	return r.regular
}

// Render draws the card in format f.
func (r *Renderer) Render(c Card, f Format) (*image.RGBA, error) {
	l, err := r.layout(c, f)
	if err != nil {
		return nil, err
	}
	return r.draw(l)
}

// WritePNG draws the card in format f and writes it to w as a PNG.
func (r *Renderer) WritePNG(w io.Writer, c Card, f Format) error {
	img, err := r.Render(c, f)
	if err != nil {
		return err
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("card: encode %s PNG: %w", f, err)
	}
	return nil
}

// PNG returns the card in format f as PNG bytes.
func (r *Renderer) PNG(c Card, f Format) ([]byte, error) {
	var b bytes.Buffer
	if err := r.WritePNG(&b, c, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
