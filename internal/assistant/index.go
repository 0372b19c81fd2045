package assistant

import (
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/vigie-hq/vigie/internal/plan"
)

// BM25 parameters. Documents are short (a handful of questions), so length
// normalisation is kept mild.
const (
	bm25K1 = 1.2
	bm25B  = 0.5
	// Field weights: the answer text helps with words customers use that the
	// question variants lack, but must not outvote the questions.
	weightQuestion = 1.0
	weightTag      = 0.5
	weightAnswer   = 0.3
)

// index is a BM25F index over FAQ entries (questions, tags and answer text in
// every language) plus tf·idf vectors of the single question variants.
type index struct {
	an       *analyzer
	terms    map[string]int32 // term → id
	entries  []entryDoc
	df       []float64 // entries containing the term, in any field
	idf      []float64
	avgQ     float64
	avgA     float64
	variants []variantDoc
	fuzzy    *fuzzyDict
	weak     []bool          // by term id: a question word
	known    map[string]bool // terms of the plan's other texts
	org      map[string]bool // terms of the organisation's name
}

func (ix *index) termWeight(t int32) float64 {
	if ix.weak[t] {
		return weakWeight
	}
	return 1
}

type entryDoc struct {
	q, a map[int32]float64 // term frequencies per field (tags folded into q)
	qLen float64
	aLen float64
}

type variantDoc struct {
	entry int
	tf    map[int32]float64
	norm  float64 // Euclidean norm of the variant's tf·idf vector
}

// source is one FAQ entry as the index sees it.
type source struct {
	questions map[string][]string // lang → variants
	tags      []string
	answers   map[string]string // lang → answer template
}

var (
	templateAction = regexp.MustCompile(`\{\{[^}]*\}\}`)
	templateVar    = regexp.MustCompile(`\.([A-Z]\w*(?:\.[A-Z]\w*)?)`)
)

// varWords say what a template variable stands for, so that an answer
// "write to {{.Continuity.Email}}" is indexed as mentioning an e-mail.
var varWords = map[string]string{
	"StatusURL": "status page", "Website": "website", "Continuity.SMS": "sms", "Continuity.Phone": "phone number",
	"Continuity.OrderURL": "website", "Continuity.Telegram": "telegram", "Continuity.Email": "email",
	"Continuity.TrackingURL": "tracking", "Continuity.Store": "shop", "NextUpdate": "next update",
	"StatusText": "status", "StatusUpdatedAt": "update", "ETA": "estimate", "Voucher": "voucher",
	"VoucherPercent": "discount",
}

// describeActions replaces each template action by the words its variable
// stands for (in English; the analyser maps them to concepts).
func describeActions(src string) string {
	return templateAction.ReplaceAllStringFunc(src, func(a string) string {
		m := templateVar.FindStringSubmatch(a)
		if m == nil || strings.HasPrefix(strings.TrimLeft(a, "{- "), "if") || strings.HasPrefix(strings.TrimLeft(a, "{- "), "else") {
			return " "
		}
		return " " + varWords[m[1]] + " "
	})
}

