package card

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// update rewrites the goldens: go test ./internal/social/card -update
var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata")

// Tolerances of the golden comparison. The rasteriser is pure Go and gives
// the same bytes here every time; the slack absorbs anti-aliasing changes
// from a new x/image or from fused multiply-add on other CPUs, while a
// moved or missing line of text changes far more pixels than this.
const (
	channelTolerance = 40    // per 8-bit channel
	maxDiffFraction  = 0.003 // of all pixels
)

var paris = time.FixedZone("CET", 3600)

func fixture(t testing.TB) (*Renderer, Card) {
	t.Helper()
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	brand, err := ParseHexColour("#6F4E37")
	if err != nil {
		t.Fatal(err)
	}
	return r, Card{
		Organisation: "Café Express",
		Status:       "Panne majeure",
		Sentence:     "Nos commandes WhatsApp sont indisponibles depuis 15 h 39 à cause d’une panne générale chez Meta 🚨. Vos cafés sont toujours préparés.",
		Continuity:   "Commandez par SMS au 06 00 00 12 34",
		Time:         time.Date(2026, 2, 3, 15, 40, 0, 0, paris),
		Lang:         "fr",
		Brand:        brand,
	}
}

func TestGolden(t *testing.T) {
	r, base := fixture(t)
	english := base
	english.Lang = "en"
	english.Status = "Major outage"
	english.Brand = mustHex(t, "#FFD400") // light: needs black text
	english.Sentence = longEnglish
	english.Continuity = "Order by text message on +33 6 00 00 12 34 or call the shop on +33 1 23 45 67 89, we answer every call until the outage is over"
	tests := []struct {
		name   string
		card   Card
		format Format
	}{
		{"feed_fr", base, Feed},
		{"story_fr", base, Story},
		{"feed_en_long", english, Feed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.PNG(tt.card, tt.format)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.name+".png")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if bytes.Equal(got, want) {
				return
			}
			n, total := diffPixels(t, got, want)
			if frac := float64(n) / float64(total); frac > maxDiffFraction {
				out := filepath.Join(os.TempDir(), "vigie-card-"+tt.name+".png")
				_ = os.WriteFile(out, got, 0o644)
				t.Errorf("%s: %d of %d pixels differ (%.3f%% > %.3f%%); compare with %s, then run with -update if it is right",
					path, n, total, 100*frac, 100*maxDiffFraction, out)
			}
		})
	}
}

const longEnglish = "Orders sent through WhatsApp are not reaching us because Meta's messaging service is down for everyone in Europe. " +
	"Nothing is lost on our side and every order we already confirmed will be delivered on time, but new orders sent to our " +
	"WhatsApp number will not arrive until the service is back. We will post an update every thirty minutes on this page and " +
	"on our social accounts until it is fixed, and we will tell you as soon as WhatsApp works again."

func mustHex(t testing.TB, s string) (c color.RGBA) {
	t.Helper()
	c, err := ParseHexColour(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// diffPixels counts the pixels where any channel differs by more than
// channelTolerance; images of different sizes differ everywhere.
func diffPixels(t *testing.T, a, b []byte) (n, total int) {
	t.Helper()
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("golden: %v", err)
	}
	bounds := ia.Bounds()
	total = bounds.Dx() * bounds.Dy()
	if bounds != ib.Bounds() {
		return total, total
	}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			if pixelDiffers(ia, ib, x, y) {
				n++
			}
		}
	}
	return n, total
}

func pixelDiffers(a, b image.Image, x, y int) bool {
	r1, g1, b1, a1 := a.At(x, y).RGBA()
	r2, g2, b2, a2 := b.At(x, y).RGBA()
	for _, d := range [...][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}, {a1, a2}} {
		diff := int(d[0]>>8) - int(d[1]>>8)
		if diff > channelTolerance || diff < -channelTolerance {
			return true
		}
	}
	return false
}

func TestDeterministic(t *testing.T) {
	r, c := fixture(t)
	a, err := r.PNG(c, Story)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.PNG(c, Story)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two renders of the same card differ")
	}
	if img, err := png.Decode(bytes.NewReader(a)); err != nil || img.Bounds().Size() != Story.Size() {
		t.Errorf("story PNG: %v, size %v", err, img.Bounds().Size())
	}
}

func BenchmarkRenderFeed(b *testing.B) {
	r, c := fixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.PNG(c, Feed); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderFeedImage leaves out the PNG encoding, which dominates.
func BenchmarkRenderFeedImage(b *testing.B) {
	r, c := fixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(c, Feed); err != nil {
			b.Fatal(err)
		}
	}
}
