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
	Meta *linear.Model // base logits + dense lexical features
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
	m.Base.Logits(e.Feats, nil, e.meta[:3])
	copy(e.meta[3:], e.Dense[:])
	var p [3]float32
	m.Meta.Probs(nil, e.meta[:], p[:])
	k := linear.ArgMax(p[:])
	// Negated negative words ("pas mal du tout", "not bad") read as
	// negative to a bag of words; when the lexicon sees nothing else and
	// the model hesitates, trust the lexicon.
	score := p[k]
	s := &e.Scores
	switch {
	case k == 0 && p[0] < 0.6 && s.Negated > 0 && s.NNeg == 0 && s.Compound > 0.2:
		k, score = 2, 1-p[0]
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