func buildIndex(an *analyzer, srcs []source, known []plan.Text, org string) *index {
	ix := &index{an: an, terms: map[string]int32{}, known: map[string]bool{}, org: map[string]bool{}}
	// The organisation's name is in many questions ("Café Express livre
	// encore ?") and says nothing about their topic.
	for _, lang := range []string{"fr", "en"} {
		for _, tk := range an.terms(org, lang) {
			if tk.term[0] != '#' {
				ix.org[tk.term] = true
			}
		}
	}
	for _, t := range known {
		for lang, s := range t {
			for _, tk := range an.terms(s, lang) {
				ix.known[tk.term] = true
			}
		}
	}
	// surfaces maps the words as written (folded) to their terms, for typo
	// correction: a misspelt word is compared with real words, not with
	// stems, which are too short and too close to each other.
	surfaces := map[string]string{}
	id := func(tk token) int32 {
		t := tk.term
		if t[0] != '#' {
			surfaces[tk.surface] = t
		}
		if i, ok := ix.terms[t]; ok {
			return i
		}
		i := int32(len(ix.terms))
		ix.terms[t] = i
		return i
	}
	for e, s := range srcs {
		d := entryDoc{q: map[int32]float64{}, a: map[int32]float64{}}
		for _, lang := range sortedLangs(s.questions) {
			for _, v := range s.questions[lang] {
				vd := variantDoc{entry: e, tf: map[int32]float64{}}
				for _, tk := range an.terms(v, lang) {
					t := id(tk)
					d.q[t] += weightQuestion
					d.qLen += weightQuestion
					vd.tf[t]++
				}
				ix.variants = append(ix.variants, vd)
			}
		}
		for _, tag := range s.tags {
			for _, tk := range an.terms(tag, "fr") {
				t := id(tk)
				d.q[t] += weightTag
				d.qLen += weightTag
			}
		}
		for _, lang := range sortedLangs(s.answers) {
			for _, tk := range an.terms(describeActions(s.answers[lang]), lang) {
				t := id(tk)
				d.a[t]++
				d.aLen++
			}
		}
		ix.entries = append(ix.entries, d)
	}
	n := len(ix.terms)
	ix.df, ix.idf = make([]float64, n), make([]float64, n)
	for _, d := range ix.entries {
		seen := map[int32]bool{}
		for t := range d.q {
			seen[t] = true
		}
		for t := range d.a {
			seen[t] = true
		}
		for t := range seen {
			ix.df[t]++
		}
		ix.avgQ += d.qLen
		ix.avgA += d.aLen
	}
	ne := float64(len(ix.entries))
	ix.avgQ = math.Max(ix.avgQ/math.Max(ne, 1), 1)
	ix.avgA = math.Max(ix.avgA/math.Max(ne, 1), 1)
	ix.weak = make([]bool, n)
	for t, i := range ix.terms {
		ix.weak[i] = weakConcepts[t]
	}
	for t := 0; t < n; t++ {
		ix.idf[t] = bm25IDF(ne, ix.df[t])
	}
	for i := range ix.variants {
		v := &ix.variants[i]
		for t, tf := range v.tf {
			w := tf * ix.idf[t] * ix.termWeight(t)
			v.norm += w * w
		}
		v.norm = math.Sqrt(v.norm)
	}
	for w, c := range an.concepts {
		if _, ok := ix.terms[c]; ok && isLetters(w) {
			surfaces[w] = c
		}
	}
	ix.fuzzy = newFuzzyDict(surfaces)
	return ix
}

