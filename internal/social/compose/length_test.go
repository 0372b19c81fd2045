package compose

import (
	"strings"
	"testing"
)

const (
	family   = "👨\u200d👩\u200d👧" // man, ZWJ, woman, ZWJ, girl
	flagFR   = "🇫🇷"
	thumbsUp = "👍🏽" // with a skin tone
	keycap1  = "1\ufe0f\u20e3"
	eAcute   = "e\u0301" // decomposed é
)

func TestXLength(t *testing.T) {
	tests := []struct {
		name, text string
		want       int
	}{
		{"ascii", "hello", 5},
		{"precomposed accent", "café", 4},
		{"decomposed accent is normalised", "caf" + eAcute, 4},
		{"french punctuation in light ranges", "« l’appli »", 11},
		{"ellipsis is outside the light ranges", "…", 2},
		{"cjk", "日本", 4},
		{"single emoji", "😀", 2},
		{"zwj family", family, 2},
		{"flag", flagFR, 2},
		{"skin tone", thumbsUp, 2},
		{"keycap", keycap1, 2},
		{"long url counts 23", "https://cafe-express.example/statut/incidents/2026/whatsapp-en-panne", 23},
		{"short url counts 23", "http://a.fr", 23},
		{"url trailing period is text", "voir https://a.fr.", 5 + 23 + 1},
		{"bare domain counts at least 23", "cafe.fr", 23},
		{"long bare domain counts its length", "cafe-express-livraison.example/x", 32},
		{"email is not a link", "a@cafe.fr", 9},
		{"decimal is not a domain", "12.50", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := XLength(tt.text); got != tt.want {
				t.Errorf("XLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestGraphemeLength(t *testing.T) {
	tests := []struct {
		name, text string
		want       int
	}{
		{"ascii", "Panne", 5},
		{"combining mark", eAcute, 1},
		{"zwj family", family, 1},
		{"two flags", flagFR + "🇧🇪", 2},
		{"skin tone", thumbsUp, 1},
		{"keycap", keycap1, 1},
		{"url counts in full", "https://a.fr", 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GraphemeLength(tt.text); got != tt.want {
				t.Errorf("GraphemeLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestMastodonLength(t *testing.T) {
	tests := []struct {
		name, text string
		want       int
	}{
		{"graphemes", "Panne " + family, 7},
		{"url counts 23", "https://cafe-express.example/statut/incidents/2026", 23},
		{"bare domain counts in full", "cafe.fr", 7},
		{"remote mention counts its user", "@marie@cafe.social", 6},
		{"local mention", "@marie", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MastodonLength(tt.text); got != tt.want {
				t.Errorf("MastodonLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestUTF16Length(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"café", 4},
		{"😀", 2},
		{flagFR, 4},
		{strings.Repeat("é", 10), 10},
	}
	for _, tt := range tests {
		if got := UTF16Length(tt.text); got != tt.want {
			t.Errorf("UTF16Length(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestFindURLs(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"voir https://a.fr/x.", []string{"https://a.fr/x"}},
		{"(https://a.fr/x)", []string{"https://a.fr/x"}},
		{"https://fr.wikipedia.org/wiki/Panne_(informatique)", []string{"https://fr.wikipedia.org/wiki/Panne_(informatique)"}},
		{"HTTPS://A.FR et http://b.fr", []string{"HTTPS://A.FR", "http://b.fr"}},
		{"xhttps://a.fr", nil},
		{"https:// rien", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range findURLs(tt.text) {
			got = append(got, tt.text[s.start:s.end])
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("findURLs(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestFindHashtags(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"#WhatsAppDown", []string{"WhatsAppDown"}},
		{"panne #WhatsAppDown. Suite #CaféExpress!", []string{"WhatsAppDown", "CaféExpress"}},
		{"https://a.fr/#ancre", nil},
		{"(#WhatsAppDown) « #Panne »", []string{"WhatsAppDown", "Panne"}},
		{"mot#collé", nil},
		{"#2026", nil},
		{"#️⃣ touche", nil},
		{"#" + strings.Repeat("a", 65), nil},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range findHashtags(tt.text) {
			got = append(got, s.tag)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("findHashtags(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
