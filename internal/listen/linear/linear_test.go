package linear

import (
	"bytes"
	"testing"
)

func toy() []Sample {
	var s []Sample
	for i := 0; i < 200; i++ {
		l := i % 3
		s = append(s, Sample{Feats: []uint32{uint32(l*7 + 1), uint32(i % 5)}, Dense: []float32{float32(l) - 1}, Label: l})
	}
	return s
}

func TestTrainDeterministicAndRoundTrip(t *testing.T) {
	a := Train(New("toy", []string{"a", "b", "c"}, 8, 1), toy(), Options{Seed: 7})
	b := Train(New("toy", []string{"a", "b", "c"}, 8, 1), toy(), Options{Seed: 7})
	ea, err := a.Encode(Meta{"t": 0.5})
	if err != nil {
		t.Fatal(err)
	}
	eb, _ := b.Encode(Meta{"t": 0.5})
	if !bytes.Equal(ea, eb) {
		t.Fatal("same data and seed gave different bytes")
	}
	m, meta, err := Decode(ea)
	if err != nil {
		t.Fatal(err)
	}
	if meta["t"] != 0.5 || m.Name != "toy" || len(m.Classes) != 3 {
		t.Fatalf("decoded %+v %v", m, meta)
	}
	p := make([]float32, 3)
	for _, s := range toy()[:6] {
		m.Probs(s.Feats, s.Dense, p)
		if ArgMax(p) != s.Label {
			t.Errorf("sample %v: probs %v", s, p)
		}
	}
	if _, _, err := Decode(ea[:len(ea)-3]); err == nil {
		t.Error("truncated model decoded without error")
	}
	bundle, _ := EncodeBundle(nil, a, b)
	ms, _, err := DecodeBundle(bundle)
	if err != nil || len(ms) != 2 {
		t.Fatalf("bundle: %v %d", err, len(ms))
	}
}
