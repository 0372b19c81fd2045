package assistant

import (
	"errors"
	"sort"
	"strings"
	"testing"
)

func factValues(text, kind string) string {
	var out []string
	for _, f := range Facts(text) {
		if f.Kind == kind {
			out = append(out, f.Value)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestFacts(t *testing.T) {
	for _, tt := range []struct{ text, kind, want string }{
		{"Prochaine mise à jour avant 16:10, puis 16h40 ou 17 h.", "time", "16:10 16:40 17:00"},
		{"Back by 4pm, or 4:30 p.m., not noon.", "time", "12:00 16:00 16:30"},
		{"de 7 h à 19 h", "time", "07:00 19:00"},
		{"Call 06 00 00 12 34 or +33 6 00 00 12 34.", "number", "0600001234 0600001234"},
		{"Comptez 10 à 15 minutes, bon de 20 %, valable trente jours.", "number", "10 15 20 30"},
		{"See https://cafe-express.fr/suivi. Or www.example.com!", "url", "cafe-express.fr/suivi example.com"},
		{"Écrivez à bonjour@cafe-express.fr.", "email", "bonjour@cafe-express.fr"},
		{"le 3 juin, June 4th, 2025-06-05 or 06/06/2025", "date", "06-03 06-04 06-05 06-06"},
		{"Revenez demain ou lundi.", "day", "mon tomorrow"},
		{"Meta confirme : WhatsApp et Sofia. Nous vous répondons. Écrivez-nous.", "name", "meta sofia whatsapp"},
		{"Une attaque ou un bug, promis.", "claim", "attack bug promise"},
	} {
		if got := factValues(tt.text, tt.kind); got != tt.want {
			t.Errorf("%s facts of %q = %q, want %q", tt.kind, tt.text, got, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	src := []string{
		"Nous ne le savons pas : seule Meta peut rétablir WhatsApp. Prochaine mise à jour avant {{.NextUpdate}} sur {{.StatusURL}}. Commandez par SMS au {{.Continuity.SMS}}, de 7 h à 19 h.",
		"16:10", "https://status.cafe-express.fr", "06 00 00 12 34",
	}
	for _, tt := range []struct {
		answer string
		ok     bool
	}{
		{"Nous ne le savons pas. Prochaine mise à jour avant 16:10 sur https://status.cafe-express.fr.", true},
		{"Seule Meta peut rétablir WhatsApp ; prochain point à 16h10.", true},             // same time, other spelling
		{"Écrivez au +33 6 00 00 12 34 entre 7h et 19h.", true},                           // same number and hours
		{"Tout est sur status.cafe-express.fr.", true},                                    // host of a source URL
		{"WhatsApp devrait revenir vers 17:30.", false},                                   // invented time
		{"WhatsApp devrait revenir vers 5 pm.", false},                                    // invented time, English spelling
		{"Écrivez au 06 00 00 12 35.", false},                                             // wrong number
		{"Voir https://evil.example.com/login.", false},                                   // foreign link
		{"Facebook travaille à rétablir WhatsApp.", false},                                // foreign name
		{"La panne est due à un bug.", false},                                             // invented cause
		{"Nous vous promettons un remboursement.", false},                                 // invented promise
		{"WhatsApp reviendra demain.", false},                                             // invented day
		{"Prochaine mise à jour dans vingt minutes.", false},                              // invented number in words
		{"Malheureusement, nous ne le savons pas encore ; prochain point à 16:10.", true}, // a common opener
	} {
		err := Check(tt.answer, src...)
		if (err == nil) != tt.ok {
			t.Errorf("Check(%q) = %v, want ok=%v", tt.answer, err, tt.ok)
		}
		var ge *GuardError
		if err != nil && (!errors.As(err, &ge) || len(ge.Unsupported) == 0) {
			t.Errorf("Check(%q): error %v is not a GuardError with facts", tt.answer, err)
		}
	}
}
