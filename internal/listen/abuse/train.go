package abuse

import (
	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Train fits the statistical part on examples labelled ok, abusive or
// hateful. Thresholds are left at their defaults; see Tune.
func Train(ex []corpus.Example, badwords map[string]bool, negative func([]byte) bool, seed uint64) *Model {
	m := &Model{Badwords: badwords, Negative: negative, Abusive: 0.5, Hateful: 0.5}
	var tk textutil.Tokenizer
	var s Scratch
	samples := make([]linear.Sample, 0, len(ex))
	for _, x := range ex {
		label := -1
		for i, l := range Labels {
			if l == x.Label {
				label = i
			}
		}
		if label < 0 {
			continue
		}
		m.Extract(x.Text, tk.Tokenize(x.Text), &s)
		samples = append(samples, linear.Sample{Feats: append([]uint32(nil), s.Feats...), Dense: append([]float32(nil), s.Dense[:]...), Label: label})
	}
	lin := linear.New("abuse", Labels, Bits, NDense)
	linear.Train(lin, samples, linear.Options{Epochs: 8, Rate: 0.1, L2: 1e-3, Seed: seed, Balance: true})
	m.Lin = lin
	return m
}

// MapMLMA turns MLMA's multi-label hostility string into our classes:
// anything hateful is hateful; offensive, abusive or disrespectful is
// abusive; "normal" alone is ok; mixed normal/hostile rows and "fearful"
// alone are too ambiguous to teach anything and are dropped ("").
func MapMLMA(label string) string {
	has := func(s string) bool {
		for i := 0; i+len(s) <= len(label); i++ {
			if label[i:i+len(s)] == s {
				return true
			}
		}
		return false
	}
	switch {
	case label == "normal":
		return "ok"
	case has("normal"):
		return ""
	case has("hateful"):
		return "hateful"
	case has("offensive"), has("abusive"), has("disrespectful"):
		return "abusive"
	}
	return ""
}
