package listen

import (
	_ "embed"
	"strings"

	"github.com/vigie-hq/vigie/internal/listen/rumour"
	"github.com/vigie-hq/vigie/internal/plan"
)

//go:embed testdata/policy.tsv
var policyTSV string

// PolicyCase is one hand-written reply-policy case.
type PolicyCase struct {
	Label, Lang, Text string
}

// PolicyCases returns our labelled reply-policy cases (they assume the
// Café Express example plan's rumour library).
func PolicyCases() []PolicyCase {
	var out []PolicyCase
	for _, l := range strings.Split(policyTSV, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if f := strings.SplitN(l, "\t", 3); len(f) == 3 {
			out = append(out, PolicyCase{f[0], f[1], f[2]})
		}
	}
	return out
}

// Claims returns the rumour library of a plan as matcher claims, in plan
// order and, within a rumour, French before English.
func Claims(p *plan.Plan) []rumour.Claim {
	var out []rumour.Claim
	for _, r := range p.Rumours {
		for _, lang := range []string{"fr", "en"} {
			for _, c := range r.Claims[lang] {
				out = append(out, rumour.Claim{ID: r.ID, Lang: lang, Text: c})
			}
		}
		for lang, cs := range r.Claims {
			if lang == "fr" || lang == "en" {
				continue
			}
			for _, c := range cs {
				out = append(out, rumour.Claim{ID: r.ID, Lang: lang, Text: c})
			}
		}
	}
	return out
}
