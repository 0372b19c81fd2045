package lexicon

import "github.com/vigie-hq/vigie/internal/listen/textutil"

// Word lists below are ours (VADER's English boosters and negations are
// reproduced from its MIT-licensed source); they are rules, not data.

var negEN = set("not", "no", "never", "none", "nope", "nor", "neither", "nothing", "nowhere", "without", "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "wont", "wouldnt", "couldnt", "shouldnt", "aint", "hasnt", "havent", "hadnt", "rarely", "seldom", "despite", "nobody", "nah")

var negFR = set("pas", "jamais", "rien", "aucun", "aucune", "ni", "sans", "guere", "nullement", "pa", "pô", "po")

var boostEN = map[string]float32{"absolutely": 1, "amazingly": 1, "awfully": 1, "completely": 1, "considerably": 1, "decidedly": 1, "deeply": 1, "effing": 1, "enormously": 1, "entirely": 1, "especially": 1, "exceptionally": 1, "extremely": 1, "fabulously": 1, "flipping": 1, "freaking": 1, "fricking": 1, "frigging": 1, "fully": 1, "fucking": 1, "greatly": 1, "hella": 1, "highly": 1, "hugely": 1, "incredibly": 1, "intensely": 1, "majorly": 1, "more": 1, "most": 1, "particularly": 1, "purely": 1, "quite": 1, "really": 1, "remarkably": 1, "so": 1, "substantially": 1, "thoroughly": 1, "totally": 1, "tremendously": 1, "uber": 1, "unbelievably": 1, "unusually": 1, "utterly": 1, "very": 1, "super": 1, "soo": 1,
	"almost": -1, "barely": -1, "hardly": -1, "kinda": -1, "kindof": -1, "less": -1, "little": -1, "marginally": -1, "occasionally": -1, "partly": -1, "scarcely": -1, "slightly": -1, "somewhat": -1, "sorta": -1}

var boostFR = map[string]float32{"tres": 1, "trop": 1, "vraiment": 1, "grave": 1, "tellement": 1, "hyper": 1, "ultra": 1, "completement": 1, "totalement": 1, "extremement": 1, "vachement": 1, "carrement": 1, "tant": 1, "absolument": 1, "franchement": 1, "enormement": 1, "particulierement": 1, "super": 1, "trop trop": 1, "si": 1, "tjrs": 0, "bien": 0,
	"peu": -1, "assez": -1, "plutot": -1, "legerement": -1, "presque": -1, "moyennement": -1}

func set(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

func isBooster(w []byte, fr bool) float32 {
	if fr {
		return boostFR[string(w)]
	}
	return boostEN[string(w)]
}

func isContrast(w []byte, fr bool) bool {
	s := string(w)
	if fr {
		return s == "mais" || s == "pourtant" || s == "cependant" || s == "neanmoins"
	}
	return s == "but" || s == "however" || s == "yet"
}

// isNegator reports whether token i negates what follows it.
func isNegator(toks []textutil.Token, i int, fr bool) bool {
	w := toks[i].Fold
	if fr {
		if negFR[string(w)] {
			return true
		}
		// "plus" negates only after "ne"/"n'" or at the end of a clause
		// ("ça marche plus !!!"); elsewhere it means "more".
		if string(w) == "plus" {
			return neBefore(toks, i) || i+1 == len(toks) || toks[i+1].Kind == textutil.Punct
		}
		return false
	}
	if negEN[string(w)] {
		return true
	}
	n := len(w)
	return n > 3 && w[n-3] == 'n' && w[n-2] == '\'' && w[n-1] == 't'
}

func neBefore(toks []textutil.Token, i int) bool {
	for d := 1; d <= 4 && i-d >= 0; d++ {
		if w := string(toks[i-d].Fold); w == "ne" || w == "n'" {
			return true
		}
	}
	return false
}

// negatedAt reports whether the sentiment word at i is negated.
// forward also looks for a French negation after the word.
func negatedAt(toks []textutil.Token, i int, fr, forward bool) bool {
	for d := 1; d <= windowBack && i-d >= 0; d++ {
		t := &toks[i-d]
		if t.Kind == textutil.Punct && t.Raw != "'" {
			break
		}
		if t.Kind == textutil.Word && isNegator(toks, i-d, fr) {
			return true
		}
	}
	if !fr {
		return false
	}
	if !forward {
		return false
	}
	// Verb followed by its negation: "(ne) marche pas", "j'aime plus".
	for d := 1; d <= 2 && i+d < len(toks); d++ {
		t := &toks[i+d]
		if t.Kind != textutil.Word {
			break
		}
		switch string(t.Fold) {
		case "pas", "jamais", "rien", "pa", "plus":
			if string(t.Fold) == "plus" && !neBefore(toks, i+d) && !(i+d+1 == len(toks) || toks[i+d+1].Kind == textutil.Punct) {
				continue
			}
			return true
		}
	}
	return false
}

// outage words: complaints about the service being down.
var outageFR = set("panne", "bug", "bugue", "beug", "plante", "rame", "marche", "fonctionne", "down", "hs", "coupe", "impossible", "encore", "toujours")
var outageEN = set("down", "outage", "broken", "crashed", "crash", "bug", "again", "still", "working", "works", "loading", "impossible")

func hasOutageComplaint(toks []textutil.Token, fr bool) bool {
	n := 0
	for i := range toks {
		if toks[i].Kind != textutil.Word && toks[i].Kind != textutil.Hashtag {
			continue
		}
		w := string(toks[i].Fold)
		if fr && outageFR[w] || !fr && outageEN[w] {
			n++
		}
		if w == "whatsappdown" || w == "panne" || w == "outage" {
			n += 2
		}
	}
	return n >= 2
}
