package build

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/vigie-hq/vigie/internal/listen/abuse"
	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Badwords builds the folded French insult list from french-badwords
// (MIT): letter-only entries, deduplicated and sorted. The l33t spellings
// of the list are dropped; the character n-grams of the model cover them.
func Badwords(data string) ([]byte, error) {
	ws, err := corpus.Lines(filepath.Join(data, "french-badwords", "list.txt"))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, w := range ws {
		f := textutil.FoldString(w)
		if f == "" || strings.ContainsAny(f, " 0123456789!@$") || seen[f] {
			continue
		}
		seen[f] = true
		out = append(out, f)
	}
	slices.Sort(out)
	return []byte(strings.Join(out, "\n") + "\n"), nil
}

// mlmaVal reports whether an MLMA row is in our validation fifth (MLMA
// has no official split).
func mlmaVal(x corpus.Example) bool {
	n := 0
	for _, c := range x.Group {
		n = n*10 + int(c-'0')
	}
	return n%5 == 0
}

// AbuseData returns the training and validation examples of the abuse
// model, labelled ok/abusive/hateful.
func AbuseData(data string) (train, val []corpus.Example, err error) {
	add := func(dst *[]corpus.Example, ex []corpus.Example, m func(string) string) {
		for _, x := range ex {
			if l := m(x.Label); l != "" {
				x.Label = l
				*dst = append(*dst, x)
			}
		}
	}
	off := func(l string) string {
		if l == "offensive" {
			return "abusive"
		}
		return "ok"
	}
	hate := func(l string) string {
		if l == "hate" {
			return "hateful"
		}
		return "" // not-hate in HatEval is often still offensive
	}
	for _, split := range []string{"train", "val"} {
		dst := &train
		if split == "val" {
			dst = &val
		}
		ex, err := corpus.TweetEval(data, "offensive", split)
		if err != nil {
			return nil, nil, err
		}
		add(dst, ex, off)
		ex, err = corpus.TweetEval(data, "hate", split)
		if err != nil {
			return nil, nil, err
		}
		add(dst, ex, hate)
	}
	for _, lang := range []string{"fr", "en"} {
		ex, err := corpus.MLMA(data, lang)
		if err != nil {
			return nil, nil, err
		}
		for _, x := range ex {
			if l := abuse.MapMLMA(x.Label); l != "" {
				x.Label = l
				if mlmaVal(x) {
					val = append(val, x)
				} else {
					train = append(train, x)
				}
			}
		}
		// Sentiment tweets are ordinary posts: the "ok" side that MLMA,
		// collected with hate keywords, lacks.
		ex, err = corpus.UMSAB(data, lang, "train")
		if err != nil {
			return nil, nil, err
		}
		add(&train, ex, func(string) string { return "ok" })
	}
	return train, val, nil
}
