package card

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
)

// WCAG 2.x contrast thresholds.
const (
	// ContrastAA is the minimum ratio for normal-size text.
	ContrastAA = 4.5
	// ContrastAALarge is the minimum for large text (24 px, or 18.66 px bold).
	ContrastAALarge = 3.0
)

// Text colours the card chooses between on the brand band: pure black and
// white, because one of them always reaches 4.58:1 against any colour while
// any softer pair can fall under 4.5:1 for mid-tones.
var (
	black = color.RGBA{0, 0, 0, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// ParseHexColour parses the plan's "#RRGGBB" brand colour.
func ParseHexColour(s string) (color.RGBA, error) {
	if len(s) != 7 || s[0] != '#' {
		return color.RGBA{}, fmt.Errorf("card: colour %q is not #RRGGBB", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return color.RGBA{}, fmt.Errorf("card: colour %q is not #RRGGBB: %w", s, err)
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}, nil
}

// RelativeLuminance returns the WCAG relative luminance of c, from 0 for
// black to 1 for white. Transparency is ignored.
func RelativeLuminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// ContrastRatio returns the WCAG contrast ratio between two colours, from
// 1 (none) to 21 (black on white).
func ContrastRatio(a, b color.Color) float64 {
	la, lb := RelativeLuminance(a), RelativeLuminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TextColourOn returns black or white, whichever contrasts more with bg.
func TextColourOn(bg color.Color) color.RGBA {
	if ContrastRatio(black, bg) >= ContrastRatio(white, bg) {
		return black
	}
	return white
}
