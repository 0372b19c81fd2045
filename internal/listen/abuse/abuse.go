// Package abuse tells ok posts from abusive (insults, threats, harassment)
// and hateful ones (attacks on a group): the "do not engage" signal. A
// logistic regression over hashed words and character n-grams gives the
// statistical evidence; cue rules handle what it is blind to — slurs,
// threats, negated hate ("I don't hate X"), counter-speech quoting hate and
// swearing that insults no one. Plain angry complaints ("c'est abusé",
// "nul", "so annoying") stay ok.
package abuse

import (
	"bufio"
	"bytes"

	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Labels are the classes, in model order.
var Labels = []string{"ok", "abusive", "hateful"}

// Bits is the size of the hashed feature space.
const Bits = 18

// NDense is the number of dense cue features.
const NDense = 8

const (
	nsWord   = 'W'
	nsBigram = 'B'
	nsChar   = 'C'
)

// Model is the abuse classifier.
type Model struct {
	Lin      *linear.Model
	Badwords map[string]bool
	// Negative reports strongly negative words (from the sentiment
	// lexicons); nil disables the derogation cue's lexical half.
	Negative func([]byte) bool
	// Thresholds tuned at training time.
	Abusive, Hateful float32
}

// ParseBadwords reads a folded word list, one per line.
func ParseBadwords(b []byte) map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			m[w] = true
		}
	}
	return m
}

// Scratch holds reusable buffers; one per goroutine.
type Scratch struct {
	Feats []uint32
	Dense [NDense]float32
	Cues  Cues
}

// Extract fills s with the features of a post.
func (m *Model) Extract(text string, toks []textutil.Token, s *Scratch) {
	Scan(text, toks, m.Badwords, m.Negative, &s.Cues)
	f := s.Feats[:0]
	var prev uint32
	hasPrev := false
	for i := range toks {
		t := &toks[i]
		switch t.Kind {
		case textutil.Word, textutil.Hashtag:
		case textutil.Emoji:
			f = append(f, textutil.Hash(nsWord, t.Lower))
			continue
		default:
			hasPrev = false
			continue
		}
		h := textutil.Hash(nsWord, t.Fold)
		f = append(f, h)
		if hasPrev {
			f = append(f, textutil.Mix(prev, h)^nsBigram)
		}
		prev, hasPrev = h, true
		if len(t.Fold) >= 3 {
			f = textutil.AppendCharNGrams(f, nsChar, t.Fold, 3, 5)
		}
	}
	s.Feats = f
	c := &s.Cues
	d := &s.Dense
	d[0] = cap1(c.Slurs)
	d[1] = cap1(c.Insults)
	d[2] = cap1(c.Profanity)
	d[3] = cap1(c.Identity)
	d[4] = cap1(c.Dehumanizing + c.HateVerbs + b2i(c.Derogation))
	d[5] = b2f(c.Threat)
	d[6] = cap1(c.SecondPerson)
	d[7] = cap1(c.Complaint)
}

func cap1(n int) float32 {
	if n > 0 {
		return 1
	}
	return 0
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// Result is an abuse decision.
type Result struct {
	Label  string
	Score  float32 // confidence in Label
	Probs  [3]float32
	Threat bool
	Reason string
}

// Classify labels a post.
func (m *Model) Classify(text string, toks []textutil.Token, s *Scratch) Result {
	m.Extract(text, toks, s)
	var p [3]float32
	m.Lin.Probs(s.Feats, s.Dense[:], p[:])
	return m.decide(p, &s.Cues)
}

// decide turns model probabilities and cues into a label. The order of the
// cases is the policy: exemptions first, then the strongest evidence.
func (m *Model) decide(p [3]float32, c *Cues) Result {
	hate, abuse := p[2], p[1]+p[2]
	r := Result{Probs: p, Threat: c.Threat}
	set := func(label string, score float32, reason string) Result {
		r.Label, r.Score, r.Reason = label, score, reason
		return r
	}
	switch {
	case c.Counter() && !c.Threat:
		return set("ok", 1-abuse/2, "counter-speech: quotes or condemns hateful words")
	case c.NegatedHate && !c.Derogation && c.Slurs == 0 && !c.Threat:
		return set("ok", 1-abuse/2, "negated hate")
	case c.Slurs > 0:
		return set("hateful", max(hate, 0.9), c.First)
	case c.Threat && c.Identity > 0:
		return set("hateful", max(hate, 0.9), "threat against a group: "+c.First)
	case c.Derogation:
		return set("hateful", max(hate, 0.8), "derogatory claim about a group")
	case c.Identity > 0 && c.Dehumanizing+c.HateVerbs > 0 && c.Negation == 0:
		return set("hateful", max(hate, 0.8), "dehumanising or hateful words about a group")
	case hate >= m.Hateful && c.Complaint+c.Things == 0 && c.Negation == 0 && (c.Identity > 0 || c.SecondPerson == 0) &&
		(hate >= 0.9 || c.Insults+c.Dehumanizing+c.HateVerbs+c.Profanity > 0):
		return set("hateful", hate, "model: attack on a group")
	case c.Threat:
		return set("abusive", max(abuse, 0.9), c.First)
	case c.Insults > 0 && (c.SecondPerson+c.Mentions > 0 || abuse >= 0.5):
		return set("abusive", max(abuse, 0.6), c.First)
	case abuse >= m.Abusive && c.Complaint+c.Things == 0 && c.Mentions+c.Insults > 0:
		return set("abusive", abuse, "model: insulting language aimed at someone")
	}
	reason := "no insult, slur or threat"
	switch {
	case c.Profanity > 0:
		reason = "swearing aimed at no one"
	case c.Complaint > 0:
		reason = "complaint, not abuse"
	}
	return set("ok", 1-abuse, reason)
}
