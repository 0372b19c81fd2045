package sentiment

import (
	"os"
	"testing"

	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/lexicon"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// TestFuseMatchesStack checks that the fused model gives the stack's
// probabilities.
func TestFuseMatchesStack(t *testing.T) {
	b, err := os.ReadFile("../models/lexicon-en.tsv")
	if err != nil {
		t.Fatal(err)
	}
	lex, err := lexicon.Parse("en", b)
	if err != nil {
		t.Fatal(err)
	}
	var ex []corpus.Example
	texts := []string{"I love it", "this is awful, not working", "meh", "great, another outage 🙄", "not bad at all!!!", "the app is down", "thanks @support :)", "worst service ever #fail"}
	for i := 0; i < 60; i++ {
		ex = append(ex, corpus.Example{Text: texts[i%len(texts)], Label: Labels[(i*7)%3]})
	}
	for _, withAux := range []bool{false, true} {
		c := DefaultConfig
		if withAux {
			c.Aux = TrainAux("aux", lex, ex, 3)
		}
		m := TrainConfig("en", lex, ex, 1, c)
		var tk textutil.Tokenizer
		var e Extractor
		for _, txt := range texts {
			e.Extract(tk.Tokenize(txt), lex)
			m.fused = nil
			a := m.decide(&e)
			m.Fuse()
			f := m.decide(&e)
			for j := range a.Probs {
				if d := a.Probs[j] - f.Probs[j]; d > 1e-4 || d < -1e-4 {
					t.Errorf("aux %v, %q: stacked %v, fused %v", withAux, txt, a.Probs, f.Probs)
					break
				}
			}
		}
	}
}
