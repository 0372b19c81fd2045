package sentiment

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-hq/vigie/internal/listen/lexicon"
	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Model is the sentiment classifier of one language.
type Model struct {
	Lang string
	Lex  *lexicon.Lexicon
	Base *linear.Model // sparse features
	Meta *linear.Model // base logits, dense lexical features, aux logits
	Aux  *linear.Model // optional; trained on other data, same features

	fused *linear.Model // see Fuse
}

// FromBundle assembles a model from the models of its file, in the order
// base, meta and, optionally, aux; it checks that they fit together.
func FromBundle(lang string, lex *lexicon.Lexicon, ms []*linear.Model) (*Model, error) {
	if len(ms) != 2 && len(ms) != 3 {
		return nil, fmt.Errorf("sentiment: %d models in bundle, want 2 or 3", len(ms))
	}
	m := &Model{Lang: lang, Lex: lex, Base: ms[0], Meta: ms[1]}
	want := 3 + NDense
	if len(ms) == 3 {
		m.Aux = ms[2]
		if m.Aux.K() != len(Labels) || m.Aux.Dense != 0 {
			return nil, fmt.Errorf("sentiment: auxiliary model %q does not fit", m.Aux.Name)
		}
		want += m.Aux.K()
	}
	if m.Base.K() != len(Labels) || m.Meta.K() != len(Labels) || m.Meta.Dense != want || m.Meta.Bits != 0 || m.Base.Bits != Bits || m.Base.Dense != 0 || m.Aux != nil && m.Aux.Bits > Bits {
		return nil, fmt.Errorf("sentiment: base %q and meta %q do not fit", m.Base.Name, m.Meta.Name)
	}
	m.Fuse()
	return m, nil
}

// Fuse precomputes one linear model equal to the whole stack, so that a
// post costs one pass over its features instead of two or three. The meta
// model is linear in the base and auxiliary logits, and those are linear
// in the same hashed features with the same 1/sqrt(n) scale, so their
// weights combine bucket by bucket (an auxiliary bucket is the low bits of
// a base bucket).
func (m *Model) Fuse() {
	const k = 3
	f := linear.New(m.Base.Name+"-fused", Labels, Bits, NDense)
	// The meta model has no sparse features, but linear keeps one
	// (unused) bucket before the dense inputs: input d, class j is at
	// mw[d*k+j].
	mw := m.Meta.W[k:]
	aux := m.Aux
	auxAt := 3 + NDense
	var auxMask int
	if aux != nil {
		auxMask = 1<<aux.Bits - 1
	}
	for b := 0; b < 1<<Bits; b++ {
		bw := m.Base.W[b*k : b*k+k]
		var aw []float32
		if aux != nil {
			a := b & auxMask
			aw = aux.W[a*k : a*k+k]
		}
		for j := 0; j < k; j++ {
			var s float32
			for c := 0; c < k; c++ {
				s += mw[c*k+j] * bw[c]
				if aw != nil {
					s += mw[(auxAt+c)*k+j] * aw[c]
				}
			}
			f.W[b*k+j] = s
		}
	}
	base := (1 << Bits) * k
	copy(f.W[base:], mw[3*k:(3+NDense)*k])
	for j := 0; j < k; j++ {
		s := m.Meta.Bias[j]
		for c := 0; c < k; c++ {
			s += mw[c*k+j] * m.Base.Bias[c]
			if aux != nil {
				s += mw[(auxAt+c)*k+j] * aux.Bias[c]
			}
		}
		f.Bias[j] = s
	}
	m.fused = f
}

// Result is a sentiment decision.
type Result struct {
	Label    string
	Score    float32    // probability of Label
	Polarity float32    // P(positive) - P(negative), in [-1, 1]
	Probs    [3]float32 // negative, neutral, positive
}

// Classify labels tokens; e holds the scratch buffers and, afterwards, the
// lexical evidence used for explanations.
func (m *Model) Classify(toks []textutil.Token, e *Extractor) Result {
	e.Extract(toks, m.Lex)
	return m.decide(e)
}

// decide classifies the features already extracted into e.
func (m *Model) decide(e *Extractor) Result {
	var p [3]float32
	if m.fused != nil {
		m.fused.Probs(e.Feats, e.Dense[:], p[:])
	} else {
		m.Base.Logits(e.Feats, nil, e.meta[:3])
		copy(e.meta[3:], e.Dense[:])
		in := e.meta[:3+NDense]
		if m.Aux != nil {
			in = e.meta[:3+NDense+m.Aux.K()]
			m.Aux.Logits(e.Feats, nil, in[3+NDense:])
		}
		m.Meta.Probs(nil, in, p[:])
	}
	k := linear.ArgMax(p[:])
	// Negated negative words ("pas mal du tout", "not bad") read as
	// negative to a bag of words (and to the English auxiliary model);
	// when the lexicon sees nothing else and the model is not sure, trust
	// the lexicon.
	score := p[k]
	s := &e.Scores
	switch {
	case k == 0 && p[0] < 0.9 && s.Negated > 0 && s.NNeg == 0 && s.Compound > 0.2:
		k, score = 2, 1-p[0]
	// Hesitant praise next to an outage complaint or an eye-roll is
	// sarcasm.
	case k == 2 && p[2] < 0.6 && s.Sarcasm:
		k, score = 0, 1-p[2]
	// Strong one-sided lexical evidence beats a hesitant "neutral".
	case k == 1 && s.Compound >= 0.75 && s.NNeg == 0 && s.EmojiNeg == 0:
		k, score = 2, 1-p[0]
	case k == 1 && s.Compound <= -0.75 && s.NPos == 0 && s.EmojiPos == 0:
		k, score = 0, 1-p[2]
	}
	return Result{Label: Labels[k], Score: score, Polarity: p[2] - p[0], Probs: p}
}

// Explain writes a one-line reason for r from the lexical evidence in e.
func Explain(r Result, e *Extractor) string {
	var b strings.Builder
	fmt.Fprintf(&b, "polarity %+.2f", r.Polarity)
	s := &e.Scores
	if len(s.Hits) > 0 {
		b.WriteString("; words")
		for i, h := range s.Hits {
			if i == 4 {
				break
			}
			b.WriteString(" ")
			b.WriteString(strconv.Quote(h.Word))
			fmt.Fprintf(&b, "%+.1f", h.Valence)
			if h.Negated {
				b.WriteString("(negated)")
			}
		}
	}
	if s.EmojiPos != 0 || s.EmojiNeg != 0 {
		fmt.Fprintf(&b, "; emoji %+.1f", s.EmojiPos+s.EmojiNeg)
	}
	if s.Sarcasm {
		b.WriteString("; sarcasm marker")
	}
	if s.Contrast {
		b.WriteString("; contrast")
	}
	if s.Exclaim >= 3 {
		b.WriteString("; !!!")
	}
	return b.String()
}
