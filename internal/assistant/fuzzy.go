package assistant

import "sort"

// fuzzyDict finds the vocabulary word one edit away from a misspelt word
// (insertion, deletion, substitution or swap of neighbours), with a
// symmetric-deletion index: each key is stored under itself and its
// one-letter deletions, so a lookup is a handful of map probes.
type fuzzyDict struct {
	keys    map[string]string   // vocabulary word → term
	deletes map[string][]string // variant → vocabulary words
}

func newFuzzyDict(keys map[string]string) *fuzzyDict {
	d := &fuzzyDict{keys: keys, deletes: map[string][]string{}}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted) // deterministic candidate order
	for _, k := range sorted {
		d.deletes[k] = append(d.deletes[k], k)
		for i := 0; i < len(k); i++ {
			v := k[:i] + k[i+1:]
			d.deletes[v] = append(d.deletes[v], k)
		}
	}
	return d
}

// minFuzzyLen is the shortest word that gets typo correction: one edit on
// a four-letter word reaches too many other words ("soup" → "coup").
const minFuzzyLen = 5

// lookup returns the term of the closest vocabulary word within one edit of
// w, preferring the longest shared prefix on ties. Below seven letters the
// first letter must match: typos rarely hit it, and it keeps short words
// from drifting to unrelated ones.
func (d *fuzzyDict) lookup(w string) (string, bool) {
	if t, ok := d.keys[w]; ok {
		return t, true
	}
	if len(w) < minFuzzyLen-1 {
		return "", false
	}
	best, bestPrefix := "", -1
	try := func(v string) {
		for _, k := range d.deletes[v] {
			// A four-letter word may only have lost a letter ("ordr").
			if len(k) < minFuzzyLen || (len(w) < minFuzzyLen && len(k) == len(w)) || !withinOneEdit(w, k) || (len(w) < 7 && k[0] != w[0]) {
				continue
			}
			if p := commonPrefix(w, k); p > bestPrefix {
				best, bestPrefix = k, p
			}
		}
	}
	try(w)
	for i := 0; i < len(w); i++ {
		try(w[:i] + w[i+1:])
	}
	if bestPrefix < 0 {
		return "", false
	}
	return d.keys[best], true
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// withinOneEdit reports whether the optimal string alignment distance
// between a and b is at most 1.
func withinOneEdit(a, b string) bool {
	la, lb := len(a), len(b)
	switch {
	case la == lb:
		diff := -1
		for i := 0; i < la; i++ {
			if a[i] != b[i] {
				if diff >= 0 {
					// a second difference is fine only as a swap of neighbours
					return diff == i-1 && a[diff] == b[i] && a[i] == b[diff] && a[i+1:] == b[i+1:]
				}
				diff = i
			}
		}
		return true
	case la == lb+1:
		return oneDeletion(a, b)
	case lb == la+1:
		return oneDeletion(b, a)
	}
	return false
}

// oneDeletion reports whether removing one byte of long gives short.
func oneDeletion(long, short string) bool {
	i := 0
	for i < len(short) && long[i] == short[i] {
		i++
	}
	return long[i+1:] == short[i:]
}
