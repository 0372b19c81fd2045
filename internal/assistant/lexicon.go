package assistant

// Stop words, folded (no accents): function words, plus common words that
// carry no topic ("possible", "today", "thing", "want"), so that a question
// is judged on its topical words only. Question words are not stop words:
// "when" and "how" are what separate "when is it back" from "how do I order";
// they are concepts marked weak (see weakConcepts).
const stopWordsFR = `le la les l un une des du de d au aux a et ou est es suis sont sera serai seront etait ete etre
ai as avons avez ont avait avoir je j tu il elle on nous vous ils elles me m te t se s lui leur leurs y en ce c cet cette
ces ca cela ceci mon ma mes ton ta tes son sa ses notre nos votre vos qui que qu quoi dont ne n pas plus ni si par pour
avec sans dans sur sous chez vers entre mais donc or car tres trop bien alors aussi deja fais fait faire font peux peut
pouvez pouvons puis pourrais pourriez pourrait dois doit devez va vais vas vont aller allez quel quelle quels quelles tout tous
toute toutes bonjour salut bonsoir merci svp stp sil plait ok oui non voila est-ce ici moi toi eux rien
chose choses truc trucs genre vraiment juste bon bonne beaucoup peu cas avant apres dire dit dites savoir sais sait
temps jour jours journee semaine demain hier aujourd hui matin soir soiree nuit heure minute minutes an ans annee mois fois
facon moyen gens monde possible possibles impossible peut-etre surement bientot vite rapidement souvent jamais encore
toujours mal mauvais mieux meilleur meilleure grand grande petit petite nouveau vieux autre autres tel telle certain
plusieurs chaque aucun aucune quelque quelques assez moins venir viens vient viendra prendre prends donner trouver passe
passer rester attendre attends question questions desole desolee accord ensuite depuis pendant jusqu via selon
veux voudrais voulez voulais veut vouloir besoin falloir faut faudra faudrait faudrait-il mettre met voir vois vu
normal normalement quoi idee super eu aider aide droit continuer continuez continue continuent maintenant
aurai aura aurez aurons auront aurais aurait serez serons serait serais etais etions etaient soit sois soient eue avais
avions aviez avaient etes sommes solution solutions utilisateur utilisateurs client clients malgre midi minuit savez savons
parle parlez dis actuellement desormais dorenavant`

const stopWordsEN = `the an and or but if of to in on at by for from about into over is are was were be been being am
do does did doing done have has had having i me my mine we us our you your yours he she it its they them their this
that these those there here what which who whom whose will would shall should can could may might must just so than
very s t don doesn didn isn aren wasn won wouldn not no nor only any some all get got gets getting please thanks thank hello hi hey
okay ok yes yeah also yet im ive id let lets know tell one really thing things something anything everything nothing
time times day days week today tomorrow yesterday now morning evening night tonight year month minute minutes way ways
lot lots bit much many more most less few little new old good bad best better worse great big small long right wrong sure
real possible possibly maybe perhaps probably idea everyone people guys folks again already always never ever soon yet
even quite pretty well come comes coming go goes going went make made take takes taking took give gave find found look
looking see seen saw think thought say said told ask asked asking use used using try trying tried want wants wanted
need needs needed like would must help put set feel seem mean means able via per around since until while during
after before because though although without within anyway sorry dear question questions actually currently still
anymore usual usually normal normally other another kind sort place placed placing entitled continue last with
without as than then into onto off through out up both each such too users user customers customer solution noon midnight
continues continuing running`

// slangWords rewrites SMS spellings and common misspellings before analysis.
var slangWords = map[string]string{
	"qd": "quand", "qand": "quand", "kan": "quand", "kand": "quand", "pk": "pourquoi", "pq": "pourquoi",
	"pourkoi": "pourquoi", "cmt": "comment", "cmnt": "comment", "koi": "quoi", "ki": "qui", "tjs": "toujours",
	"tjrs": "toujours", "bcp": "beaucoup", "msg": "message", "msgs": "messages", "tel": "telephone",
	"dispo": "disponible", "appli": "application", "remb": "rembourse", "mdp": "password", "infos": "informations",
	"info": "information", "pr": "pour", "ds": "dans", "ac": "avec", "wa": "whatsapp", "wsp": "whatsapp",
	"wtsp": "whatsapp", "whatsap": "whatsapp", "watsap": "whatsapp", "watsapp": "whatsapp", "whatapp": "whatsapp",
	"whats": "whatsapp", "whatsup": "whatsapp", "whatapps": "whatsapp", "whatsapps": "whatsapp", "wap": "whatsapp",
	"u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "thx": "thanks", "ty": "thanks",
	"txt": "text", "cuz": "because", "coz": "because", "wanna": "want", "gonna": "going", "wut": "what",
	"hrs": "hours", "mins": "minutes", "tmrw": "tomorrow", "cant": "can", "wont": "will", "dont": "do",
	"doesnt": "does", "isnt": "is", "whens": "when", "hows": "how", "whats's": "what", "sms": "sms",
	"texto": "sms", "textos": "sms", "rembourser": "rembourser", "ya": "y", "jsuis": "suis", "chui": "suis",
}

