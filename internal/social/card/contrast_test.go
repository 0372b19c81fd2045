package card

import (
	"image/color"
	"math"
	"testing"
)

func TestContrastRatio(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"#000000", "#FFFFFF", 21},
		{"#FFFFFF", "#000000", 21},
		{"#777777", "#777777", 1},
		{"#777777", "#FFFFFF", 4.48}, // the classic grey that just fails AA
		{"#595959", "#FFFFFF", 7.00},
	}
	for _, tt := range tests {
		got := ContrastRatio(mustHex(t, tt.a), mustHex(t, tt.b))
		if math.Abs(got-tt.want) > 0.01 {
			t.Errorf("ContrastRatio(%s, %s) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestTextColourOn(t *testing.T) {
	tests := []struct {
		brand string
		want  color.RGBA
	}{
		{"#6F4E37", white}, // coffee
		{"#0B3D91", white}, // navy
		{"#FFD400", black}, // yellow
		{"#25D366", black}, // WhatsApp green: white would fail AA
		{"#1877F2", black}, // Facebook blue: white is only 4.2:1
		{"#777777", black}, // mid grey: black wins narrowly
		{"#000000", white},
		{"#FFFFFF", black},
	}
	for _, tt := range tests {
		bg := mustHex(t, tt.brand)
		got := TextColourOn(bg)
		if got != tt.want {
			t.Errorf("TextColourOn(%s) = %v, want %v", tt.brand, got, tt.want)
		}
		if r := ContrastRatio(got, bg); r < ContrastAA {
			t.Errorf("%s: contrast %.2f < %.1f", tt.brand, r, ContrastAA)
		}
	}
}

// TestTextColourOnEveryColour walks the RGB cube in steps of 15 to show
// that black or white always reaches AA, whatever the plan's brand colour.
func TestTextColourOnEveryColour(t *testing.T) {
	for r := 0; r <= 255; r += 15 {
		for g := 0; g <= 255; g += 15 {
			for b := 0; b <= 255; b += 15 {
				bg := color.RGBA{uint8(r), uint8(g), uint8(b), 255}
				if c := ContrastRatio(TextColourOn(bg), bg); c < ContrastAA {
					t.Fatalf("%v: best contrast %.2f < %.1f", bg, c, ContrastAA)
				}
			}
		}
	}
}

func TestPaletteContrast(t *testing.T) {
	pairs := []struct {
		name   string
		fg, bg color.RGBA
	}{
		{"sentence", ink, paper},
		{"continuity", ink, boxPaper},
		{"time", muted, paper},
	}
	for _, p := range pairs {
		if c := ContrastRatio(p.fg, p.bg); c < ContrastAA {
			t.Errorf("%s: contrast %.2f < %.1f", p.name, c, ContrastAA)
		}
	}
}

func TestParseHexColour(t *testing.T) {
	tests := []struct {
		in      string
		want    color.RGBA
		wantErr bool
	}{
		{"#6F4E37", color.RGBA{0x6F, 0x4E, 0x37, 255}, false},
		{"#ffd400", color.RGBA{0xFF, 0xD4, 0x00, 255}, false},
		{"6F4E37", color.RGBA{}, true},
		{"#6F4E3", color.RGBA{}, true},
		{"#GGGGGG", color.RGBA{}, true},
		{"", color.RGBA{}, true},
	}
	for _, tt := range tests {
		got, err := ParseHexColour(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseHexColour(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
