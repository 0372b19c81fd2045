package sentiment

import (
	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/lexicon"
	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Config holds the training settings. DefaultConfig was chosen by 5-fold
// cross-validation on the UMSAB train split (see docs/nlp.md).
type Config struct {
	Base linear.Options
	Meta linear.Options
	// Aux, when set, is a model trained on other data (TrainAux) whose
	// logits are extra inputs of the meta model.
	Aux *linear.Model
}

// DefaultConfig is what `vigie nlp train` uses (Aux aside).
var DefaultConfig = Config{
	Base: linear.Options{Epochs: 10, L2: 1e-2, Rate: 0.1},
	Meta: linear.Options{Epochs: 10, L2: 1e-4, Rate: 0.05},
}

// AuxOptions and AuxBits are the settings of the auxiliary model.
var AuxOptions = linear.Options{Epochs: 5, L2: 1e-2, Rate: 0.1}

// AuxBits is the size of the auxiliary model's hashed feature space.
const AuxBits = 16

const folds = 5

// row is one extracted training example.
type row struct {
	feats  []uint32
	dense  []float32
	scores lexicon.Scores
	label  int
}

func labelIndex(labels []string, l string) int {
	for i, x := range labels {
		if x == l {
			return i
		}
	}
	return -1
}

func extractRows(lex *lexicon.Lexicon, ex []corpus.Example) []row {
	var tk textutil.Tokenizer
	var e Extractor
	rows := make([]row, 0, len(ex))
	for _, x := range ex {
		label := labelIndex(Labels, x.Label)
		if label < 0 {
			continue
		}
		e.Extract(tk.Tokenize(x.Text), lex)
		s := e.Scores
		s.Hits = nil
		rows = append(rows, row{append([]uint32(nil), e.Feats...), append([]float32(nil), e.Dense[:]...), s, label})
	}
	return rows
}

// Train fits a sentiment model for lang on labelled examples with
// DefaultConfig and the given auxiliary model (nil for none).
func Train(lang string, lex *lexicon.Lexicon, ex []corpus.Example, aux *linear.Model, seed uint64) *Model {
	c := DefaultConfig
	c.Aux = aux
	return TrainConfig(lang, lex, ex, seed, c)
}

// TrainConfig fits a sentiment model for lang: the base model on all
// examples, the meta model on the base model's out-of-fold scores (plus
// the lexical features and the auxiliary logits) so that it learns how far
// to trust them.
func TrainConfig(lang string, lex *lexicon.Lexicon, ex []corpus.Example, seed uint64, c Config) *Model {
	m := fit(lang, extractRows(lex, ex), seed, c)
	m.Lex = lex
	return m
}

func fit(lang string, rows []row, seed uint64, c Config) *Model {
	base := func(skip int) *linear.Model {
		var s []linear.Sample
		for i, r := range rows {
			if skip < 0 || i%folds != skip {
				s = append(s, linear.Sample{Feats: r.feats, Label: r.label})
			}
		}
		o := c.Base
		o.Seed = seed
		return linear.Train(linear.New("sentiment-"+lang+"-base", Labels, Bits, 0), s, o)
	}
	na := 0
	if c.Aux != nil {
		na = c.Aux.K()
	}
	meta := make([]linear.Sample, len(rows))
	for f := 0; f < folds; f++ {
		m := base(f)
		for i, r := range rows {
			if i%folds == f {
				d := make([]float32, 3+NDense+na)
				m.Logits(r.feats, nil, d[:3])
				copy(d[3:], r.dense)
				if c.Aux != nil {
					c.Aux.Logits(r.feats, nil, d[3+NDense:])
				}
				meta[i] = linear.Sample{Dense: d, Label: r.label}
			}
		}
	}
	o := c.Meta
	o.Seed = seed
	mm := linear.Train(linear.New("sentiment-"+lang+"-meta", Labels, 0, 3+NDense+na), meta, o)
	return &Model{Lang: lang, Base: base(-1), Meta: mm, Aux: c.Aux}
}

// TrainAux fits the auxiliary model on labelled examples of other data
// (labels from Labels), with the sparse features of Extract.
func TrainAux(name string, lex *lexicon.Lexicon, ex []corpus.Example, seed uint64) *linear.Model {
	var tk textutil.Tokenizer
	var e Extractor
	var s []linear.Sample
	for _, x := range ex {
		label := labelIndex(Labels, x.Label)
		if label < 0 {
			continue
		}
		e.Extract(tk.Tokenize(x.Text), lex)
		s = append(s, linear.Sample{Feats: append([]uint32(nil), e.Feats...), Label: label})
	}
	o := AuxOptions
	o.Seed = seed
	return linear.Train(linear.New(name, Labels, AuxBits, 0), s, o)
}

// CrossValidate returns the pooled confusion matrix of k-fold
// cross-validation on ex; every fold trains the whole stack, with its own
// inner out-of-fold meta training. rep selects the fold assignment: 0
// puts example i in fold i%k, other values a hashed assignment.
func CrossValidate(lang string, lex *lexicon.Lexicon, ex []corpus.Example, seed uint64, c Config, k, rep int) *corpus.Confusion {
	rows := extractRows(lex, ex)
	conf := corpus.NewConfusion(Labels)
	var e Extractor
	for f := 0; f < k; f++ {
		var tr, te []row
		for i, r := range rows {
			fold := i % k
			if rep > 0 {
				fold = int(textutil.Mix(uint32(i), uint32(rep)) % uint32(k))
			}
			if fold == f {
				te = append(te, r)
			} else {
				tr = append(tr, r)
			}
		}
		m := fit(lang, tr, seed, c)
		for _, r := range te {
			e.Feats = append(e.Feats[:0], r.feats...)
			copy(e.Dense[:], r.dense)
			e.Scores = r.scores
			conf.Add(Labels[r.label], m.decide(&e).Label)
		}
	}
	return conf
}

// AuxData reads the English auxiliary training data: the human-rated
// sentences of vader-groundtruth-en (tweets, movie and product reviews,
// editorials), mean rating ±1 (of ±4) and beyond as negative/positive.
func AuxData(data string) ([]corpus.Example, error) {
	var out []corpus.Example
	for _, n := range []string{"tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets"} {
		x, err := corpus.VADER(data, n, 0.25)
		if err != nil {
			return nil, err
		}
		out = append(out, x...)
	}
	return out, nil
}
