package plan

import (
	"strings"
)

// didYouMean suggests the closest candidate to got, or lists the candidates
// (prefixed by intro) when none is close.
func didYouMean(got string, candidates []string, intro string) string {
	best, bestDist := "", len(got)/2+2
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(got), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" {
		return "did you mean " + strconvQuote(best) + "?"
	}
	if len(candidates) == 0 {
		return ""
	}
	if len(candidates) > 16 {
		candidates = append(candidates[:16:16], "…")
	}
	return intro + strings.Join(candidates, ", ")
}

func strconvQuote(s string) string { return `"` + s + `"` }

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
