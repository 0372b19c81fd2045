package card

import (
	"errors"
	"strings"
	"testing"
)

// checkLayout fails when any text leaves the card or its column, overlaps
// another block, or is set smaller than MinFontPx.
func checkLayout(t *testing.T, r *Renderer, l layout) {
	t.Helper()
	for i, p := range l.texts {
		if p.size < MinFontPx {
			t.Errorf("block %d set at %.0f px < %d", i, p.size, MinFontPx)
		}
		if p.top < 0 || p.top+p.height() > l.size.Y || p.x < 0 || p.x+p.width > l.size.X {
			t.Errorf("block %d (%q) leaves the card", i, p.lines)
		}
		face, err := newFace(r.font(p.bold), p.size)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range p.lines {
			if w := width(face, line); w > p.width {
				t.Errorf("line %q is %d px wide, column is %d", line, w, p.width)
			}
		}
		for j, q := range l.texts[:i] {
			if p.top < q.top+q.height() && q.top < p.top+p.height() {
				t.Errorf("blocks %d and %d overlap", j, i)
			}
		}
	}
}

func TestLayoutBothSizes(t *testing.T) {
	r, c := fixture(t)
	for _, f := range []Format{Feed, Story} {
		t.Run(f.String(), func(t *testing.T) {
			l, err := r.layout(c, f)
			if err != nil {
				t.Fatal(err)
			}
			if l.size != f.Size() {
				t.Errorf("size %v, want %v", l.size, f.Size())
			}
			checkLayout(t, r, l)
			if len(l.texts) != 5 {
				t.Errorf("%d text blocks, want organisation, status, time, continuity and sentence", len(l.texts))
			}
			if f == Story {
				g := geometryFor(Story)
				for _, p := range l.texts {
					if p.top < g.safeTop || p.top+p.height() > l.size.Y-g.safeBottom {
						t.Errorf("%q is in the part of the story the apps cover", p.lines)
					}
				}
			}
		})
	}
}

func TestLayoutLongFrenchSentence(t *testing.T) {
	r, c := fixture(t)
	c.Sentence = strings.Repeat("Nos commandes WhatsApp sont indisponibles à cause d’une panne générale chez Meta ; "+
		"nous préparons toujours vos cafés et vos pâtisseries, et nous livrons les commandes déjà confirmées. ", 4)
	tests := []struct {
		name      string
		sentence  string
		truncated bool
	}{
		{"fits by shrinking", c.Sentence[:len(c.Sentence)/3], false},
		{"truncated at the minimum size", c.Sentence, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Sentence = tt.sentence
			l, err := r.layout(c, Feed)
			if err != nil {
				t.Fatal(err)
			}
			checkLayout(t, r, l)
			s := l.texts[len(l.texts)-1]
			if s.truncated != tt.truncated {
				t.Fatalf("truncated = %v, want %v", s.truncated, tt.truncated)
			}
			joined := strings.Join(s.lines, " ")
			if tt.truncated {
				if s.size != sentenceMin || !strings.HasSuffix(joined, ellipsis) {
					t.Errorf("truncated at %.0f px, ending %q", s.size, joined[len(joined)-10:])
				}
				return
			}
			if s.size >= geometryFor(Feed).sentenceMax {
				t.Errorf("a long sentence was not shrunk: %.0f px", s.size)
			}
			if joined != sanitize(r.regular, tt.sentence) {
				t.Errorf("words lost:\n got %q\nwant %q", joined, tt.sentence)
			}
		})
	}
}

func TestLayoutLongStatusWrapsOnTwoLines(t *testing.T) {
	r, c := fixture(t)
	c.Status = "Commandes WhatsApp interrompues"
	l, err := r.layout(c, Feed)
	if err != nil {
		t.Fatal(err)
	}
	checkLayout(t, r, l)
	if status := l.texts[1]; len(status.lines) != 2 || status.truncated {
		t.Errorf("status lines = %q", status.lines)
	}
}

func TestLayoutWithoutOptionalParts(t *testing.T) {
	r, c := fixture(t)
	c.Organisation, c.Continuity, c.Sentence = "", "", ""
	l, err := r.layout(c, Feed)
	if err != nil {
		t.Fatal(err)
	}
	checkLayout(t, r, l)
	if !l.box.Empty() || len(l.texts) != 2 {
		t.Errorf("box %v, %d blocks; want no box, status and time", l.box, len(l.texts))
	}
	c.Status = " 🚨 "
	if _, err := r.layout(c, Feed); !errors.Is(err, ErrNoStatus) {
		t.Errorf("status of emoji only: err = %v, want ErrNoStatus", err)
	}
}
