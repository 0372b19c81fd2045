// Package linear is a multinomial logistic regression over hashed sparse
// features plus a few dense ones, trained deterministically and stored in a
// compact binary file. Every classifier of the listen engine uses it.
package linear

import (
	"errors"
	"fmt"
	"math"
)

// Model scores K classes. Weights are laid out bucket-major (all classes of
// one bucket are adjacent) so that one feature costs one cache line.
type Model struct {
	Name    string
	Classes []string
	Bits    uint8 // the sparse part has 1<<Bits buckets
	Dense   int   // number of dense features, after the buckets
	W       []float32
	Bias    []float32
	mask    uint32
}

// New returns a zero model.
func New(name string, classes []string, bits uint8, dense int) *Model {
	k := len(classes)
	n := (1<<bits + dense) * k
	return &Model{Name: name, Classes: classes, Bits: bits, Dense: dense, W: make([]float32, n), Bias: make([]float32, k), mask: 1<<bits - 1}
}

// K is the number of classes.
func (m *Model) K() int { return len(m.Classes) }

// Class returns the index of the class named c, or -1.
func (m *Model) Class(c string) int {
	for i, n := range m.Classes {
		if n == c {
			return i
		}
	}
	return -1
}

// Logits writes the raw class scores of a post into out (length K). Sparse
// features are hashes; each counts 1/sqrt(len(feats)), so long and short
// posts are on the same scale.
func (m *Model) Logits(feats []uint32, dense []float32, out []float32) {
	k := len(m.Classes)
	copy(out, m.Bias)
	if len(feats) > 0 {
		v := float32(1 / math.Sqrt(float64(len(feats))))
		w := m.W
		if k == 3 {
			var a, b, c float32
			for _, h := range feats {
				i := int(h&m.mask) * 3
				ww := w[i : i+3 : i+3]
				a += ww[0]
				b += ww[1]
				c += ww[2]
			}
			out[0] += a * v
			out[1] += b * v
			out[2] += c * v
		} else {
			for _, h := range feats {
				i := int(h&m.mask) * k
				for j := 0; j < k; j++ {
					out[j] += w[i+j] * v
				}
			}
		}
	}
	base := (1 << m.Bits) * k
	for d, x := range dense {
		if x == 0 {
			continue
		}
		i := base + d*k
		for j := 0; j < k; j++ {
			out[j] += m.W[i+j] * x
		}
	}
}

// Probs writes class probabilities (softmax of the logits) into out.
func (m *Model) Probs(feats []uint32, dense []float32, out []float32) {
	m.Logits(feats, dense, out)
	Softmax(out)
}

// Softmax turns logits into probabilities in place.
func Softmax(x []float32) {
	mx := x[0]
	for _, v := range x[1:] {
		mx = max(mx, v)
	}
	var s float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - mx)))
		x[i] = e
		s += e
	}
	for i := range x {
		x[i] /= s
	}
}

// ArgMax returns the index of the largest value.
func ArgMax(x []float32) int {
	b := 0
	for i, v := range x {
		if v > x[b] {
			b = i
		}
	}
	return b
}

var errFormat = errors.New("linear: not a model file")

func (m *Model) check() error {
	k := len(m.Classes)
	if k < 2 || m.Bits > 24 || len(m.W) != (1<<m.Bits+m.Dense)*k || len(m.Bias) != k {
		return fmt.Errorf("linear: model %q: inconsistent sizes", m.Name)
	}
	m.mask = 1<<m.Bits - 1
	return nil
}
