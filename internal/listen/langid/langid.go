// Package langid tells French from English (and from anything else) in
// short, noisy posts: a logistic regression over hashed character 1-4-grams
// of the words, plus a script rule for non-Latin text. Hashtags count as
// words; mentions, links and numbers are ignored.
package langid

import (
	"unicode"
	"unicode/utf8"

	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Labels are the classes, in model order.
var Labels = []string{"fr", "en", "other"}

// Bits is the size of the hashed feature space.
const Bits = 16

const nsChar = 'l'

const otherMin = 0.6

// Model identifies the language of a post.
type Model struct {
	Lin *linear.Model
}

// Result is a language decision.
type Result struct {
	Label  string
	Score  float32    // probability of Label
	Probs  [3]float32 // fr, en, other
	Reason string
}

// Scratch holds reusable buffers; one per goroutine.
type Scratch struct {
	feats []uint32
}

// Features appends the features of toks to dst and returns it with the
// number of letters seen and how many were outside the Latin script.
func Features(dst []uint32, toks []textutil.Token) ([]uint32, int, int) {
	letters, foreign := 0, 0
	for i := range toks {
		t := &toks[i]
		if t.Kind != textutil.Word && t.Kind != textutil.Hashtag {
			continue
		}
		for _, r := range string(t.Lower) {
			if unicode.IsLetter(r) {
				letters++
				if r >= 0x250 && !(r >= 0x1E00 && r <= 0x1EFF) {
					foreign++
				}
			}
		}
		dst = textutil.AppendCharNGrams(dst, nsChar, t.Lower, 1, 4)
	}
	return dst, letters, foreign
}

// Classify returns the language of toks.
func (m *Model) Classify(toks []textutil.Token, s *Scratch) Result {
	var letters, foreign int
	s.feats, letters, foreign = Features(s.feats[:0], toks)
	switch {
	case letters == 0:
		return Result{Label: "other", Score: 1, Probs: [3]float32{0, 0, 1}, Reason: "no words"}
	case foreign*2 > letters:
		return Result{Label: "other", Score: 1, Probs: [3]float32{0, 0, 1}, Reason: "non-Latin script"}
	}
	var p [3]float32
	m.Lin.Probs(s.feats, nil, p[:])
	k := 0
	if p[1] > p[0] {
		k = 1
	}
	// "other" must be clearly ahead: a short French or English post that
	// the model is unsure about is still French or English.
	if p[2] >= otherMin {
		k = 2
	}
	r := Result{Label: Labels[k], Score: p[k], Probs: p, Reason: "character n-grams"}
	if letters < 4 {
		r.Reason = "very short text"
	}
	return r
}

// IsLatinLetter reports whether r is a letter of the Latin script.
func IsLatinLetter(r rune) bool {
	return r < utf8.RuneSelf && unicode.IsLetter(r) || r < 0x250 && unicode.IsLetter(r) || r >= 0x1E00 && r <= 0x1EFF
}
