package assistant

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/vigie-hq/vigie/internal/plan"
)

// labelled is one evaluation question.
type labelled struct {
	want, lang, text string
}

func readLabelled(t testing.TB, path string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 {
			t.Fatalf("%s: bad line %q", path, line)
		}
		out = append(out, labelled{want: parts[0], lang: parts[1], text: parts[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sharedDir returns the shared data subdirectory sub
// ($VIGIE_SHARED_DATA, default <repo>/../shared/data) and an error when it
// is absent (a fresh clone without ../shared).
func sharedDir(sub string) (string, error) {
	dir := os.Getenv("VIGIE_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	p := filepath.Join(dir, sub)
	if _, err := os.Stat(p); err != nil {
		return p, fmt.Errorf("shared data %s not found (set VIGIE_SHARED_DATA to the directory holding %s): %w", p, sub, err)
	}
	return p, nil
}

// sharedData returns sharedDir(sub) or skips the test.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	p, err := sharedDir(sub)
	if err != nil {
		t.Skip(err)
	}
	return p
}

func cafePlan(t testing.TB) *plan.Plan {
	t.Helper()
	p, diags, err := plan.Load("../../examples/cafe-express/plan.yaml")
	if err != nil || diags.HasErrors() {
		t.Fatalf("load example plan: %v %v", err, diags.Errors())
	}
	return p
}

// cafePlusPlan is the example plan with the FAQ entries of
// testdata/cafe-express-faq-extension.yaml it does not have yet.
func cafePlusPlan(t testing.TB) *plan.Plan {
	t.Helper()
	p := cafePlan(t)
	data, err := os.ReadFile("testdata/cafe-express-faq-extension.yaml")
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var ext struct {
		FAQ []plan.FAQEntry `json:"faq"`
	}
	if err := json.Unmarshal(js, &ext); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range p.FAQ {
		have[f.ID] = true
	}
	q := *p
	q.FAQ = append([]plan.FAQEntry(nil), p.FAQ...)
	for _, f := range ext.FAQ {
		if !have[f.ID] {
			q.FAQ = append(q.FAQ, f)
		}
	}
	return &q
}

func newAssistant(t testing.TB, p *plan.Plan, opts Options) *Assistant {
	t.Helper()
	a, err := New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// testStatus is an incident without an estimate, updated at 15:40 Paris
// time with the next update promised for 16:10.
func testStatus() Status {
	st, err := ParseStatus([]byte(`{"state": "identified",
		"status_text": {"fr": "WhatsApp ne délivre plus les messages ; commandes par SMS", "en": "WhatsApp is not delivering messages; orders by text"},
		"eta": null, "status_updated_at": "2025-06-03T15:40:00+02:00", "next_update_at": "2025-06-03T16:10:00+02:00"}`))
	if err != nil {
		panic(err)
	}
	return st
}

// samplePlan turns ../shared/data/crisis-faq-sample/faq.json into a plan:
// one question per language per entry, answers whose {placeholders} become
// template variables. It is how a plan written by another business, with
// few question variants, looks to the assistant.
func samplePlan(t testing.TB) *plan.Plan {
	t.Helper()
	dir := sharedData(t, "crisis-faq-sample")
	data, err := os.ReadFile(filepath.Join(dir, "faq.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FAQ []struct {
			ID         string            `json:"id"`
			Q          map[string]string `json:"q"`
			A          map[string]string `json:"a"`
			UsesStatus bool              `json:"uses_status"`
		} `json:"faq"`
		OOS map[string]string `json:"out_of_scope_answer"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer(
		"{status_updated_at}", "{{.StatusUpdatedAt}}", "{status_text}", "{{.StatusText}}",
		"{next_update_at}", "{{.NextUpdate}}", "{website}", "{{.Website}}", "{phone}", "{{.Continuity.Phone}}",
		"{sms}", "{{.Continuity.SMS}}", "{tracking_url}", "{{.Continuity.TrackingURL}}", "{email}", "{{.Continuity.Email}}",
		"{status_page}", "{{.StatusURL}}", "{opening_hours}", "9 h - 18 h", "{pay_domain}", "https://pay.example.com",
		"{eta_sentence_fr}", "{{if .ETA}}Retour estimé vers {{.ETA}}.{{else}}Aucune estimation de retour pour l'instant.{{end}}",
		"{eta_sentence_en}", "{{if .ETA}}Expected back around {{.ETA}}.{{else}}No estimate of when it will be back yet.{{end}}",
	)
	p := &plan.Plan{
		Organisation: plan.Organisation{Name: "Boutique Exemple", Languages: []string{"fr", "en"}, DefaultLanguage: "fr",
			Timezone: "Europe/Paris", Website: "https://shop.example.com", StatusURL: "https://status.example.com"},
		Continuity: []plan.ContinuityOption{
			{ID: "phone", Kind: "phone", Value: "01 23 45 67 89"},
			{ID: "sms", Kind: "sms", Value: "06 12 34 56 78"},
			{ID: "mail", Kind: "email", Value: "aide@example.com"},
			{ID: "track", Kind: "tracking", Value: "https://shop.example.com/suivi"},
		},
		Assistant: plan.Assistant{Handoff: plan.Text{}},
	}
	for lang, s := range doc.OOS {
		p.Assistant.Handoff[lang] = strings.ReplaceAll(s, "{phone}", "01 23 45 67 89")
	}
	for _, f := range doc.FAQ {
		e := plan.FAQEntry{ID: f.ID, UsesStatus: f.UsesStatus, Questions: map[string][]string{}, Answer: plan.Text{}}
		for lang, q := range f.Q {
			e.Questions[lang] = []string{q}
		}
		for lang, a := range f.A {
			e.Answer[lang] = vars.Replace(a)
		}
		p.FAQ = append(p.FAQ, e)
	}
	return p
}

// clincOOS reads the out-of-scope questions of a CLINC150 split ("oos_val",
// "oos_test") or, with inScope, its in-scope questions ("val", "test"),
// which are all off-topic for a shop's crisis FAQ.
func clincOOS(t testing.TB, split string) []labelled {
	t.Helper()
	dir := sharedData(t, "clinc150-oos")
	data, err := os.ReadFile(filepath.Join(dir, "data_full.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string][][2]string
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	rows, ok := doc[split]
	if !ok {
		t.Fatalf("clinc150: no split %s", split)
	}
	out := make([]labelled, len(rows))
	for i, r := range rows {
		out[i] = labelled{want: OutOfScope, lang: "en", text: r[0]}
	}
	return out
}
