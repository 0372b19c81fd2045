package sentiment

import (
	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/lexicon"
	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Training settings chosen by 5-fold cross-validation on UMSAB train+val
// (see docs/nlp.md).
var (
	baseOpts = linear.Options{Epochs: 10, L2: 1e-2, Rate: 0.1}
	metaOpts = linear.Options{Epochs: 10, L2: 1e-4, Rate: 0.05}
)

const folds = 5

// Train fits a sentiment model for lang on labelled examples: the base
// model on all of them, the meta model on the base model's out-of-fold
// scores so that it learns how far to trust them.
func Train(lang string, lex *lexicon.Lexicon, ex []corpus.Example, seed uint64) *Model {
	var tk textutil.Tokenizer
	var e Extractor
	type row struct {
		feats []uint32
		dense []float32
		label int
	}
	rows := make([]row, 0, len(ex))
	for _, x := range ex {
		label := -1
		for i, l := range Labels {
			if l == x.Label {
				label = i
			}
		}
		if label < 0 {
			continue
		}
		e.Extract(tk.Tokenize(x.Text), lex)
		rows = append(rows, row{append([]uint32(nil), e.Feats...), append([]float32(nil), e.Dense[:]...), label})
	}
	base := func(skip int) *linear.Model {
		var s []linear.Sample
		for i, r := range rows {
			if skip < 0 || i%folds != skip {
				s = append(s, linear.Sample{Feats: r.feats, Label: r.label})
			}
		}
		o := baseOpts
		o.Seed = seed
		return linear.Train(linear.New("sentiment-"+lang+"-base", Labels, Bits, 0), s, o)
	}
	meta := make([]linear.Sample, len(rows))
	for f := 0; f < folds; f++ {
		m := base(f)
		for i, r := range rows {
			if i%folds == f {
				d := make([]float32, 3, 3+NDense)
				m.Logits(r.feats, nil, d)
				meta[i] = linear.Sample{Dense: append(d, r.dense...), Label: r.label}
			}
		}
	}
	o := metaOpts
	o.Seed = seed
	mm := linear.Train(linear.New("sentiment-"+lang+"-meta", Labels, 0, 3+NDense), meta, o)
	return &Model{Lang: lang, Lex: lex, Base: base(-1), Meta: mm}
}
