package abuse

import (
	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Tune picks the model-only thresholds that maximise macro-F1 on val while
// keeping false "abusive" or "hateful" on the plain complaints at or below
// maxFalse. It returns the chosen macro-F1.
func (m *Model) Tune(val []corpus.Example, complaints []string, maxFalse float64) float64 {
	type scored struct {
		p    [3]float32
		c    Cues
		gold string
	}
	var tk textutil.Tokenizer
	var s Scratch
	score := func(text, gold string) scored {
		m.Extract(text, tk.Tokenize(text), &s)
		var p [3]float32
		m.Lin.Probs(s.Feats, s.Dense[:], p[:])
		return scored{p, s.Cues, gold}
	}
	vs := make([]scored, len(val))
	for i, x := range val {
		vs[i] = score(x.Text, x.Label)
	}
	cs := make([]scored, len(complaints))
	for i, t := range complaints {
		cs[i] = score(t, "ok")
	}
	best, bestA, bestH := -1.0, float32(0.9), float32(0.9)
	for a := float32(0.5); a <= 0.951; a += 0.05 {
		for h := float32(0.5); h <= 0.951; h += 0.05 {
			m.Abusive, m.Hateful = a, h
			bad := 0
			for _, x := range cs {
				if m.decide(x.p, &x.c).Label != "ok" {
					bad++
				}
			}
			if float64(bad) > maxFalse*float64(len(cs)) {
				continue
			}
			c := corpus.NewConfusion(Labels)
			for _, x := range vs {
				c.Add(x.gold, m.decide(x.p, &x.c).Label)
			}
			if f := c.MacroF1(); f > best+1e-9 {
				best, bestA, bestH = f, a, h
			}
		}
	}
	m.Abusive, m.Hateful = bestA, bestH
	return best
}
