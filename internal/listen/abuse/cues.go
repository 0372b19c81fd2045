package abuse

import (
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Cue lists are ours, short on purpose: they name the functional cases the
// statistical model is blind to (slurs, threats, negation, counter-speech,
// profanity that insults no one). Keys are folded (no accents).

var slurs = set(
	// English
	"nigger", "niggers", "nigga", "niggas", "faggot", "faggots", "fag", "fags", "dyke", "dykes", "tranny", "trannies",
	"kike", "kikes", "spic", "spics", "chink", "chinks", "wetback", "wetbacks", "raghead", "ragheads", "towelhead",
	"towelheads", "paki", "pakis", "coon", "coons", "gook", "gooks", "beaner", "beaners", "retards",
	// French
	"bougnoule", "bougnoules", "bougnoul", "youpin", "youpins", "youtre", "youtres", "pede", "pedes", "pd", "tarlouze",
	"tarlouzes", "tapette", "tapettes", "negro", "negros", "negre", "negres", "bamboula", "bamboulas", "bicot", "bicots",
	"raton", "ratons", "chinetoque", "chinetoques", "gouine", "gouines", "crouille", "crouilles", "crouillat", "fiotte", "fiottes",
)

var identity = set(
	"immigrants", "immigrant", "migrants", "migrant", "refugees", "muslims", "muslim", "islam", "jews", "jew", "jewish",
	"blacks", "women", "gays", "gay", "lesbians", "trans", "transgender", "arabs", "mexicans", "asians", "africans",
	"foreigners", "illegals", "disabled", "homosexuals", "feminists", "girls", "females",
	"immigres", "immigre", "migrants", "refugies", "musulmans", "musulmanes", "musulman", "juifs", "juives", "juif", "noirs",
	"noires", "arabes", "arabe", "femmes", "gays", "homos", "homosexuels", "lesbiennes", "etrangers", "africains",
	"asiatiques", "chinois", "roms", "handicapes", "maghrebins", "feministes", "renois", "rebeus", "feujs",
)

var dehumanizing = set(
	"vermin", "rats", "animals", "parasites", "cockroaches", "scum", "trash", "filth", "disease", "plague", "savages",
	"subhuman", "subhumans", "invaders", "apes", "monkeys", "pigs",
	"vermine", "animaux", "cafards", "ordures", "dechets", "racaille", "sous-hommes", "singes", "porcs", "sauvages",
	"envahisseurs", "peste", "cancer",
)

var hateVerbs = set("hate", "despise", "detest", "loathe", "deteste", "detestons", "hais", "hait", "haissons", "meprise", "exterminate", "exterminer")

var violent = set(
	"kill", "murder", "shoot", "stab", "hang", "burn", "bomb", "slaughter", "massacre", "behead", "exterminate", "lynch", "rape", "beat",
	"tuer", "buter", "crever", "egorger", "bruler", "flinguer", "massacrer", "exterminer", "pendre", "frapper", "tabasser",
	"violer", "decapiter", "defoncer", "bombe", "tue", "crevez", "creve", "tuez", "brulez", "die",
)

// intent words turn a violent verb into a threat.
var intent = set("i'll", "ill", "will", "gonna", "going", "should", "must", "deserve", "deserves", "hope", "wanna", "let's",
	"vais", "va", "vas", "allons", "faut", "faudrait", "doivent", "devrait", "merite", "meritent", "mort", "death", "veux")

var insultsEN = set("idiot", "idiots", "moron", "morons", "stupid", "dumb", "dumbass", "loser", "losers", "bitch", "bitches",
	"bastard", "bastards", "asshole", "assholes", "dickhead", "jerk", "scumbag", "cunt", "cunts", "twat", "prick", "whore",
	"whores", "slut", "sluts", "retard", "retarded", "imbecile", "clown", "clowns", "douchebag", "motherfucker", "hoe", "hoes",
	"pussy", "dick", "fucker", "fuckers", "fuckface", "shithead", "cock", "skank", "thot")

// insultsFR complete the french-badwords list with everyday insults it lacks.
var insultsFR = set("bete", "betes", "idiots", "cons", "voleurs", "escrocs", "menteurs", "malades", "debiles", "abrutis")

// profanity is swearing that insults no one by itself: "putain ça marche pas".
var profanity = set("fuck", "fucking", "fuckin", "fucked", "shit", "shitty", "damn", "goddamn", "crap", "hell", "wtf", "omfg",
	"putain", "merde", "bordel", "chier", "fait chier", "ptn", "tabarnak", "zut", "mince", "punaise", "fais chier")

// complaint words are never insults, whatever a word list says.
var complaintWords = set("nul", "nulle", "nuls", "naze", "nazes", "pourri", "abuse", "abusé", "chiant", "relou", "galere",
	"annoying", "useless", "terrible", "awful", "ridiculous", "joke", "scandale", "honte", "lamentable", "arnaque", "scam")

var secondPerson = set("you", "your", "you're", "youre", "u", "ur", "yourself", "tu", "t'", "te", "toi", "ton", "ta", "tes",
	"vous", "vos", "votre", "espece", "sale", "bande")

// condemn words judge what was said; report words quote it. Together (or
// with quotation marks) they make counter-speech.
var condemn = set("racist", "racism", "sexist", "sexism", "homophobic", "homophobia", "bigot", "bigots", "bigotry",
	"raciste", "racistes", "racisme", "sexiste", "homophobe", "homophobie", "antisemite", "antisemitisme", "islamophobe",
	"islamophobie", "xenophobe", "haineux", "haineuse", "unacceptable", "inacceptable", "disgusting", "degoutant", "shameful")

var report = set("saying", "say", "said", "says", "calling", "called", "call", "wrote", "write", "dire", "dit", "disent", "dis",
	"traiter", "traite", "traites", "ecrit", "ecrire", "reported", "report", "signale", "signaler", "stop", "arretez", "arrete")

// things are what complaints insult: "stupid app", "service nul".
var things = set("app", "apps", "application", "appli", "service", "services", "outage", "panne", "bug", "site", "website",
	"thing", "truc", "system", "systeme", "update", "whatsapp", "phone", "telephone", "day", "journee", "morning", "matin",
	"delivery", "livraison", "order", "commande", "network", "reseau", "messagerie", "server", "serveur")

// copulas link a group to an attribute: "X are …", "les X sont …".
var copulas = set("are", "is", "were", "r", "sont", "est", "etaient", "seront")

// selfObject words make a violent verb figurative: "this outage is killing me".
var selfObject = set("me", "m'", "moi", "myself")

var negators = set("not", "don't", "dont", "never", "no", "isn't", "aren't", "doesn't", "didn't", "nothing", "ne", "n'",
	"pas", "jamais", "aucun", "aucune", "rien", "nobody", "personne")

func set(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[textutil.FoldString(w)] = true
	}
	return m
}

