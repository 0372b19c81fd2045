package lexicon

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Source is one valence list to merge: Sep separates word and valence and
// Scale brings the valence to VADER's -4..+4 range.
type Source struct {
	R     io.Reader
	Sep   string
	Scale float64
}

// Build merges sources into the "folded-word<TAB>valence" form that Parse
// reads, averaging a word's valences across sources, then applies our own
// overrides (domain words of outages and complaints). The output is sorted,
// so the same inputs always give the same bytes.
func Build(sources []Source, overrides map[string]float64) ([]byte, error) {
	sum := map[string]float64{}
	cnt := map[string]float64{}
	for si, src := range sources {
		seen := map[string]bool{}
		sc := bufio.NewScanner(src.R)
		for sc.Scan() {
			line := sc.Text()
			i := strings.Index(line, src.Sep)
			if i <= 0 {
				continue
			}
			val := line[i+len(src.Sep):]
			if j := strings.IndexByte(val, '\t'); j >= 0 {
				val = val[:j]
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil {
				continue
			}
			w := textutil.FoldString(line[:i])
			if !wordy(w) || strings.Count(w, " ") > 1 || seen[w] {
				continue
			}
			// Within one source keep the first reading of a folded form.
			seen[w] = true
			sum[w] += v * src.Scale
			cnt[w]++
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("lexicon source %d: %w", si, err)
		}
	}
	for w, v := range overrides {
		if v == 0 {
			delete(sum, w)
			continue
		}
		sum[w], cnt[w] = v, 1
	}
	keys := make([]string, 0, len(sum))
	for w := range sum {
		keys = append(keys, w)
	}
	slices.Sort(keys)
	var out bytes.Buffer
	for _, w := range keys {
		v := math.Round(sum[w]/cnt[w]*100) / 100
		if v == 0 {
			continue
		}
		fmt.Fprintf(&out, "%s\t%s\n", w, strconv.FormatFloat(v, 'f', -1, 64))
	}
	return out.Bytes(), nil
}

// OverridesFR are our French valences for words that matter in outage posts
// and are missing or too weak in the translated lists.
var OverridesFR = map[string]float64{
	"genial": 2.6, "nul": -2.2, "nulle": -2.2, "super": 2.2, "top": 2, "bien": 1.2, "parfait": 2.6, "excellent": 3,
	"merci": 1.8, "bravo": 2.4, "cool": 1.6, "panne": -1.8, "bug": -1.6, "bugue": -1.6, "beug": -1.6, "plante": -1.4,
	"arnaque": -2.8, "honte": -2.4, "scandale": -2.6, "scandaleux": -2.8, "inadmissible": -2.8, "inacceptable": -2.8,
	"abuse": -1.8, "lamentable": -2.8, "pathetique": -2.6, "relou": -1.8, "chiant": -2.2, "galere": -1.8, "gaver": -1.8,
	"marre": -2, "saoule": -1.8, "enerve": -2.2, "furieux": -2.8, "decu": -2, "decue": -2, "decevant": -2.2,
	"mdr": 1.2, "ptdr": 1.2, "lol": 1.2, "enfin": 0.6, "rapide": 1, "lent": -1.2, "horrible": -2.6, "mal": -1.6,
	"hs": -1.4, "fiable": 1.6, "ok": 0.6, "dsl": -0.6, "ouf": 1, "bof": -1.2, "naze": -2, "pourri": -2.4, "catastrophe": -2.8,
	"catastrophique": -3, "magnifique": 3, "adore": 2.8, "aime": 2, "content": 2, "contente": 2, "heureux": 2.4,
	"plus": 0, "moins": 0, "whatsappdown": -1.2, "marche pas": -2, "marche plus": -2, "fonctionne pas": -2, "fonctionne plus": -2,
	"marche jamais": -2, "marche pa": -2, "heureuse": 2.4, "triste": -2.2, "inquiet": -1.6, "inquiete": -1.6, "peur": -1.8, "colere": -2.4, "pire": -2.6,
}

// OverridesEN are our English valences for outage words.
var OverridesEN = map[string]float64{
	"outage": -1.8, "down": -0.6, "broken": -2.1, "bug": -1.4, "buggy": -1.8, "crashed": -1.8, "crashing": -1.8,
	"annoying": -2, "useless": -2.2, "scam": -2.8, "ripoff": -2.6, "unacceptable": -2.8, "ridiculous": -2.2,
	"whatsappdown": -1.2, "lol": 1.2, "lmao": 1.4, "thanks": 1.8, "thank": 1.6, "fixed": 1.6, "finally": 0.6,
}

// wordy reports whether w is made of letters, digits, apostrophes, hyphens
// and spaces only: the translated lists carry emoticons we score elsewhere.
func wordy(w string) bool {
	if w == "" {
		return false
	}
	for _, r := range w {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-' || r == ' ') {
			return false
		}
	}
	return true
}
