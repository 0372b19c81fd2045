package rumour

import (
	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Config holds the training settings; DefaultConfig was chosen by
// leave-one-event-out cross-validation on PHEME (see docs/nlp.md).
type Config struct {
	Opts linear.Options
	// MinEvents drops, while training, the sparse features seen in fewer
	// training events than this: words that name one event ("Ottawa",
	// "Gurlitt") cannot carry over to the next one.
	MinEvents int
}

// DefaultConfig is what `vigie nlp train` uses.
var DefaultConfig = Config{
	Opts:      linear.Options{Epochs: 8, Rate: 0.1, L2: 1e-3, Balance: true},
	MinEvents: 3,
}

// Train fits the classifier with DefaultConfig on every event of ex, and
// sets its threshold to the one with the best mean rumour F1 over a
// leave-one-event-out run on the events of ex that have both classes: the
// threshold is chosen without looking at any event it will be used on.
func Train(ex []corpus.Example, seed uint64) *Model {
	m := TrainConfig(ex, seed, DefaultConfig)
	if ev := BalancedEvents(ex); len(ev) >= 2 {
		m.Threshold, _ = BestThreshold(EventScores(ex, ev, seed, DefaultConfig))
	}
	return m
}

// BalancedEvents lists, in order of first appearance, the events of ex
// with at least 20 posts of each class.
func BalancedEvents(ex []corpus.Example) []string {
	n := map[string][2]int{}
	var order []string
	for _, x := range ex {
		v, ok := n[x.Group]
		if !ok {
			order = append(order, x.Group)
		}
		if x.Label == "rumour" {
			v[1]++
		} else {
			v[0]++
		}
		n[x.Group] = v
	}
	var out []string
	for _, e := range order {
		if v := n[e]; v[0] >= 20 && v[1] >= 20 {
			out = append(out, e)
		}
	}
	return out
}

type sample struct {
	feats []uint32
	dense []float32
	label int
	event string
}

func samples(ex []corpus.Example) []sample {
	var tk textutil.Tokenizer
	var s Scratch
	var out []sample
	for _, x := range ex {
		label := 0
		switch x.Label {
		case "rumour":
			label = 1
		case "non-rumour", "non_rumour":
		default:
			continue
		}
		Extract(tk.Tokenize(x.Text), &s)
		out = append(out, sample{append([]uint32(nil), s.Feats...), append([]float32(nil), s.Dense[:]...), label, x.Group})
	}
	return out
}

// TrainConfig fits the classifier on examples labelled "rumour" or
// "non-rumour" (PHEME spelling) or "non_rumour", grouped by event.
func TrainConfig(ex []corpus.Example, seed uint64, c Config) *Model {
	return &Model{Lin: fit(samples(ex), seed, c), Threshold: 0.5}
}

func fit(ss []sample, seed uint64, c Config) *linear.Model {
	var drop map[uint32]bool
	if c.MinEvents > 1 {
		ev := map[uint32]map[string]bool{}
		for _, s := range ss {
			for _, h := range s.feats {
				b := h & (1<<Bits - 1)
				if ev[b] == nil {
					ev[b] = map[string]bool{}
				}
				ev[b][s.event] = true
			}
		}
		drop = map[uint32]bool{}
		for b, e := range ev {
			if len(e) < c.MinEvents {
				drop[b] = true
			}
		}
	}
	ls := make([]linear.Sample, 0, len(ss))
	for _, s := range ss {
		f := s.feats
		if drop != nil {
			f = nil
			for _, h := range s.feats {
				if !drop[h&(1<<Bits-1)] {
					f = append(f, h)
				}
			}
		}
		ls = append(ls, linear.Sample{Feats: f, Dense: s.dense, Label: s.label})
	}
	lin := linear.New("rumour", Labels, Bits, NDense)
	o := c.Opts
	o.Seed = seed
	return linear.Train(lin, ls, o)
}

// EventScores trains without each event in turn and returns, for every
// held-out event, P(rumour) and the gold label of its posts.
func EventScores(ex []corpus.Example, events []string, seed uint64, c Config) map[string][]Scored {
	ss := samples(ex)
	out := map[string][]Scored{}
	p := make([]float32, 2)
	for _, ev := range events {
		var tr []sample
		for _, s := range ss {
			if s.event != ev {
				tr = append(tr, s)
			}
		}
		m := fit(tr, seed, c)
		for _, s := range ss {
			if s.event == ev {
				m.Probs(s.feats, s.dense, p)
				out[ev] = append(out[ev], Scored{P: p[1], Rumour: s.label == 1})
			}
		}
	}
	return out
}

// Scored is one post's P(rumour) and its gold label.
type Scored struct {
	P      float32
	Rumour bool
}

// F1 is the F1 of the rumour class when P >= t is called a rumour.
func F1(s []Scored, t float32) float64 {
	tp, fp, fn := 0, 0, 0
	for _, x := range s {
		switch {
		case x.P >= t && x.Rumour:
			tp++
		case x.P >= t:
			fp++
		case x.Rumour:
			fn++
		}
	}
	if tp == 0 {
		return 0
	}
	return 2 * float64(tp) / float64(2*tp+fp+fn)
}

// BestThreshold returns the threshold (a multiple of 0.025) with the best
// mean F1 over the events of scores, each threshold judged by its mean F1
// over a window of ±0.05 around it: a held-out event's scores sit a little
// higher or lower than the training events', so a flat optimum is safer
// than a sharp one.
func BestThreshold(scores map[string][]Scored) (float32, float64) {
	const lo, hi = 2, 38
	mean := make([]float64, hi+1)
	for k := lo; k <= hi; k++ {
		t := float32(k) * 0.025
		for _, s := range scores {
			mean[k] += F1(s, t)
		}
		mean[k] /= float64(len(scores))
	}
	bt, bf := float32(0.5), -1.0
	for k := lo + ThresholdWindow; k <= hi-ThresholdWindow; k++ {
		f := 0.0
		for j := k - ThresholdWindow; j <= k+ThresholdWindow; j++ {
			f += mean[j]
		}
		f /= float64(2*ThresholdWindow + 1)
		if f > bf+1e-9 {
			bt, bf = float32(k)*0.025, f
		}
	}
	return bt, bf
}

// ThresholdWindow is the half-width, in steps of 0.025, of the window of
// BestThreshold.
var ThresholdWindow = 3

// AUC is the area under the ROC curve of s (ties count half).
func AUC(s []Scored) float64 {
	var pos, neg []float32
	for _, x := range s {
		if x.Rumour {
			pos = append(pos, x.P)
		} else {
			neg = append(neg, x.P)
		}
	}
	if len(pos) == 0 || len(neg) == 0 {
		return 0
	}
	w := 0.0
	for _, p := range pos {
		for _, n := range neg {
			switch {
			case p > n:
				w++
			case p == n:
				w += 0.5
			}
		}
	}
	return w / float64(len(pos)*len(neg))
}