func bm25IDF(n, df float64) float64 {
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

func sortedLangs[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// queryTerm is one distinct term of a question.
type queryTerm struct {
	id     int32
	weight float64 // query term frequency, reduced for typo corrections
	weak   bool    // a question word: ranks, but does not make confidence
}

// query analyses a question into index terms, correcting typos against the
// index vocabulary. unknown counts the content words that match nothing.
func (ix *index) query(text, lang string) (qs []queryTerm, unknown float64) {
	toks := ix.an.terms(text, lang)
	qs = make([]queryTerm, 0, len(toks))
	add := func(id int32, w float64, weak bool) {
		for i := range qs {
			if qs[i].id == id {
				qs[i].weight += w
				return
			}
		}
		if weak {
			w *= weakWeight
		}
		qs = append(qs, queryTerm{id: id, weight: w, weak: weak})
	}
	for _, tk := range toks {
		if ix.org[tk.term] {
			continue
		}
		if id, ok := ix.terms[tk.term]; ok {
			add(id, 1, tk.weak)
			continue
		}
		if tk.weak {
			continue
		}
		if rel := ix.related(tk.term); rel >= 0 {
			add(rel, relatedWeight, false)
			continue
		}
		if ix.known[tk.term] {
			unknown += knownWeight
			continue
		}
		if tk.term[0] != '#' {
			if t, ok := ix.fuzzy.lookup(tk.surface); ok {
				add(ix.terms[t], typoWeight, weakConcepts[t])
				continue
			}
		}
		if tk.term[0] == '#' {
			// a domain word this FAQ does not use
			unknown += conceptUnknownWeight
			continue
		}
		unknown++
	}
	return qs, unknown
}

// related returns the id of the first neighbour of concept t that the index
// holds, or -1.
func (ix *index) related(t string) int32 {
	for _, r := range relatedConcepts[t] {
		if id, ok := ix.terms[r]; ok {
			return id
		}
	}
	return -1
}

const (
	// relatedWeight discounts a neighbouring concept.
	relatedWeight = 0.7
	// knownWeight is how much a word of the plan's own vocabulary (its
	// organisation, components, continuity options) that no FAQ entry uses
	// counts against confidence; a word foreign to the plan counts 1.
	knownWeight = 0.25
	// conceptUnknownWeight is the same for a domain concept of the thesaurus
	// that this FAQ does not use.
	conceptUnknownWeight = 0.5
	// typoWeight discounts a term reached through a typo correction.
	typoWeight = 0.8
	// weakWeight discounts question words in the ranking.
	weakWeight = 0.5
)

// scored is an entry's score for a question.
type scored struct {
	entry    int
	score    float64 // BM25F over the entry plus best variant
	coverage float64 // share of the question's IDF mass the entry matches
	matched  int     // distinct topical terms matched in the entry's questions
	cosine   float64 // similarity with the entry's closest question variant
}

// search scores every entry for the analysed question, best first.
func (ix *index) search(qs []queryTerm, unknown float64, out []scored) []scored {
	out = out[:0]
	ne := float64(len(ix.entries))
	unknownIDF := unknownScale * bm25IDF(ne, 0)
	total := unknown * unknownIDF
	for _, q := range qs {
		if !q.weak {
			total += q.weight * ix.idf[q.id]
		}
	}
	for e := range ix.entries {
		d := &ix.entries[e]
		var s, matched float64
		n := 0
		for _, q := range qs {
			tq, ta := d.q[q.id], d.a[q.id]
			if tq == 0 && ta == 0 {
				continue
			}
			tf := weightQuestion*tq/(1-bm25B+bm25B*d.qLen/ix.avgQ) + weightAnswer*ta/(1-bm25B+bm25B*d.aLen/ix.avgA)
			s += q.weight * ix.idf[q.id] * tf * (bm25K1 + 1) / (tf + bm25K1)
			switch {
			case q.weak:
			case tq > 0:
				matched += q.weight * ix.idf[q.id]
				n++
			default:
				matched += answerOnlyCredit * q.weight * ix.idf[q.id]
			}
		}
		cov := 0.0
		if total > 0 {
			cov = matched / total
		}
		out = append(out, scored{entry: e, score: s, coverage: cov, matched: n})
	}
	// Best single variant by cosine similarity, so that a question close to
	// one variant wins over an entry that merely shares words across
	// several, and a short question prefers the short variant it matches.
	var qnorm float64
	for _, q := range qs {
		w := q.weight * ix.idf[q.id]
		qnorm += w * w
	}
	qnorm = math.Sqrt(qnorm)
	best := make([]float64, len(ix.entries))
	for _, v := range ix.variants {
		if v.norm == 0 || qnorm == 0 {
			continue
		}
		var dot float64
		for _, q := range qs {
			if tf := v.tf[q.id]; tf > 0 {
				dot += q.weight * ix.idf[q.id] * tf * ix.idf[q.id] * ix.termWeight(q.id)
			}
		}
		if c := dot / (qnorm * v.norm); c > best[v.entry] {
			best[v.entry] = c
		}
	}
	for i := range out {
		out[i].cosine = best[out[i].entry]
		out[i].score += variantWeight * best[out[i].entry]
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out
}

const (
	variantWeight    = 1.0
	answerOnlyCredit = 0.5
	// unknownScale weighs a word the index does not know against the
	// rarest word it does.
	unknownScale = 1.0
)

// confidence maps the ranking to a 0–1 confidence in the best entry: the
// share of the question's IDF mass it covers (see search).
func confidence(ranked []scored) float64 {
	if len(ranked) == 0 || ranked[0].score <= 0 {
		return 0
	}
	return ranked[0].coverage
}
