package rumour

import (
	"testing"

	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

func TestF1AUCThreshold(t *testing.T) {
	// Rumours score 0.6–0.9, non-rumours 0.1–0.4 in both events.
	var a, b []Scored
	for i := 0; i < 10; i++ {
		a = append(a, Scored{P: 0.6 + 0.03*float32(i), Rumour: true}, Scored{P: 0.1 + 0.03*float32(i)})
		b = append(b, Scored{P: 0.62 + 0.03*float32(i), Rumour: true}, Scored{P: 0.12 + 0.03*float32(i)})
	}
	if f := F1(a, 0.5); f != 1 {
		t.Errorf("F1 at 0.5 = %v, want 1", f)
	}
	if f := F1(a, 0.05); f < 0.66 || f > 0.67 {
		t.Errorf("F1 when all are rumours = %v, want 2/3", f)
	}
	if auc := AUC(a); auc != 1 {
		t.Errorf("AUC = %v, want 1", auc)
	}
	th, f := BestThreshold(map[string][]Scored{"a": a, "b": b})
	if th < 0.4 || th > 0.6 || f < 0.99 {
		t.Errorf("BestThreshold = %v (F1 %v), want the middle of the gap", th, f)
	}
}

func TestBalancedEvents(t *testing.T) {
	var ex []corpus.Example
	add := func(ev, label string, n int) {
		for i := 0; i < n; i++ {
			ex = append(ex, corpus.Example{Group: ev, Label: label})
		}
	}
	add("a", "rumour", 30)
	add("b", "rumour", 30)
	add("a", "non-rumour", 20)
	add("b", "non-rumour", 19)
	add("c", "non-rumour", 50)
	add("c", "rumour", 25)
	if got := BalancedEvents(ex); len(got) != 2 || got[0] != "a" || got[1] != "c" {
		t.Errorf("BalancedEvents = %v, want [a c]", got)
	}
}

func TestShortPostIsNotAClaim(t *testing.T) {
	ex := []corpus.Example{
		{Text: "BREAKING: police say two gunmen reportedly seen near the station", Label: "rumour", Group: "x"},
		{Text: "our thoughts and prayers are with you all tonight", Label: "non-rumour", Group: "x"},
	}
	m := Train(ex, 1)
	m.Threshold = 0 // everything long enough is a rumour
	var tk textutil.Tokenizer
	var s Scratch
	if r := m.Classify(tk.Tokenize("BREAKING: gunmen reportedly"), &s); r.Label != "non_rumour" || r.Reason != "too short to state a claim" {
		t.Errorf("3-word post: %+v", r)
	}
	if r := m.Classify(tk.Tokenize("police say gunmen reportedly seen"), &s); r.Label != "rumour" {
		t.Errorf("5-word post: %+v", r)
	}
}
