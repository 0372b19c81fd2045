package assistant

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// explain shows how a question is analysed and ranked, for tuning.
func (a *Assistant) explain(q, lang string) string {
	lang = a.Lang(q, lang)
	qs, unknown := a.ix.query(q, lang)
	names := map[int32]string{}
	for t, id := range a.ix.terms {
		names[id] = t
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%q lang=%s unknown=%.0f terms:", q, lang, unknown)
	for _, t := range a.ix.an.terms(q, lang) {
		fmt.Fprintf(&b, " %s", t.term)
	}
	b.WriteString(" →")
	for _, t := range qs {
		fmt.Fprintf(&b, " %s(%.1f idf %.2f)", names[t.id], t.weight, a.ix.idf[t.id])
	}
	ranked := a.ix.search(qs, unknown, nil)
	for i := 0; i < 3 && i < len(ranked); i++ {
		fmt.Fprintf(&b, "\n   %-16s score %.2f cov %.2f:", a.entries[ranked[i].entry].id, ranked[i].score, ranked[i].coverage)
		d := a.ix.entries[ranked[i].entry]
		for _, q := range qs {
			if d.q[q.id] > 0 || d.a[q.id] > 0 {
				fmt.Fprintf(&b, " %s(q%.1f a%.0f)", names[q.id], d.q[q.id], d.a[q.id])
			}
		}
	}
	fmt.Fprintf(&b, "\n   confidence %.2f", confidence(ranked))
	return b.String()
}

// TestExplain prints the analysis of the questions in VIGIE_Q (one per
// line) against the example plan, or the sample plan with VIGIE_PLAN=sample.
func TestExplain(t *testing.T) {
	qs := os.Getenv("VIGIE_Q")
	if qs == "" {
		t.Skip("set VIGIE_Q")
	}
	p := cafePlusPlan(t)
	if os.Getenv("VIGIE_PLAN") == "sample" {
		p = samplePlan(t)
	}
	a := newAssistant(t, p, Options{})
	for _, q := range strings.Split(qs, "\n") {
		t.Log(a.explain(q, "auto"))
	}
}

// TestDumpFeatures writes the ranking features of labelled questions to
// $VIGIE_DUMP (TSV), to study the abstain rule.
func TestDumpFeatures(t *testing.T) {
	path := os.Getenv("VIGIE_DUMP")
	if path == "" {
		t.Skip("set VIGIE_DUMP")
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := "testdata/eval/"
	cafe := newAssistant(t, cafePlusPlan(t), Options{})
	sample := newAssistant(t, samplePlan(t), Options{})
	sets := []struct {
		name string
		a    *Assistant
		qs   []labelled
	}{
		{"cafe-dev", cafe, readLabelled(t, dir+"cafe-express-dev.tsv")},
		{"cafe-test", cafe, readLabelled(t, dir+"cafe-express-test.tsv")},
		{"cafe-holdout", cafe, readLabelled(t, dir+"cafe-express-holdout.tsv")},
		{"sample-holdout", sample, readLabelled(t, dir+"sample-holdout.tsv")},
		{"offtopic-holdout", cafe, readLabelled(t, dir+"offtopic-holdout.tsv")},
		{"sample-dev", sample, readLabelled(t, dir+"sample-dev.tsv")},
		{"sample-test", sample, readLabelled(t, dir+"sample-test.tsv")},
		{"offtopic", cafe, readLabelled(t, dir+"offtopic.tsv")},
		{"offtopic-sample", sample, readLabelled(t, dir+"offtopic.tsv")},
		{"oos_train", cafe, clincOOS(t, "oos_train")},
		{"oos_val", cafe, clincOOS(t, "oos_val")},
		{"oos_test", cafe, clincOOS(t, "oos_test")},
		{"oos_val-sample", sample, clincOOS(t, "oos_val")},
		{"clinc_val", cafe, clincOOS(t, "val")},
	}
	fmt.Fprintln(f, "set\twant\tgot\tcov\tcos\tscore\tscore2\tunknown\tnterms\tmatched\ttext")
	for _, s := range sets {
		for _, q := range s.qs {
			lang := s.a.Lang(q.text, "auto")
			qs, unknown := s.a.ix.query(q.text, lang)
			got, cov, cos, sc, sc2, m := "NONE", 0.0, 0.0, 0.0, 0.0, 0
			if len(qs) > 0 {
				r := s.a.ix.search(qs, unknown, nil)
				got, cov, cos, sc, m = s.a.entries[r[0].entry].id, r[0].coverage, r[0].cosine, r[0].score, r[0].matched
				if len(r) > 1 {
					sc2 = r[1].score
				}
			}
			fmt.Fprintf(f, "%s\t%s\t%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\t%d\t%d\t%s\n", s.name, q.want, got, cov, cos, sc, sc2, unknown, len(qs), m, q.text)
		}
	}
}

// TestPrintAnswers prints every entry's answer for a status (VIGIE_PRINT=1).
func TestPrintAnswers(t *testing.T) {
	if os.Getenv("VIGIE_PRINT") == "" {
		t.Skip("set VIGIE_PRINT=1")
	}
	a := newAssistant(t, cafePlan(t), Options{})
	for _, js := range []string{
		`{"state":"identified","status_text":{"fr":"Panne WhatsApp","en":"WhatsApp outage"},"eta":null,"status_updated_at":"2025-06-03T15:40:00+02:00","next_update_at":"2025-06-03T16:10:00+02:00"}`,
		`{"state":"restoring","status_text":{"fr":"Retour progressif","en":"Coming back"},"eta":"2025-06-03T18:00:00+02:00","status_updated_at":"2025-06-03T15:40:00+02:00","next_update_at":null}`,
		`{"state":"resolved","status_text":{"fr":"Résolu","en":"Resolved"},"eta":null,"status_updated_at":"2025-06-03T19:05:00+02:00","next_update_at":null}`,
	} {
		st, err := ParseStatus([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range a.entries {
			if !e.usesStatus && !strings.Contains(js, "identified") {
				continue
			}
			for _, lang := range []string{"fr", "en"} {
				v := statusVars(a.base, st, lang, a.defLang, a.loc)
				text, err := render(e.answers[lang], e.usesStatus, v, st, lang)
				t.Logf("%s %s [%s]: %s %v", st.State, e.id, lang, text, err)
			}
		}
	}
}
