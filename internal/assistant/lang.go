package assistant

import "strings"

// Function words that are frequent in one language and rare in the other.
// Words shared by both ("a", "on", "me", "plus") are left out.
var langHintsFR = wordSet(`le la les un une des du de au aux et est sont je tu il elle nous vous ils elles pas ne que qui
quoi quand comment pourquoi combien mon ma mes ton ta tes votre vos notre nos sur pour avec dans chez ce cette ces ca cela
c j l d qu n s t y en ou peux peut puis dois va vais vont sera suis etes avez avoir etre fait faire encore toujours rien
moi toi svp stp merci bonjour salut jamais deja aussi tout tous mais donc quel quelle quels quelles marche fonctionne
panne commande livraison livreur rembourse qd pk pq cmt tjs bcp oui non voila alors parce besoin ma vos veux voudrais
aurai aura leurs`)

var langHintsEN = wordSet(`the is are was were will would be been my your our their i you we they it its this that what
when how why where who which do does did can could should have has had not no of to in for with from about any still
order delivery refund when back down working work please thanks hello hi get got there here just yes if or and
courier someone anyone phone talk help an am im dont doesnt cant wont isnt whats hows u ur pls going want need does`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// langVocab records, for the words of a plan's FAQ, which language's texts
// use them: a word seen only in the English answers ("cash", "refunded") is
// evidence of English when no function word decides.
type langVocab map[string]string

func (v langVocab) add(lang, text string) {
	for _, w := range words(fold(text)) {
		if len(w) < 3 {
			continue
		}
		if prev, ok := v[w]; ok && prev != lang {
			v[w] = ""
		} else if !ok {
			v[w] = lang
		}
	}
}

// detectLang returns "fr" or "en" for a question, or def when the text gives
// no evidence either way. It counts language-specific function words and
// French diacritics, then words found in only one language of the plan's
// FAQ: on one-line questions this beats character n-gram models, which need
// more text than "c réparé ?" to be reliable.
func detectLang(text, def string, vocab langVocab) string {
	fr, en := 0.0, 0.0
	for _, r := range text {
		switch r {
		case 'é', 'è', 'ê', 'à', 'ù', 'ç', 'ô', 'î', 'û', 'â', 'ë', 'ï', 'œ', 'É', 'È', 'À', 'Ç':
			fr += 0.75
		}
	}
	for _, w := range words(fold(text)) {
		switch {
		case langHintsFR[w] && !langHintsEN[w]:
			fr++
		case langHintsEN[w] && !langHintsFR[w]:
			en++
		case vocab[w] == "fr":
			fr += 0.5
		case vocab[w] == "en":
			en += 0.5
		}
	}
	// An apostrophe after a single letter ("j'ai", "l'heure", "c'est") is
	// French; "'s"/"n't" are English.
	low := strings.ToLower(strings.ReplaceAll(text, "’", "'"))
	for _, p := range []string{"j'", "l'", "d'", "c'", "qu'", "n'", "s'", "m'", "t'"} {
		if strings.HasPrefix(low, p) || strings.Contains(low, " "+p) {
			fr++
		}
	}
	for _, p := range []string{"n't", "'s ", "'m ", "'re ", "'ll ", "'ve "} {
		if strings.Contains(low+" ", p) {
			en++
		}
	}
	switch {
	case fr > en:
		return "fr"
	case en > fr:
		return "en"
	default:
		return def
	}
}
