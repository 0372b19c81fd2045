// Package lexicon scores posts with valence word lists in the manner of
// VADER (Hutto & Gilbert, 2014), extended for French: negation around the
// verb ("ne … pas/plus/jamais/rien", and the spoken "marche pas"), boosters
// ("très, trop, vraiment, grave"), contrast ("mais"), emoji, capitals and
// exclamation marks. Its scores are features of the sentiment model and the
// explanation of its decisions.
package lexicon

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Lexicon is a valence list for one language; keys are folded forms
// (lower case, no accents), possibly two words separated by a space.
type Lexicon struct {
	Lang   string
	words  map[string]float32
	bigram map[string]float32
}

// Parse reads "word<TAB>valence" lines.
func Parse(lang string, data []byte) (*Lexicon, error) {
	l := &Lexicon{Lang: lang, words: map[string]float32{}, bigram: map[string]float32{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		tab := bytes.IndexByte(line, '\t')
		if tab < 0 {
			return nil, fmt.Errorf("lexicon %s line %d: no tab", lang, n)
		}
		v, err := strconv.ParseFloat(string(line[tab+1:]), 32)
		if err != nil {
			return nil, fmt.Errorf("lexicon %s line %d: %w", lang, n, err)
		}
		w := string(line[:tab])
		if bytes.IndexByte(line[:tab], ' ') >= 0 {
			l.bigram[w] = float32(v)
		} else {
			l.words[w] = float32(v)
		}
	}
	return l, sc.Err()
}

// Len is the number of entries.
func (l *Lexicon) Len() int { return len(l.words) + len(l.bigram) }

// Valence returns the valence of a folded word and whether it is listed.
func (l *Lexicon) Valence(w []byte) (float32, bool) {
	v, ok := l.words[string(w)]
	return v, ok
}

// Hit is one scored word, kept for explanations.
type Hit struct {
	Word    string
	Valence float32 // after negation, boosters, capitals and contrast
	Negated bool
}

// Scores summarise the lexical evidence of a post.
type Scores struct {
	Compound float32 // VADER-style normalised sum in [-1, 1]
	Pos, Neg float32 // sums of positive and negative valences (Neg <= 0)
	NPos     int
	NNeg     int
	Negated  int // sentiment words that were negated
	Negators int // negation words present
	Exclaim  int // '!' characters
	Question bool
	Caps     int // words in capitals (in mixed-case text)
	Contrast bool
	EmojiPos float32
	EmojiNeg float32
	Sarcasm  bool // praise next to an outage complaint or an eye-roll
	Hits     []Hit
}

const (
	boostInc   = 0.293
	capsInc    = 0.733
	negScalar  = -0.74
	alphaNorm  = 15
	maxHits    = 8
	windowBack = 3
)

// Score computes the lexical scores of tokens. s.Hits is reused between
// calls when the same Scores is passed back in.
func (l *Lexicon) Score(toks []textutil.Token, s *Scores) {
	hits := s.Hits[:0]
	*s = Scores{Hits: hits}
	fr := l.Lang == "fr"
	mixedCase := false
	{
		lower, caps := 0, 0
		for i := range toks {
			if toks[i].Kind == textutil.Word {
				if toks[i].Caps {
					caps++
				} else {
					lower++
				}
			}
		}
		mixedCase = caps > 0 && lower > 0
	}
	contrastAt := -1
	for i := range toks {
		t := &toks[i]
		switch t.Kind {
		case textutil.Punct:
			for _, c := range t.Raw {
				if c == '!' {
					s.Exclaim++
				} else if c == '?' {
					s.Question = true
				}
			}
		case textutil.Word:
			if isContrast(t.Fold, fr) {
				contrastAt = i
				s.Contrast = true
			}
			if isNegator(toks, i, fr) {
				s.Negators++
			}
			if t.Caps && mixedCase {
				s.Caps++
			}
		}
	}
	var sum float32
	eyeRoll := false
	for i := range toks {
		t := &toks[i]
		var v float32
		var ok bool
		switch t.Kind {
		case textutil.Emoji, textutil.Emoticon:
			v, ok = emojiValence(t.Lower)
			if t.Kind == textutil.Emoji && (string(t.Lower) == "🙄" || string(t.Lower) == "🤡") {
				eyeRoll = true
			}
			if ok {
				if v > 0 {
					s.EmojiPos += v
				} else {
					s.EmojiNeg += v
				}
			}
		case textutil.Word, textutil.Hashtag:
			if isNegator(toks, i, fr) {
				continue
			}
			bigram := false
			if i+1 < len(toks) && toks[i+1].Kind == textutil.Word {
				if bv, bok := l.bigramValence(t.Fold, toks[i+1].Fold); bok {
					v, ok, bigram = bv, true, true
				}
			}
			if !ok {
				v, ok = l.words[string(t.Fold)]
			}
			if !ok || isBooster(t.Fold, fr) != 0 {
				continue
			}
			if i > 0 && toks[i-1].Kind == textutil.Word && l.bigramCovers(toks[i-1].Fold, t.Fold) {
				continue // second word of a scored bigram
			}
			if t.Caps && mixedCase {
				v += sign(v) * capsInc
			}
			for d := 1; d <= windowBack && i-d >= 0; d++ {
				if toks[i-d].Kind != textutil.Word {
					continue
				}
				if b := isBooster(toks[i-d].Fold, fr); b != 0 {
					inc := b * boostInc * (1 - 0.05*float32(d-1))
					v += sign(v) * inc
				}
			}
			// A bigram such as "marche pas" carries its own negation.
			neg := negatedAt(toks, i, fr, !bigram)
			if neg {
				v *= negScalar
				s.Negated++
			}
			if contrastAt >= 0 {
				if i < contrastAt {
					v *= 0.5
				} else {
					v *= 1.5
				}
			}
			if len(hits) < maxHits {
				hits = append(hits, Hit{Word: t.Raw, Valence: v, Negated: neg})
			}
		default:
			continue
		}
		if !ok || v == 0 {
			continue
		}
		sum += v
		if v > 0 {
			s.Pos += v
			s.NPos++
		} else {
			s.Neg += v
			s.NNeg++
		}
	}
	if sum != 0 {
		ex := float32(min(s.Exclaim, 4)) * 0.292
		sum += sign(sum) * ex
	}
	s.Compound = float32(float64(sum) / math.Sqrt(float64(sum*sum)+alphaNorm))
	s.Hits = hits
	s.Sarcasm = eyeRoll && s.NPos > 0 || s.NPos > 0 && hasOutageComplaint(toks, fr)
}

func (l *Lexicon) bigramValence(a, b []byte) (float32, bool) {
	if len(l.bigram) == 0 || len(a)+len(b) > 62 {
		return 0, false
	}
	var buf [64]byte
	k := copy(buf[:], a)
	buf[k] = ' '
	k++
	k += copy(buf[k:], b)
	v, ok := l.bigram[string(buf[:k])]
	return v, ok
}

func (l *Lexicon) bigramCovers(a, b []byte) bool {
	_, ok := l.bigramValence(a, b)
	return ok
}

func sign(v float32) float32 {
	if v < 0 {
		return -1
	}
	return 1
}
