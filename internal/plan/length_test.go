package plan

import (
	"strings"
	"testing"
)

func TestSMSSegments(t *testing.T) {
	tests := []struct {
		text     string
		enc      string
		units    int
		segments int
	}{
		{"", "GSM-7", 0, 1},
		{strings.Repeat("a", 160), "GSM-7", 160, 1},
		{strings.Repeat("a", 161), "GSM-7", 161, 2},
		{strings.Repeat("a", 306), "GSM-7", 306, 2},
		{strings.Repeat("a", 307), "GSM-7", 307, 3},
		{"Prix : 5 €", "GSM-7", 11, 1}, // € is an extension character (2 septets)
		{"Commandez à l'épicerie", "GSM-7", 22, 1},
		{strings.Repeat("ê", 70), "UCS-2", 70, 1},
		{strings.Repeat("ê", 71), "UCS-2", 71, 2},
		{"☕" + strings.Repeat("a", 69), "UCS-2", 70, 1},
		{"😀" + strings.Repeat("a", 69), "UCS-2", 71, 2}, // surrogate pair
	}
	for _, tt := range tests {
		got := SMSSegments(tt.text)
		if got.Encoding != tt.enc || got.Units != tt.units || got.Segments != tt.segments {
			t.Errorf("SMSSegments(%.20q…) = %+v, want %s %d units %d segments", tt.text, got, tt.enc, tt.units, tt.segments)
		}
	}
}

func TestXLength(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"hello", 5},
		{"see https://status.cafe-express.fr/incidents/42?lang=fr now", 4 + 23 + 4},
		{"http://a.b", 23},
		{"café", 4},
		{"☕ café", 2 + 1 + 4},
		{"en — vite", 9},
	}
	for _, tt := range tests {
		if got := XLength(tt.text); got != tt.want {
			t.Errorf("XLength(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestBands(t *testing.T) {
	for risk, want := range map[int]string{1: "low", 4: "low", 5: "medium", 9: "medium", 10: "high", 16: "high", 20: "critical", 25: "critical"} {
		if got := BandOf(risk).Name; got != want {
			t.Errorf("BandOf(%d) = %s, want %s", risk, got, want)
		}
	}
}

func TestParseDue(t *testing.T) {
	good := map[string]string{"+30s": "30s", "+5m": "5m0s", "+2h": "2h0m0s"}
	for in, want := range good {
		d, err := ParseDue(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDue(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"5m", "+m", "+5d", "+-1m", "+9999h"} {
		if _, err := ParseDue(in); err == nil {
			t.Errorf("ParseDue(%q) accepted", in)
		}
	}
}

func TestEditDistance(t *testing.T) {
	if d := editDistance("cadense", "cadence"); d != 1 {
		t.Errorf("distance %d", d)
	}
	if got := didYouMean("zzz", []string{"abc", "def"}, "one of: "); got != "one of: abc, def" {
		t.Errorf("didYouMean fallback = %q", got)
	}
}

func TestTemplateGuard(t *testing.T) {
	bad := []string{
		"{{range 1000000000}}{{end}}",
		`{{define "x"}}y{{end}}ok`,
		`{{template "x"}}`,
		"{{call .Organisation}}",
		"{{if .ETA}}{{call .ETA}}{{end}}",
		"{{.Organisation | printf \"%s\" | call}}",
	}
	for _, src := range bad {
		if _, err := ParseTemplate("t", src); err == nil {
			t.Errorf("ParseTemplate(%q) accepted", src)
		}
	}
	good := "{{if .ETA}}vers {{.ETA}}{{else}}pas d'estimation{{end}} {{with .Workaround}}{{.}}{{end}} {{.Organisation | upper}} {{default \"x\" .Voucher}}"
	tp, err := ParseTemplate("t", good)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tp.Render(Vars{Organisation: "Café", Workaround: "SMS"})
	if err != nil || out != "pas d'estimation SMS CAFÉ x" {
		t.Fatalf("Render = %q, %v", out, err)
	}
}
