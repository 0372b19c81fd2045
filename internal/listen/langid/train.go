package langid

import (
	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// OtherTest returns our held-out sentences in other languages.
func OtherTest() []corpus.Example {
	out := make([]corpus.Example, len(otherTest))
	for i, s := range otherTest {
		out[i] = corpus.Example{Text: s, Label: "other"}
	}
	return out
}

// Train fits the model on examples whose Label is "fr" or "en" plus our own
// sentences in other languages and outage posts.
func Train(ex []corpus.Example, seed uint64) *Model {
	var tk textutil.Tokenizer
	var samples []linear.Sample
	add := func(text string, label int, w float32) {
		f, _, _ := Features(nil, tk.Tokenize(text))
		if len(f) > 0 {
			samples = append(samples, linear.Sample{Feats: f, Label: label, Weight: w})
		}
	}
	for _, x := range ex {
		switch x.Label {
		case "fr":
			add(x.Text, 0, 1)
		case "en":
			add(x.Text, 1, 1)
		}
	}
	// "other" gets a tenth of the weight of the rest: enough to learn what
	// Spanish or German looks like, not so much that short French or
	// English posts fall into it.
	n := float32(len(samples))
	for _, s := range otherTrain {
		add(s, 2, n/float32(10*len(otherTrain)))
	}
	for r := 0; r < 5; r++ {
		for _, s := range domainFR {
			add(s, 0, 1)
		}
		for _, s := range domainEN {
			add(s, 1, 1)
		}
	}
	lin := linear.New("langid", Labels, Bits, 0)
	linear.Train(lin, samples, linear.Options{Epochs: 5, Rate: 0.1, L2: 1e-4, Seed: seed})
	return &Model{Lin: lin}
}
