package card

import (
	"strings"
	"testing"
	"time"
)

func TestAltText(t *testing.T) {
	_, c := fixture(t)
	en := c
	en.Lang, en.Status, en.Sentence, en.Continuity = "en", "Major outage", longEnglish, ""
	tests := []struct {
		name string
		card Card
		want string
	}{
		{
			name: "french",
			card: c,
			want: "Carte d’information de Café Express : Panne majeure. " +
				"Nos commandes WhatsApp sont indisponibles depuis 15 h 39 à cause d’une panne générale chez Meta 🚨. Vos cafés sont toujours préparés. " +
				"Commandez par SMS au 06 00 00 12 34. Mis à jour le 3 février 2026 à 15:40 (CET).",
		},
		{
			name: "english keeps the sentence the card shortens",
			card: en,
			want: "Status card from Café Express: Major outage. " + longEnglish + " Updated 3 February 2026, 15:40 CET.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AltText(tt.card); got != tt.want {
				t.Errorf("AltText:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTimeLabel(t *testing.T) {
	at := time.Date(2026, 8, 15, 9, 5, 0, 0, time.FixedZone("", 2*3600))
	tests := []struct {
		lang, want string
	}{
		{"fr", "Mis à jour le 15 août 2026 à 09:05 (UTC+02:00)"},
		{"en", "Updated 15 August 2026, 09:05 UTC+02:00"},
		{"", "Updated 15 August 2026, 09:05 UTC+02:00"},
	}
	for _, tt := range tests {
		if got := TimeLabel(Card{Time: at, Lang: tt.lang}); got != tt.want {
			t.Errorf("TimeLabel(%q) = %q, want %q", tt.lang, got, tt.want)
		}
	}
	if got := TimeLabel(Card{Time: at.UTC(), Lang: "en"}); !strings.HasSuffix(got, "07:05 UTC") {
		t.Errorf("UTC label = %q", got)
	}
}
