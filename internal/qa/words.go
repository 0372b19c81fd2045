package qa

// pageWords are the public page's texts per language; English is the
// fallback for a plan language without its own.
var pageWords = map[string]map[string]string{
	"fr": {
		"title": "Questions-réponses en direct", "team": "équipe technique", "q_prefix": "Question :", "mirror": "%s %s\n%s (%s) : %s",
		"with":       "Avec %s (%s), qui répond en direct à vos questions.",
		"none":       "Aucune session de questions-réponses n'est ouverte en ce moment.",
		"status":     "Voir la page d'état",
		"answered":   "Réponses",
		"open":       "Questions en attente de réponse",
		"empty":      "Aucune question publiée pour l'instant. Posez la première !",
		"votes":      "%d vote(s)",
		"vote":       "Moi aussi",
		"vote_label": "Voter pour la question : %s",
		"answer_by":  "Réponse de %s (%s), à %s",
		"by":         "— %s",
		"ask":        "Poser une question",
		"question":   "Votre question (500 caractères au plus)",
		"first_name": "Votre prénom (facultatif, affiché avec la question)",
		"privacy":    "N'écrivez aucune donnée personnelle (numéro de commande, téléphone, adresse) : la question peut être publiée. Chaque question est relue avant publication ; les questions haineuses ou provocatrices ne sont ni publiées ni traitées.",
		"website":    "Ne pas remplir ce champ",
		"send":       "Envoyer ma question",
		"sent":       "Merci ! Votre question est en attente de modération : elle apparaîtra ici si elle est publiée.",
		"voted":      "Votre vote est compté.",
		"already":    "Vous avez déjà voté pour cette question.",
		"limited":    "Vous avez envoyé beaucoup de questions ou de votes en peu de temps : réessayez dans quelques minutes.",
		"invalid":    "Écrivez une question de 1 à 500 caractères (et un prénom de 40 caractères au plus).",
		"closed":     "Cette session est terminée : merci de votre participation.",
		"failed":     "Nous n'avons pas pu enregistrer votre demande ; réessayez dans un instant.",
		"live":       "Les réponses s'affichent ici en direct.",
		"new_answer": "Nouvelle réponse à la question : %s",
	},
	"en": {
		"title": "Live questions and answers", "team": "technical team", "q_prefix": "Question:", "mirror": "%s %s\n%s (%s): %s",
		"with":       "With %s (%s), answering your questions live.",
		"none":       "No question-and-answer session is open right now.",
		"status":     "See the status page",
		"answered":   "Answers",
		"open":       "Questions waiting for an answer",
		"empty":      "No question published yet. Ask the first one!",
		"votes":      "%d vote(s)",
		"vote":       "Me too",
		"vote_label": "Vote for the question: %s",
		"answer_by":  "Answer from %s (%s), at %s",
		"by":         "— %s",
		"ask":        "Ask a question",
		"question":   "Your question (500 characters at most)",
		"first_name": "Your first name (optional, shown with the question)",
		"privacy":    "Do not write personal data (order number, phone, address): the question may be published. Every question is read before it is published; hateful or provocative questions are neither published nor answered.",
		"website":    "Leave this field empty",
		"send":       "Send my question",
		"sent":       "Thank you! Your question is pending moderation: it will appear here if it is published.",
		"voted":      "Your vote is counted.",
		"already":    "You already voted for this question.",
		"limited":    "You sent many questions or votes in a short time: try again in a few minutes.",
		"invalid":    "Write a question of 1 to 500 characters (and a first name of 40 characters at most).",
		"closed":     "This session has ended: thank you for taking part.",
		"failed":     "We could not record your request; please try again in a moment.",
		"live":       "Answers appear here live.",
		"new_answer": "New answer to the question: %s",
	},
}

// langNames name the languages in the language switch.
var langNames = map[string]string{"fr": "Français", "en": "English", "es": "Español", "de": "Deutsch", "it": "Italiano", "nl": "Nederlands", "pt": "Português", "ar": "العربية"}

func words(lang string) map[string]string {
	if w, ok := pageWords[lang]; ok {
		return w
	}
	return pageWords["en"]
}
