package card

import (
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Commandez par SMS au 06 00 00 12 34", []string{"Commandez", "par", "SMS", "au", "06 00 00 12 34"}},
		{"depuis 15 h 39 à cause", []string{"depuis", "15 h 39", "à", "cause"}},
		{"remise de 10 % ce soir", []string{"remise", "de", "10 %", "ce", "soir"}},
		{"le 3 février", []string{"le", "3", "février"}},
		{"Attention\u00a0: panne", []string{"Attention :", "panne"}},
	}
	for _, tt := range tests {
		if got := words(tt.in); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSanitize(t *testing.T) {
	r, _ := fixture(t)
	tests := []struct{ in, want string }{
		{"Panne  générale\n en cours", "Panne générale en cours"},
		{"Nos cafés 🚨.", "Nos cafés."},
		{"Œufs, crème brûlée « maison » ’", "Œufs, crème brûlée « maison » ’"},
		{"👨\u200d👩\u200d👧 famille", "famille"},
	}
	for _, tt := range tests {
		if got := sanitize(r.regular, tt.in); got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWrapBreaksOverlongWord(t *testing.T) {
	r, _ := fixture(t)
	face, err := newFace(r.regular, 40)
	if err != nil {
		t.Fatal(err)
	}
	url := "https://cafe-express.example/" + strings.Repeat("statut", 20)
	lines := wrap(face, "voir "+url, 400)
	if len(lines) < 3 || strings.Join(lines, "") != "voir"+url {
		t.Fatalf("lines = %q", lines)
	}
	for _, l := range lines {
		if w := width(face, l); w > 400 {
			t.Errorf("%q is %d px > 400", l, w)
		}
	}
}

func TestEllipsisAndAccentsHaveGlyphs(t *testing.T) {
	r, _ := fixture(t)
	const french = "àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔÙÛÜŸŒÆ«»’…€"
	for _, f := range []bool{false, true} {
		if got := sanitize(r.font(f), french); got != french {
			t.Errorf("bold=%v: font lacks some of %q: kept %q", f, french, got)
		}
	}
}
