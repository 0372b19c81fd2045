package textutil

import (
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"#WhatsAppDown ça marche plus !!!", "#whatsappdown ca marche plus !!!"},
		{"L'appli ne marche PAS", "l' appli ne marche pas"},
		{"aujourd'hui c'est coooool 😡😡", "aujourd'hui c' est cool 😡 😡"},
		{"@user voir https://x.co/a b", "@user voir url b"},
		{"cœur déçu :( <3", "coeur decu :( <3"},
		{"14h30, 2day", "0 , 2day"},
	}
	var tk Tokenizer
	for _, tt := range tests {
		var parts []string
		for _, tok := range tk.Tokenize(tt.in) {
			s := string(tok.Fold)
			if tok.Kind == Hashtag {
				s = "#" + s
			}
			parts = append(parts, s)
		}
		if got := strings.Join(parts, " "); got != tt.want {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	toks := tk.Tokenize("PAS mal")
	if !toks[0].Caps || toks[1].Caps {
		t.Errorf("caps flags wrong: %+v", toks)
	}
}

func TestTokenizeNoAllocSteadyState(t *testing.T) {
	var tk Tokenizer
	s := "#WhatsAppDown ça marche plus !!! @user http://t.co/x 😡"
	tk.Tokenize(s)
	if n := testing.AllocsPerRun(100, func() { tk.Tokenize(s) }); n > 0 {
		t.Errorf("Tokenize allocates %.0f times per call once warm", n)
	}
}
