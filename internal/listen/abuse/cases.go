package abuse

import (
	"embed"
	"strings"
)

//go:embed testdata/functional.tsv testdata/holdout.tsv testdata/complaints.tsv
var casesFS embed.FS

// Case is one hand-written functional test case.
type Case struct {
	Label, Lang, Func, Text string
}

// Cases returns a built-in suite: "functional" (HateCheck-style cases used
// while writing the rules), "holdout" (written afterwards, never tuned on)
// or "complaints" (plain angry complaints, all ok).
func Cases(suite string) ([]Case, error) {
	b, err := casesFS.ReadFile("testdata/" + suite + ".tsv")
	if err != nil {
		return nil, err
	}
	var out []Case
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		switch len(f) {
		case 4:
			out = append(out, Case{f[0], f[1], f[2], f[3]})
		case 2:
			out = append(out, Case{"ok", f[0], "complaint", f[1]})
		}
	}
	return out, nil
}