// concept groups words that mean the same thing for our questions, in French
// and English. Each word is folded and stemmed in both languages when the
// analyser is built; multi-word entries are matched as phrases.
type concept struct {
	concept string
	words   []string
}

// weakConcepts are question words: they help rank entries but a question
// made only of them ("when?", "how?") is too vague to answer.
var weakConcepts = map[string]bool{"#how": true, "#where": true}

// relatedConcepts back off a concept the plan's FAQ does not use to a
// neighbour it may use: a plan whose contact entry never says "customer
// service" still answers "how do I reach customer service?".
var relatedConcepts = map[string][]string{
	"#support": {"#contact", "#human"}, "#human": {"#contact"}, "#contact": {"#human"},
	"#courier": {"#deliver"}, "#myorder": {"#order"}, "#order": {"#myorder"}, "#charge": {"#price", "#pay"},
	"#refund": {"#compensation", "#cancel"}, "#compensation": {"#refund"}, "#subscribe": {"#update", "#follow"},
	"#update": {"#subscribe", "#follow", "#status"}, "#follow": {"#update", "#subscribe"}, "#leak": {"#hack", "#data"},
	"#hack": {"#leak"}, "#data": {"#safe"}, "#safe": {"#data"}, "#scam": {"#safe", "#link"}, "#code": {"#safe"},
	"#free": {"#pay", "#price"}, "#late": {"#deliver"}, "#lost": {"#message"}, "#status": {"#update", "#outage"},
	"#answer": {"#contact"}, "#keep": {"#confirm"}, "#confirm": {"#keep"}, "#modify": {"#cancel"},
	"#cancel": {"#modify", "#refund"}, "#back": {"#when"}, "#when": {"#back"}, "#shop": {"#hours"},
	"#alt": {"#how"}, "#app": {"#whatsapp"},
}

