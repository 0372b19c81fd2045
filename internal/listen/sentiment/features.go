// Package sentiment classifies posts as negative, neutral or positive, in
// French and English. Two stacked logistic regressions: the first reads
// hashed words, word bigrams (negation-scoped) and character 3-5-grams; the
// second combines its out-of-fold scores with lexicon features (VADER-style,
// see package lexicon). Stacking keeps the many sparse features from
// drowning the few lexical ones on small training sets.
package sentiment

import (
	"github.com/vigie-hq/vigie/internal/listen/lexicon"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Labels are the classes, in model order.
var Labels = []string{"negative", "neutral", "positive"}

// NDense is the number of dense (lexicon and shape) features.
const NDense = 14

// Bits is the size of the hashed feature space (1<<Bits buckets).
const Bits = 18

// Feature namespaces.
const (
	nsWord    = 'w'
	nsNegWord = 'n'
	nsBigram  = 'b'
	nsChar    = 'c'
	nsShape   = 's'
)

// Extractor turns tokens into features. It keeps its buffers between calls
// and is not safe for concurrent use.
type Extractor struct {
	Feats  []uint32
	Dense  [NDense]float32
	Scores lexicon.Scores
	meta   [3 + NDense + 3]float32 // base logits, Dense, aux logits
}

// Extract fills e.Feats, e.Dense and e.Scores for toks.
func (e *Extractor) Extract(toks []textutil.Token, lex *lexicon.Lexicon) {
	lex.Score(toks, &e.Scores)
	f := e.Feats[:0]
	fr := lex.Lang == "fr"
	var prev uint32
	hasPrev := false
	negScope := false
	urls, mentions, tags, emojis := 0, 0, 0, 0
	for i := range toks {
		t := &toks[i]
		switch t.Kind {
		case textutil.URL:
			urls++
			hasPrev = false
			continue
		case textutil.Mention:
			mentions++
			hasPrev = false
			continue
		case textutil.Number:
			hasPrev = false
			continue
		case textutil.Punct:
			negScope = false
			hasPrev = false
			f = append(f, textutil.Hash(nsWord, punctKey(t.Raw)))
			continue
		case textutil.Hashtag:
			tags++
		case textutil.Emoji, textutil.Emoticon:
			emojis++
		}
		w := t.Fold
		ns := byte(nsWord)
		if negScope {
			ns = nsNegWord
		}
		h := textutil.Hash(ns, w)
		f = append(f, h)
		if t.Kind == textutil.Word || t.Kind == textutil.Hashtag {
			if len(w) >= 3 {
				f = textutil.AppendCharNGrams(f, nsChar, w, 3, 5)
			}
			if hasPrev {
				f = append(f, textutil.Mix(prev, h))
			}
			prev, hasPrev = h, true
			if negator(w, fr) {
				negScope = true
			}
		}
	}
	f = append(f, textutil.HashString(nsShape, shapeKey(urls, mentions, tags, emojis)))
	e.Feats = f
	s := &e.Scores
	d := &e.Dense
	d[0] = s.Compound
	d[1] = s.Pos / 4
	d[2] = s.Neg / 4
	d[3] = float32(min(s.NPos, 4)) / 4
	d[4] = float32(min(s.NNeg, 4)) / 4
	d[5] = float32(min(s.Negated, 3)) / 3
	d[6] = float32(min(s.Exclaim, 4)) / 4
	d[7] = b2f(s.Question)
	d[8] = float32(min(s.Caps, 3)) / 3
	d[9] = b2f(s.Contrast)
	d[10] = s.EmojiPos / 4
	d[11] = s.EmojiNeg / 4
	d[12] = b2f(s.Sarcasm)
	d[13] = b2f(urls > 0)
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

func negator(w []byte, fr bool) bool {
	switch string(w) {
	case "pas", "jamais", "rien", "aucun", "aucune", "sans", "pa":
		return fr
	case "not", "no", "never", "nothing", "without", "cannot", "nobody":
		return !fr
	}
	n := len(w)
	return !fr && n > 3 && w[n-3] == 'n' && w[n-2] == '\'' && w[n-1] == 't'
}

// punctKey collapses runs of punctuation: "!", "!!", "!!!" (three or more).
func punctKey(raw string) []byte {
	var b [3]byte
	n := min(len(raw), 3)
	copy(b[:], raw[:n])
	return b[:n]
}

var shapes = [...]string{"", "u", "m", "um", "t", "ut", "mt", "umt", "e", "ue", "me", "ume", "te", "ute", "mte", "umte"}

func shapeKey(urls, mentions, tags, emojis int) string {
	k := 0
	if urls > 0 {
		k |= 1
	}
	if mentions > 0 {
		k |= 2
	}
	if tags > 0 {
		k |= 4
	}
	if emojis > 0 {
		k |= 8
	}
	return shapes[k]
}
