package rumour

import (
	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Train fits the classifier on examples labelled "rumour" or "non-rumour"
// (PHEME spelling) or "non_rumour". Classes are balanced by weight.
func Train(ex []corpus.Example, seed uint64) *Model {
	var tk textutil.Tokenizer
	var s Scratch
	var samples []linear.Sample
	for _, x := range ex {
		label := 0
		switch x.Label {
		case "rumour":
			label = 1
		case "non-rumour", "non_rumour":
		default:
			continue
		}
		Extract(tk.Tokenize(x.Text), &s)
		samples = append(samples, linear.Sample{Feats: append([]uint32(nil), s.Feats...), Dense: append([]float32(nil), s.Dense[:]...), Label: label})
	}
	lin := linear.New("rumour", Labels, Bits, NDense)
	linear.Train(lin, samples, linear.Options{Epochs: 8, Rate: 0.1, L2: 1e-3, Seed: seed, Balance: true})
	return &Model{Lin: lin, Threshold: 0.5}
}
