// Package rumour flags posts that state an unverified, rumour-like claim
// ("BREAKING: …", "apparently …", "il paraît que …") and matches posts to
// the plan's rumour library. The classifier is a logistic regression over
// hashed words and bigrams plus language-independent cue features, so
// that what it learns from English news rumours (PHEME) carries over to
// French posts through the cues.
package rumour

import (
	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Labels are the classes, in model order.
var Labels = []string{"non_rumour", "rumour"}

// Bits is the size of the hashed feature space.
const Bits = 16

// NDense is the number of cue features.
const NDense = 18

const (
	nsWord   = 'r'
	nsBigram = 'R'
)

// Cue lists (ours), folded. Each list feeds one dense feature in both
// languages.
var (
	hedges   = set("apparently", "reportedly", "allegedly", "rumour", "rumours", "rumor", "rumors", "unconfirmed", "possibly", "maybe", "might", "may", "could", "seems", "supposedly", "heard", "hearing", "claims", "claim", "believed", "paraît", "parait", "apparemment", "rumeur", "rumeurs", "selon", "aurait", "auraient", "serait", "seraient", "peut-etre", "semble", "entendu", "dit", "disent", "dirait", "soi-disant", "pretend")
	breaking = set("breaking", "urgent", "alert", "alerte", "just", "now", "live", "developing", "exclusive", "exclusif", "flash")
	reports  = set("reports", "report", "reported", "says", "said", "sources", "source", "according", "confirmed", "confirms", "media", "police", "officials", "witnesses", "journalist", "medias", "annonce", "confirme", "temoins", "officiel", "info", "infos")
	leaks    = set("hacked", "hack", "leaked", "leak", "stolen", "closing", "shutting", "bankrupt", "paid", "charge", "charged", "fake", "scam", "pirate", "piratage", "fuite", "fuite", "vole", "voles", "ferme", "fermer", "faillite", "payant", "arnaque", "debite", "virus", "fin")
	firstP   = set("i", "me", "my", "i'm", "im", "we", "je", "j'", "moi", "mon", "ma", "mes", "nous", "on")
	// Breaking-news claim content: casualties and violence, identities of
	// suspects, attribution to a source; and the reactions that are not
	// claims: sympathy, talking to someone.
	casualty = set("dead", "killed", "kill", "died", "dies", "death", "deaths", "shot", "shooting", "gunman", "gunmen", "hostage", "hostages", "injured", "wounded", "victim", "victims", "bodies", "explosion", "bomb", "attack", "attacker", "gunfire", "stabbed", "casualties", "survivors", "morts", "mort", "tue", "tues", "blesses", "victimes", "otage", "otages", "attentat", "explosion", "fusillade")
	identity = set("identified", "named", "suspect", "suspects", "suspected", "convert", "isis", "islamist", "jihadist", "terrorist", "terrorists", "identifie", "suspect", "terroriste")
	sympathy = set("thoughts", "prayers", "pray", "praying", "condolences", "heart", "tragic", "terrible", "horrible", "safe", "god", "sorry", "awful", "heartbreaking", "pensees", "condoleances", "priere", "soutien")
	second   = set("you", "your", "you're", "u", "ya", "tu", "toi", "vous", "votre", "ton", "ta", "tes")
	opinion  = set("think", "feel", "love", "hate", "hope", "pray", "thoughts", "prayers", "sad", "rip", "pense", "crois", "espere", "aime", "triste", "courage", "merci", "thanks", "thank")
)

func set(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[textutil.FoldString(w)] = true
	}
	return m
}

// Model is the rumour classifier.
type Model struct {
	Lin       *linear.Model
	Threshold float32 // P(rumour) at or above which a post is a rumour
}

// Scratch holds reusable buffers; one per goroutine.
type Scratch struct {
	Feats []uint32
	Dense [NDense]float32
	first string
	words int
}

