package corpus

import (
	"fmt"
	"io"
)

// Confusion counts predictions against gold labels.
type Confusion struct {
	Labels []string
	M      [][]int // M[gold][pred]
}

// NewConfusion returns an empty matrix over labels.
func NewConfusion(labels []string) *Confusion {
	m := make([][]int, len(labels))
	for i := range m {
		m[i] = make([]int, len(labels))
	}
	return &Confusion{Labels: labels, M: m}
}

func (c *Confusion) index(l string) int {
	for i, x := range c.Labels {
		if x == l {
			return i
		}
	}
	return -1
}

// Add records one prediction; unknown labels are ignored.
func (c *Confusion) Add(gold, pred string) {
	g, p := c.index(gold), c.index(pred)
	if g >= 0 && p >= 0 {
		c.M[g][p]++
	}
}

// N is the number of recorded predictions.
func (c *Confusion) N() int {
	n := 0
	for _, r := range c.M {
		for _, v := range r {
			n += v
		}
	}
	return n
}

// Accuracy is the share of correct predictions.
func (c *Confusion) Accuracy() float64 {
	ok := 0
	for i := range c.M {
		ok += c.M[i][i]
	}
	if n := c.N(); n > 0 {
		return float64(ok) / float64(n)
	}
	return 0
}

// PRF returns precision, recall and F1 of class i.
func (c *Confusion) PRF(i int) (p, r, f float64) {
	tp := c.M[i][i]
	pred, gold := 0, 0
	for j := range c.M {
		pred += c.M[j][i]
		gold += c.M[i][j]
	}
	if pred > 0 {
		p = float64(tp) / float64(pred)
	}
	if gold > 0 {
		r = float64(tp) / float64(gold)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f
}

// MacroF1 averages F1 over the classes.
func (c *Confusion) MacroF1() float64 {
	s := 0.0
	for i := range c.Labels {
		_, _, f := c.PRF(i)
		s += f
	}
	return s / float64(len(c.Labels))
}

// F1 is the F1 of the named class.
func (c *Confusion) F1(label string) float64 {
	i := c.index(label)
	if i < 0 {
		return 0
	}
	_, _, f := c.PRF(i)
	return f
}

// Write prints accuracy, macro-F1 and per-class precision/recall/F1.
func (c *Confusion) Write(w io.Writer, title string) {
	fmt.Fprintf(w, "%s: n=%d accuracy=%.3f macro-F1=%.3f\n", title, c.N(), c.Accuracy(), c.MacroF1())
	for i, l := range c.Labels {
		p, r, f := c.PRF(i)
		gold := 0
		for _, v := range c.M[i] {
			gold += v
		}
		fmt.Fprintf(w, "  %-14s precision=%.3f recall=%.3f f1=%.3f support=%d\n", l, p, r, f, gold)
	}
}
