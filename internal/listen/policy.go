package listen

import (
	"github.com/vigie-hq/vigie/internal/listen/langid"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Reply policy labels.
const (
	Answer        = "answer"
	CorrectRumour = "correct_rumour"
	Monitor       = "monitor"
	DoNotEngage   = "do_not_engage"
	Escalate      = "escalate"
	Ignore        = "ignore"
)

// Word lists of the policy (ours, folded).
var (
	legalWords = wordSet("avocat", "avocats", "plainte", "proces", "tribunal", "cnil", "demeure", "justice", "prud'hommes", "huissier", "dgccrf",
		"lawyer", "lawyers", "sue", "suing", "lawsuit", "court", "attorney", "legal", "gdpr", "rgpd")
	safetyWords = wordSet("intoxication", "intoxique", "allergie", "allergique", "hopital", "urgences", "pompiers", "incendie", "suicide", "danger", "samu",
		"poisoning", "allergic", "hospital", "emergency", "fire", "ambulance", "overdose", "unsafe", "injured", "blesse")
	spamWords = wordSet("gratuit", "gratuits", "gagnez", "gagner", "concours", "promo", "crypto", "bitcoin", "abonnez", "cliquez", "followback",
		"free", "win", "giveaway", "click", "followers", "subscribe", "casino", "forex", "earn", "viagra")
	questionWords = wordSet("quand", "qd", "comment", "pourquoi", "pq", "pk", "ou", "combien", "est-ce", "quel", "quelle", "quels", "quelles", "peut-on", "puis-je", "pouvez",
		"when", "how", "why", "where", "what", "which", "can", "could", "is", "are", "do", "does", "will", "any")
	complaintWords = wordSet("panne", "marche", "fonctionne", "bug", "bugue", "plante", "rembourse", "remboursement", "debite", "commande", "livraison", "attends", "attente", "recu", "perdu", "annule",
		"down", "outage", "working", "works", "broken", "refund", "charged", "order", "delivery", "waiting", "received", "lost", "cancelled", "whatsappdown", "crash", "crashed")
)

func wordSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

type policyCues struct {
	legal, safety, spam, question, complaint string
	words, urls                              int
}

func scanPolicy(toks []textutil.Token) policyCues {
	var c policyCues
	firstWord := true
	for i := range toks {
		t := &toks[i]
		switch t.Kind {
		case textutil.URL:
			c.urls++
			continue
		case textutil.Punct:
			if t.Raw[0] == '?' && c.question == "" {
				c.question = "?"
			}
			continue
		case textutil.Word, textutil.Hashtag:
		default:
			continue
		}
		c.words++
		w := string(t.Fold)
		pick := func(dst *string) {
			if *dst == "" {
				*dst = t.Raw
			}
		}
		if legalWords[w] {
			pick(&c.legal)
		}
		if safetyWords[w] {
			pick(&c.safety)
		}
		if spamWords[w] {
			pick(&c.spam)
		}
		if firstWord && questionWords[w] {
			pick(&c.question)
		}
		if complaintWords[w] {
			pick(&c.complaint)
		}
		if t.Kind == textutil.Word {
			firstWord = false
		}
	}
	return c
}

// policy decides how to reply to a post. The order of the cases is the
// policy: safety first, then not feeding trolls, then facts, then help.
func (a *Analyzer) policy(text, lang string, lr *langid.Result) Result {
	c := scanPolicy(a.toks)
	ab := a.Abuse(text)
	switch {
	case ab.Threat:
		return Result{Escalate, max(ab.Score, 0.9), "threat: " + ab.Reason}
	case c.safety != "":
		return Result{Escalate, 0.8, "safety: \"" + c.safety + "\""}
	case c.legal != "":
		return Result{Escalate, 0.8, "legal: \"" + c.legal + "\""}
	case ab.Label != "ok":
		return Result{DoNotEngage, ab.Score, ab.Label + ": " + ab.Reason}
	}
	r, m, matched := a.Rumour()
	if matched {
		return Result{CorrectRumour, m.Score, "repeats library rumour " + m.ID}
	}
	// A claim word in a strict rumour, unless the post is a first-hand
	// account ("j'ai été débité…") without hearsay: that is a complaint.
	if r.Strict && a.rum.Dense[3] == 1 && (a.rum.Dense[4] == 0 || a.rum.Dense[0] == 1) {
		return Result{CorrectRumour, r.Score, r.Reason + "; no library entry: draft a correction"}
	}
	switch {
	case c.spam != "" && (c.urls > 0 || c.complaint == ""):
		return Result{Ignore, 0.7, "spam: \"" + c.spam + "\""}
	case c.words == 0 && c.urls > 0:
		return Result{Ignore, 0.6, "link without text"}
	}
	s := a.Sentiment(lang, lr)
	switch {
	case c.question != "":
		return Result{Answer, 0.7, "question (\"" + c.question + "\")"}
	case c.complaint != "" && s.Label == "negative":
		return Result{Answer, s.Score, "complaint about \"" + c.complaint + "\""}
	case r.Strict:
		return Result{Monitor, r.Score, "possible rumour: " + r.Reason}
	}
	return Result{Monitor, s.Score, "no action needed: " + s.Label + " post"}
}
