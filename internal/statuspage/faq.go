package statuspage

import "github.com/vigie-hq/vigie/internal/plan"

// faqFor renders the FAQ answers that do not depend on a live incident;
// those quoting the live status are answered by the assistant instead.
func faqFor(p *plan.Plan, lang string) []faqItem {
	vars := p.SampleVars(nil, lang)
	vars.Status, vars.StatusText, vars.NextUpdate, vars.StartedAt, vars.ResolvedAt, vars.Duration, vars.Voucher, vars.StatusUpdatedAt = "", "", "", "", "", "", "", ""
	var out []faqItem
	for _, f := range p.FAQ {
		qs := f.Questions[lang]
		if f.UsesStatus || len(qs) == 0 {
			continue
		}
		t, err := plan.ParseTemplate(f.ID, f.Answer.Get(lang, p.Organisation.DefaultLanguage))
		if err != nil {
			continue
		}
		ans, err := t.Render(vars)
		if err != nil {
			continue
		}
		out = append(out, faqItem{ID: f.ID, Question: qs[0], Answer: ans, Tags: f.Tags})
	}
	return out
}