// Extract fills s with the features of toks.
func Extract(toks []textutil.Token, s *Scratch) {
	f := s.Feats[:0]
	d := &s.Dense
	*d = [NDense]float32{}
	s.first = ""
	var prev uint32
	hasPrev := false
	words, title, mentions := 0, 0, 0
	for i := range toks {
		t := &toks[i]
		switch t.Kind {
		case textutil.URL:
			d[5] = 1
			hasPrev = false
			continue
		case textutil.Number:
			d[6] = 1
		case textutil.Punct:
			if t.Raw[0] == '?' {
				d[7] = 1
			}
			if t.Raw[0] == '!' {
				d[8] = 1
			}
			hasPrev = false
			continue
		case textutil.Word, textutil.Hashtag:
		case textutil.Mention:
			mentions++
			hasPrev = false
			continue
		default:
			hasPrev = false
			continue
		}
		w := string(t.Fold)
		words++
		note := func(k int) {
			d[k] = 1
			if s.first == "" {
				s.first = t.Raw
			}
		}
		switch {
		case hedges[w]:
			note(0)
		case breaking[w] || t.Caps && w == "breaking":
			note(1)
		case reports[w]:
			d[2] = 1
		case leaks[w]:
			note(3)
		}
		if firstP[w] || opinion[w] {
			d[4] = 1
		}
		switch {
		case casualty[w]:
			d[10] = 1
		case identity[w]:
			d[11] = 1
		case sympathy[w]:
			d[13] = 1
		case second[w]:
			d[14] = 1
		}
		if reports[w] {
			d[12] = 1
		}
		if t.Caps && len(t.Fold) >= 4 {
			d[15] = 1
		}
		if t.Kind == textutil.Word && t.Raw[0] >= 'A' && t.Raw[0] <= 'Z' {
			title++
		}
		if t.Kind == textutil.Word && len(t.Fold) > 0 {
			h := textutil.Hash(nsWord, t.Fold)
			f = append(f, h)
			if hasPrev {
				f = append(f, textutil.Mix(prev, h)^nsBigram)
			}
			prev, hasPrev = h, true
		}
	}
	s.words = words
	d[9] = float32(min(words, 30)) / 30
	if words > 0 {
		d[16] = float32(title) / float32(words)
		d[17] = float32(min(mentions, 2)) / 2
	}
	s.Feats = f
}

// Result is a rumour decision.
type Result struct {
	Label  string
	Score  float32 // P(rumour) for "rumour", 1-P(rumour) otherwise
	P      float32
	Reason string
	// Strict is a rumour at StrictThreshold: the operating point of the
	// reply policy, where a false alarm hides a real question.
	Strict bool
}

// MinWords is the fewest words (and hashtags) a post needs to state a
// claim; shorter posts are non-rumours (in PHEME, 78 % of them are).
const MinWords = 5

// StrictThreshold is the least P(rumour) of a Strict rumour. The model's
// own Threshold is tuned for the rumour F1 on news events, where rumours
// are half of the posts, and so favours recall.
const StrictThreshold = 0.5

// Classify labels toks.
func (m *Model) Classify(toks []textutil.Token, s *Scratch) Result {
	Extract(toks, s)
	var p [2]float32
	m.Lin.Probs(s.Feats, s.Dense[:], p[:])
	r := Result{P: p[1]}
	claim := s.words >= MinWords
	if claim && p[1] >= m.Threshold {
		r.Label, r.Score = "rumour", p[1]
		r.Reason = "unverified claim"
		if s.first != "" {
			r.Reason += " (cue \"" + s.first + "\")"
		}
		r.Strict = p[1] >= StrictThreshold
	} else {
		r.Label, r.Score, r.Reason = "non_rumour", 1-p[1], "no rumour cue"
		switch {
		case !claim:
			r.Reason = "too short to state a claim"
		case s.Dense[4] == 1:
			r.Reason = "opinion or personal post"
		}
	}
	return r
}
