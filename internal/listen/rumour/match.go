package rumour

import (
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Claim is one known claim of the plan's rumour library.
type Claim struct {
	ID   string // rumour id in the plan
	Lang string
	Text string
}

// Matcher finds the library rumour a post repeats. Similarity is the
// overlap of content-word stems, each stem also matching through its
// character trigrams so that typos and inflections ("piraté", "pirater",
// "pirate") still count.
type Matcher struct {
	claims []claimIndex
	// Threshold is the minimum similarity of a match.
	Threshold float32
}

type claimIndex struct {
	Claim
	stems []string
}

// NewMatcher indexes claims.
func NewMatcher(claims []Claim) *Matcher {
	m := &Matcher{Threshold: 0.5}
	var tk textutil.Tokenizer
	for _, c := range claims {
		m.claims = append(m.claims, claimIndex{Claim: c, stems: contentStems(tk.Tokenize(c.Text), nil)})
	}
	return m
}

// Len is the number of indexed claims.
func (m *Matcher) Len() int { return len(m.claims) }

// Match is the best library claim for a post.
type Match struct {
	ID    string
	Claim string
	Score float32
}

// Best returns the closest claim and whether it reaches the threshold.
// buf is scratch space for the post's stems.
func (m *Matcher) Best(toks []textutil.Token, buf []string) (Match, bool) {
	if m == nil || len(m.claims) == 0 {
		return Match{}, false
	}
	post := contentStems(toks, buf[:0])
	if len(post) == 0 {
		return Match{}, false
	}
	var best Match
	for _, c := range m.claims {
		if s := similarity(c.stems, post); s > best.Score {
			best = Match{ID: c.ID, Claim: c.Text, Score: s}
		}
	}
	return best, best.Score >= m.Threshold
}

// similarity is the share of the claim's stems found in the post (soft
// matched), damped when the post is much longer than the claim.
func similarity(claim, post []string) float32 {
	if len(claim) == 0 {
		return 0
	}
	var hit float32
	for _, c := range claim {
		best := float32(0)
		for _, p := range post {
			if s := stemSim(c, p); s > best {
				best = s
			}
		}
		hit += best
	}
	s := hit / float32(len(claim))
	if extra := len(post) - 2*len(claim); extra > 0 {
		s *= 1 / (1 + 0.05*float32(extra))
	}
	return s
}

// stemSim is 1 for equal stems, else the Dice overlap of their trigrams
// when it is high enough to be a typo or an inflection.
func stemSim(a, b string) float32 {
	if a == b {
		return 1
	}
	if len(a) < 4 || len(b) < 4 {
		return 0
	}
	n, common := 0, 0
	for i := 0; i+3 <= len(a); i++ {
		n++
		g := a[i : i+3]
		for j := 0; j+3 <= len(b); j++ {
			if b[j:j+3] == g {
				common++
				break
			}
		}
	}
	d := float32(2*common) / float32(n+len(b)-2)
	if d < 0.5 {
		return 0
	}
	return d
}

// contentStems keeps words that carry meaning, folded and crudely stemmed.
func contentStems(toks []textutil.Token, out []string) []string {
	for i := range toks {
		t := &toks[i]
		if t.Kind != textutil.Word && t.Kind != textutil.Hashtag {
			continue
		}
		w := string(t.Fold)
		if len(w) < 3 || stop[w] {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

// stem strips common French and English endings.
func stem(w string) string {
	for _, suf := range []string{"ement", "ees", "ing", "ed", "es", "ee", "er", "s", "e", "x"} {
		if len(w)-len(suf) >= 4 && w[len(w)-len(suf):] == suf {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

var stop = set("the", "and", "are", "was", "were", "has", "have", "had", "been", "all", "your", "you", "our", "its", "it's", "this", "that", "for", "with", "from", "will", "not", "they", "their", "his", "her", "who", "what", "just", "now", "les", "des", "une", "est", "ont", "été", "tous", "toutes", "vos", "nos", "votre", "notre", "pour", "avec", "dans", "par", "sur", "pas", "que", "qui", "qu'", "c'est", "son", "sa", "ses", "leur", "leurs", "aux", "mais", "plus", "très", "tout", "s'est", "fait")