// Cues are the rule-level facts about a post.
type Cues struct {
	Slurs, Identity, Dehumanizing, HateVerbs, Violent, Intent int
	Insults, Profanity, Complaint, SecondPerson, Mentions     int
	Condemn, Report, Negation, Quotes, Things                 int
	// Derogation: a group, a copula, then an insult or a strongly
	// negative word ("les X sont des …", "X are …").
	Derogation bool
	// NegatedHate: a negation before the hate verb or dehumanizing word.
	NegatedHate bool
	Threat      bool
	DeathTo     bool   // "mort aux …", "death to …"
	First       string // first slur, insult or threat word, for explanations
}

// Scan fills c from the post text and its tokens; badwords is the French
// insult list and negative reports strongly negative words (from the
// sentiment lexicons).
func Scan(text string, toks []textutil.Token, badwords map[string]bool, negative func([]byte) bool, c *Cues) {
	*c = Cues{}
	for _, r := range text {
		if r == '"' || r == '«' || r == '“' || r == '”' || r == '»' {
			c.Quotes++
		}
	}
	lastNeg := -10
	groupAt, copulaAt := -10, -10
	for i := range toks {
		t := &toks[i]
		switch t.Kind {
		case textutil.Mention:
			c.Mentions++
			continue
		case textutil.Punct:
			if t.Raw == "." || t.Raw == "!" || t.Raw == "?" || t.Raw == ";" {
				lastNeg = -10
			}
			continue
		case textutil.Word, textutil.Hashtag:
		default:
			continue
		}
		w := string(t.Fold)
		note := func(kind string) {
			if c.First == "" {
				c.First = kind + " \"" + t.Raw + "\""
			}
		}
		insult := false
		switch {
		case slurs[w]:
			c.Slurs++
			note("slur")
		case complaintWords[w]:
			c.Complaint++
		case isInsult(w, badwords):
			// An insult next to a thing ("stupid app") is a complaint.
			if nextTo(toks, i, things) {
				c.Complaint++
				break
			}
			insult = true
			c.Insults++
			note("insult")
		case profanity[w]:
			c.Profanity++
		}
		if things[w] {
			c.Things++
		}
		if identity[w] {
			c.Identity++
			groupAt = i
		}
		if copulas[w] && i-groupAt <= 3 {
			copulaAt = i
		}
		bad := insult || dehumanizing[w] || hateVerbs[w]
		if dehumanizing[w] {
			c.Dehumanizing++
		} else if hateVerbs[w] {
			c.HateVerbs++
		}
		if (bad || negative != nil && negative(t.Fold)) && i-copulaAt <= 5 && i-lastNeg > 5 && lastNeg < groupAt-4 {
			c.Derogation = true
		}
		if bad && i-lastNeg <= 5 {
			c.NegatedHate = true
		}
		if violent[w] && !(i+1 < len(toks) && selfObject[string(toks[i+1].Fold)] || i > 0 && selfObject[string(toks[i-1].Fold)]) {
			c.Violent++
			note("threat")
		}
		if (w == "mort" || w == "death") && i+1 < len(toks) {
			if n := string(toks[i+1].Fold); n == "aux" || n == "a" || n == "to" {
				c.DeathTo = true
				note("threat")
			}
		}
		if intent[w] {
			c.Intent++
		}
		if secondPerson[w] {
			c.SecondPerson++
		}
		if condemn[w] {
			c.Condemn++
		}
		if report[w] {
			c.Report++
		}
		if negators[w] || len(w) > 3 && w[len(w)-3:] == "n't" {
			c.Negation++
			lastNeg = i
		}
	}
	c.Threat = c.DeathTo || c.Violent > 0 && (c.Intent > 0 || c.SecondPerson > 0 || c.Identity > 0) && !c.Counter()
}

// Counter reports counter-speech: hateful words quoted or reported in
// order to condemn them.
func (c *Cues) Counter() bool {
	return c.Condemn > 0 && (c.Report > 0 || c.Quotes > 0) || c.Quotes > 0 && c.Report > 0
}

func isInsult(w string, badwords map[string]bool) bool {
	if insultsEN[w] || insultsFR[w] || badwords[w] && !profanity[w] {
		return true
	}
	// Plural of a listed insult: "connards", "débiles".
	n := len(w)
	return n > 3 && (w[n-1] == 's' || w[n-1] == 'x') && (badwords[w[:n-1]] || insultsEN[w[:n-1]]) && !profanity[w[:n-1]]
}

func nextTo(toks []textutil.Token, i int, m map[string]bool) bool {
	return i+1 < len(toks) && m[string(toks[i+1].Fold)] || i > 0 && m[string(toks[i-1].Fold)]
}
