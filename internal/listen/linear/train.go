package linear

import "math"

// Sample is one training example.
type Sample struct {
	Feats  []uint32
	Dense  []float32
	Label  int
	Weight float32 // 0 means 1
}

// Options control training. The same samples, options and seed always give
// the same model, bit for bit: training is single-threaded and uses its own
// random generator.
type Options struct {
	Epochs int     // passes over the data (default 15)
	Rate   float64 // AdaGrad learning rate (default 0.2)
	L2     float64 // L2 penalty per update (default 1e-5)
	Seed   uint64
	// Balance weights each class by the inverse of its frequency.
	Balance bool
}

// Train fits m on samples with AdaGrad and returns m.
func Train(m *Model, samples []Sample, o Options) *Model {
	if o.Epochs == 0 {
		o.Epochs = 15
	}
	if o.Rate == 0 {
		o.Rate = 0.2
	}
	if o.L2 == 0 {
		o.L2 = 1e-5
	}
	k := m.K()
	cw := make([]float64, k)
	for i := range cw {
		cw[i] = 1
	}
	if o.Balance {
		n := make([]float64, k)
		for _, s := range samples {
			n[s.Label]++
		}
		for i := range cw {
			if n[i] > 0 {
				cw[i] = float64(len(samples)) / (float64(k) * n[i])
			}
		}
	}
	w := make([]float64, len(m.W))
	g2 := make([]float64, len(m.W))
	b := make([]float64, k)
	bg2 := make([]float64, k)
	order := make([]int, len(samples))
	for i := range order {
		order[i] = i
	}
	rng := splitmix(o.Seed)
	p := make([]float64, k)
	base := (1 << m.Bits) * k
	for ep := 0; ep < o.Epochs; ep++ {
		for i := len(order) - 1; i > 0; i-- {
			j := int(rng.next() % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, si := range order {
			s := &samples[si]
			v := 0.0
			if len(s.Feats) > 0 {
				v = 1 / math.Sqrt(float64(len(s.Feats)))
			}
			copy(p, b)
			for _, h := range s.Feats {
				i := int(h&m.mask) * k
				for j := 0; j < k; j++ {
					p[j] += w[i+j] * v
				}
			}
			for d, x := range s.Dense {
				i := base + d*k
				for j := 0; j < k; j++ {
					p[j] += w[i+j] * float64(x)
				}
			}
			softmax64(p)
			sw := cw[s.Label]
			if s.Weight != 0 {
				sw *= float64(s.Weight)
			}
			for j := 0; j < k; j++ {
				gj := p[j]
				if j == s.Label {
					gj--
				}
				gj *= sw
				if gj == 0 {
					continue
				}
				bg2[j] += gj * gj
				b[j] -= o.Rate * gj / (math.Sqrt(bg2[j]) + 1e-8)
				for _, h := range s.Feats {
					i := int(h&m.mask)*k + j
					g := gj*v + o.L2*w[i]
					g2[i] += g * g
					w[i] -= o.Rate * g / (math.Sqrt(g2[i]) + 1e-8)
				}
				for d, x := range s.Dense {
					if x == 0 {
						continue
					}
					i := base + d*k + j
					g := gj*float64(x) + o.L2*w[i]
					g2[i] += g * g
					w[i] -= o.Rate * g / (math.Sqrt(g2[i]) + 1e-8)
				}
			}
		}
	}
	for i, x := range w {
		m.W[i] = float32(x)
	}
	for i, x := range b {
		m.Bias[i] = float32(x)
	}
	return m
}

func softmax64(x []float64) {
	mx := x[0]
	for _, v := range x[1:] {
		mx = max(mx, v)
	}
	s := 0.0
	for i, v := range x {
		x[i] = math.Exp(v - mx)
		s += x[i]
	}
	for i := range x {
		x[i] /= s
	}
}

type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9E3779B97F4A7C15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}