var thesaurus = []concept{
	{"#whatsapp", []string{"whatsapp", "whatsapp business"}},
	{"#app", []string{"application", "applications", "app", "apps", "appli"}},
	// An order the customer already placed, as opposed to placing one.
	{"#myorder", []string{"ma commande", "mes commandes", "notre commande", "my order", "my orders", "our order",
		"la commande que", "the order i", "commande passee", "commande deja passee", "order i placed", "order i made",
		"j'ai commande", "jai commande", "on a commande", "i ordered", "i have ordered", "i've ordered", "we ordered",
		"my previous order", "my last order", "my existing order", "ma derniere commande", "ma precedente commande",
		"deja commande", "already ordered", "i placed an order", "j'ai passe commande", "j'ai passe une commande"}},
	{"#order", []string{"commande", "commandes", "commander", "commandé", "commandée", "commandez", "commandons",
		"order", "orders", "ordered", "ordering", "acheter", "achat", "achats", "buy", "purchase", "purchased", "passer commande"}},
	{"#deliver", []string{"livraison", "livraisons", "livrer", "livré", "livrée", "livrez", "livrent", "livre", "livrés",
		"deliver", "delivers", "delivery", "deliveries", "delivered", "delivering", "shipping", "ship", "shipped",
		"expédition", "expédier", "expédié", "colis", "parcel", "package"}},
	{"#courier", []string{"livreur", "livreurs", "livreuse", "coursier", "coursiers", "courier", "couriers", "driver",
		"drivers", "rider", "riders", "delivery man", "delivery guy", "delivery person"}},
	{"#late", []string{"retard", "retards", "retardé", "retardée", "retarder", "en retard", "late", "later", "delay",
		"delays", "delayed", "lent", "lente", "slow", "slower", "plus tard"}},
	{"#outage", []string{"panne", "pannes", "outage", "outages", "down", "coupure", "coupé", "bug", "bugs", "bugge",
		"plante", "planté", "crash", "crashed", "deconne", "beug", "beugue", "rame", "galere", "en rade", "dysfonctionnement", "hs", "broken", "cassé", "incident", "disruption",
		"interruption", "interrompu", "indisponible", "unavailable", "offline", "hors service", "hors ligne", "disponible",
		"available",
		"marche", "marcher", "marchent", "fonctionne", "fonctionner", "fonctionnent", "work", "works",
		"working", "worked", "function", "functioning", "operational"}},
	{"#back", []string{"revenir", "revient", "reviendra", "reviendront", "retour", "rétabli", "rétablie", "rétablir",
		"rétablissement", "réparé", "réparée", "réparer", "réparation", "back", "fixed", "fix", "restored", "restore",
		"restoration", "repaired", "repair", "resolved", "résolu", "résolue", "up again", "up and running",
		"remarchera", "refonctionnera", "reprendre", "reprise", "work again", "working again", "remarche", "remarcher",
		"end", "ends", "ended", "over", "de nouveau", "a nouveau", "finir", "finie", "fini", "fin", "terminé", "terminée", "termine", "se termine",
		"refonctionne", "refonctionner", "remarchent"}},
	{"#when", []string{"quand", "when", "a quelle heure", "what time", "d'ici quand", "until when", "jusqu'a quand"}},
	{"#how", []string{"comment", "how", "de quelle maniere", "de quelle facon"}},
	{"#where", []string{"where", "ou est-ce", "a quel endroit"}},
	{"#problem", []string{"probleme", "problemes", "souci", "soucis", "problem", "problems", "issue", "issues", "trouble",
		"difficulte", "difficultes"}},
	{"#when", []string{"durée", "durer", "dure", "durera", "longtemps", "how long", "combien de temps", "last long",
		"take long", "combien d'heures", "how many hours", "how much longer", "much longer", "encore longtemps"}},
	{"#when", []string{"estimation", "estimé", "estimée", "estimer", "eta", "prévision", "prévu", "prévue", "expected",
		"estimate", "estimated", "timeline", "timeframe", "délai", "délais", "deadline"}},
	{"#why", []string{"pourquoi", "why", "cause", "causes", "causé", "raison", "raisons", "reason", "reasons",
		"origine", "explication", "explanation", "caused", "how come", "what's behind", "behind the", "d'ou vient", "due to", "du a", "due a"}},
	{"#refund", []string{"my money back", "mon argent", "rembourser", "remboursé", "remboursée", "remboursement", "remboursements", "refund",
		"refunds", "refunded", "reimburse", "reimbursed", "reimbursement", "money back", "mon argent", "my money"}},
	{"#compensation", []string{"geste commercial", "compensation", "compensate", "compensated", "dédommagement",
		"dédommager", "dédommagé", "indemnisation", "indemniser", "voucher", "vouchers", "bon de réduction",
		"réduction", "discount", "coupon", "code promo", "promo", "gesture", "goodwill", "offrir", "offrez", "offert", "gene", "inconvenience", "desagrement",
		"offer", "offering"}},
	{"#cancel", []string{"annuler", "annulé", "annulée", "annulation", "annule", "cancel", "cancelled", "canceled",
		"cancelling", "cancellation"}},
	{"#modify", []string{"modifier", "modifié", "modification", "changer", "changement", "change", "changes", "modify",
		"edit", "amend", "rectifier", "erreur", "erreurs", "mistake", "mistakes", "tromper", "trompé"}},
	{"#update", []string{"mise a jour", "mises a jour", "update", "updates", "informé", "informée",
		"informer", "tenir au courant", "tenu au courant", "tenue au courant", "keep me posted", "keep me informed", "alerte", "alertes", "alert", "alerts",
		"notification", "notifications", "notifié", "notifier", "prévenu", "prévenue", "prévenir", "notify", "notified",
		"au courant", "info", "infos", "information", "informations", "post", "posts", "publish", "publier", "publiez", "publie"}},
	{"#subscribe", []string{"abonner", "abonne", "abonnement", "inscrire", "inscription", "subscribe", "subscription",
		"sign up", "register", "opt in"}},
	{"#follow", []string{"suivre", "suivi", "follow", "track", "tracking", "tracker", "suivre ma commande"}},
	{"#data", []string{"données", "donnée", "data", "informations personnelles", "personal information",
		"personal info", "personal details", "vie privée", "privacy", "confidentialité", "coordonnées",
		"données personnelles", "mes infos", "my info", "my information", "mes informations", "card information",
		"details", "detail", "info perso", "infos perso"}},
	{"#safe", []string{"sécurité", "sécurisé", "sécurisée", "sûr", "sûre", "safe", "secure", "security", "risque",
		"risques", "risquer", "risk", "risks", "danger", "dangereux", "worry", "worried", "inquiet", "inquiète",
		"inquiéter", "concerned", "protégé", "protégées", "protected", "en danger", "at risk"}},
	{"#leak", []string{"fuite", "fuites", "fuité", "fuiter", "leak", "leaks", "leaked", "exposed", "exposé", "exposées",
		"volé", "volés", "volées", "voler", "stolen", "vol", "dérobé", "divulgué", "compromis", "compromised"}},
	{"#hack", []string{"piraté", "piratée", "pirater", "piratage", "hacké", "hacker", "hackers", "hack", "hacked",
		"hacking", "cyberattaque", "cyberattack", "attaque", "attaques", "attack", "attacked", "pirate", "pirates",
		"cyber attaque", "cyber attack", "breach", "intrusion", "attaque informatique", "informatique", "cyber"}},
	{"#phone", []string{"téléphone", "telephone", "portable", "smartphone", "phone", "mobile", "cellphone", "iphone",
		"android", "cell"}},
	{"#number", []string{"numéro", "numero", "number", "numbers"}},
	{"#reinstall", []string{"réinstaller", "reinstaller", "désinstaller", "réinitialiser", "reinstall", "uninstall",
		"reset", "redémarrer", "restart", "reboot", "rallumer", "relancer", "update the app", "mettre a jour l'application", "update whatsapp",
		"mettre a jour whatsapp", "update my app", "mettre a jour l'appli"}},
	{"#contact", []string{"contacter", "contact", "joindre", "parler", "appeler", "appelle", "écrire", "reach",
		"talk", "speak", "call", "calling", "écrit", "écris", "écrivez", "get in touch", "get hold of", "reach you", "write", "email", "e-mail", "mail", "mails"}},
	{"#human", []string{"humain", "humaine", "quelqu'un", "un conseiller", "une conseillere", "le conseiller", "au conseiller",
		"conseiller client", "conseillers", "agent", "someone",
		"somebody", "advisor", "adviser", "person", "human", "representative", "operator", "real person", "une personne", "vrai personne"}},
	{"#support", []string{"service client", "service clients", "customer service", "customer support", "support",
		"sav", "hotline", "helpline", "assistance", "help desk"}},
	{"#pay", []string{"payer", "paie", "paye", "paiement", "paiements", "payé", "payée", "régler", "réglé", "règlement",
		"pay", "payment", "payments", "paying", "card", "carte bancaire", "cash", "espèces", "liquide", "bank",
		"bancaire", "bancaires", "banque"}},
	{"#charge", []string{"facturé", "facturée", "facturer", "facture", "débité", "débitée", "débiter", "prélevé",
		"prélèvement", "charged", "charge", "charges", "billed", "bill", "debited", "billing"}},
	{"#twice", []string{"deux fois", "twice", "double", "doublon", "two times", "en double"}},
	{"#price", []string{"prix", "tarif", "tarifs", "coût", "coûte", "coûter", "price", "prices", "cost", "costs", "fee",
		"fees", "frais", "cher", "expensive", "supplément", "surcharge", "extra", "additional", "additionnel",
		"additionnels", "supplémentaire", "supplémentaires", "en plus"}},
	{"#hours", []string{"horaire", "horaires", "heures d'ouverture", "ouvert", "ouverte", "ouverts", "ouvertes", "ouverture", "ouvrir",
		"ouvrez", "ouvre", "ouvrent", "opens", "fermé",
		"fermez", "fermeture", "open", "opening", "opening hours", "business hours", "close", "closing", "closed", "lundi", "mardi", "mercredi", "jeudi",
		"vendredi", "samedi", "dimanche", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
		"weekend", "week-end", "ferie", "feries", "holiday", "holidays", "hours"}},
	{"#sms", []string{"sms", "text", "texts", "texting", "text message", "message texte", "texto"}},
	{"#message", []string{"message", "messages", "messagerie", "conversation", "conversations", "discussion",
		"discussions", "chat", "chats", "historique", "history"}},
	{"#lost", []string{"perdu", "perdue", "perdus", "perdre", "perte", "disparu", "disparue", "disparaître", "lost",
		"lose", "losing", "missing", "gone", "disappear", "disappeared", "disappears", "vanished", "effacé", "effacés", "supprimé", "supprimés", "deleted", "erased", "wiped"}},
	{"#confirm", []string{"confirmation", "confirmer", "confirmé", "confirmée", "confirm", "confirmed", "accusé de réception",
		"receipt", "acknowledgement", "get through", "got through", "gets through", "validé", "validée", "enregistrée", "enregistré", "enregistrer", "recorded", "prise en compte", "pris en compte", "taken into account", "went through", "gone through", "go through"}},
	{"#website", []string{"site", "site web", "site internet", "website", "web", "internet", "en ligne", "online",
		"formulaire", "form"}},
	{"#link", []string{"lien", "liens", "link", "links", "url"}},
	{"#status", []string{"statut", "état", "status", "situation", "se passe", "going on", "happening", "en est",
		"point de situation", "latest", "state", "give me an update", "an update on", "un point sur", "faire le point",
		"fill me in", "evolution", "progress", "avancement", "progression", "actualité", "actualités", "what happened"}},
	{"#rumour", []string{"rumeur", "rumeurs", "rumor", "rumors", "rumour", "rumours", "fake news", "intox", "hoax",
		"canular", "vrai", "true", "faux", "false", "on dit", "on parle", "people are saying", "they say", "j'ai entendu", "i heard", "people say", "gens disent"}},
	{"#scam", []string{"legit", "légitime", "arnaque", "arnaques", "phishing", "hameçonnage", "scam", "scams", "fraude", "fraud", "suspect",
		"suspicious", "louche", "frauduleux"}},
	{"#code", []string{"code", "codes", "password", "mot de passe", "pin", "otp", "verification code",
		"code de vérification", "identifiants", "credentials"}},
	{"#same", []string{"même", "mêmes", "same", "identique", "identiques", "unchanged", "inchangé", "different",
		"différent", "différente", "différents", "differ"}},
	{"#answer", []string{"répondre", "répond", "répondent", "réponse", "réponses", "answer", "answers", "answering",
		"reply", "replies", "replying", "respond", "responds", "responding", "response", "get back to me", "lire", "lit", "lisent", "read", "reads", "reading"}},
	{"#keep", []string{"maintenir", "maintenu", "maintenue", "maintenus", "maintenues", "garder", "gardé", "gardée",
		"kept", "keep", "valable", "valables", "valid", "validity", "still on", "going ahead", "tient toujours",
		"honoured", "honored", "count", "compte toujours", "traité", "traitée", "processed", "expire", "expiré", "expired"}},
	{"#free", []string{"gratuit", "gratuite", "gratuitement", "free", "payant", "payante", "paid service",
		"become paid", "devenir payant", "subscription fee", "pay for whatsapp", "payer whatsapp", "payer pour whatsapp",
		"cost money", "couter de l'argent", "payer pour utiliser", "abonnement whatsapp", "whatsapp subscription",
		"abonnement pour whatsapp", "subscription for whatsapp", "faire payer", "make us pay", "make people pay",
		"charge users", "charging users"}},
	{"#shop", []string{"boutique", "magasin", "comptoir", "store", "shop", "counter", "retrait", "pick up", "pickup",
		"collect", "emporter", "takeaway", "sur place", "in person"}},
	// Multi-concept and dropped expressions.
	{"#status #update", []string{"news", "nouvelles", "du nouveau", "any news", "des nouvelles"}},
	{"#follow #status", []string{"status page", "page de statut", "page d'etat", "page de statuts", "status site"}},
	{"#contact", []string{"phone number", "numero de telephone", "numero de tel", "your number", "votre numero",
		"un numero", "a number", "call you", "vous appeler"}},
	{"#late", []string{"take longer", "prendre plus de temps", "on time", "a l'heure", "a temps", "in time", "on schedule", "comme prevu"}},
	{"#free", []string{"start charging", "whatsapp charging", "charge for whatsapp", "charge a fee", "whatsapp paid",
		"make whatsapp paid", "paid app", "appli payante", "application payante"}},
	{"#how", []string{"best way", "way to", "moyen de", "facon de"}},
	{"", []string{"what time is it", "quelle heure est-il", "il est quelle heure", "quand meme", "tout de meme", "even so", "right now", "en ce moment", "as usual", "comme d'habitude"}},
	{"#alt", []string{"autre moyen", "autre façon", "alternative", "other way", "another way", "sinon", "otherwise",
		"instead", "à la place", "autrement", "other way", "some other way", "autre solution"}},
	{"#phone", []string{"de mon côté", "chez moi", "on my side", "my end", "my side", "ma faute", "my fault",
		"vient de moi", "it's me", "is it me", "just me", "only me", "que moi", "c moi", "c'est moi", "juste moi", "my end"}},
	{"#receive", []string{"recevoir", "reçu", "reçue", "reçois", "receive", "received", "receiving", "arrive",
		"arrivé", "arrivée", "arrived", "arriving"}},
	{"#send", []string{"envoyer", "envoyé", "envoyée", "envoie", "renvoyer", "send", "sent", "resend", "sending"}},
	{"#meta", []string{"meta", "facebook"}},
}
