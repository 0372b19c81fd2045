package card

import (
	"image"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

func (r *Renderer) draw(l layout) (*image.RGBA, error) {
	img := image.NewRGBA(image.Rectangle{Max: l.size})
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	draw.Draw(img, l.band, image.NewUniform(l.bandColour), image.Point{}, draw.Src)
	if !l.box.Empty() {
		draw.Draw(img, l.box, image.NewUniform(boxPaper), image.Point{}, draw.Src)
		draw.Draw(img, l.accent, image.NewUniform(l.bandColour), image.Point{}, draw.Src)
	}
	for _, t := range l.texts {
		if err := r.drawText(img, t); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// drawText sets each line on a baseline centred in its line box, so the
// block's height is exactly lines × line height whatever the font's metrics.
func (r *Renderer) drawText(img *image.RGBA, t placed) error {
	face, err := newFace(r.font(t.bold), t.size)
	if err != nil {
		return err
	}
	defer face.Close()
	m := face.Metrics()
	glyphs := (m.Ascent + m.Descent).Ceil()
	d := font.Drawer{Dst: img, Src: image.NewUniform(t.colour), Face: face}
	for i, line := range t.lines {
		baseline := t.top + i*t.lineHeight + (t.lineHeight-glyphs)/2 + m.Ascent.Ceil()
		d.Dot = fixed.P(t.x, baseline)
		d.DrawString(line)
	}
	return nil
}
