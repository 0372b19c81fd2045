package sentiment

import (
	"fmt"
	"os"
	"testing"

	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/lexicon"
)

// TestCrossValidate prints 5-fold cross-validation figures on the UMSAB
// train split (two fold assignments, averaged), with and without the
// English auxiliary model. It needs the shared data and takes about a
// minute: set VIGIE_CV=1 (VIGIE_CV=v also prints per-class figures).
func TestCrossValidate(t *testing.T) {
	if os.Getenv("VIGIE_CV") == "" {
		t.Skip("set VIGIE_CV=1 (and VIGIE_SHARED_DATA) to cross-validate")
	}
	data, err := corpus.Dir(os.Getenv)
	if err != nil {
		t.Skip(err)
	}
	for _, lang := range []string{"fr", "en"} {
		b, err := os.ReadFile("../models/lexicon-" + lang + ".tsv")
		if err != nil {
			t.Fatal(err)
		}
		lex, err := lexicon.Parse(lang, b)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := corpus.UMSAB(data, lang, "train")
		if err != nil {
			t.Fatal(err)
		}
		configs := []struct {
			name string
			c    Config
		}{{"no aux", DefaultConfig}}
		if lang == "en" {
			ax, err := AuxData(data)
			if err != nil {
				t.Fatal(err)
			}
			c := DefaultConfig
			c.Aux = TrainAux("aux", lex, ax, 20240611)
			configs = append(configs, struct {
				name string
				c    Config
			}{"vader aux", c})
		}
		for _, c := range configs {
			a := CrossValidate(lang, lex, ex, 20240611, c.c, 5, 0)
			b := CrossValidate(lang, lex, ex, 20240611, c.c, 5, 1)
			fmt.Printf("%s %-10s CV macro-F1 %.4f (fold assignments: %.4f, %.4f)\n", lang, c.name, (a.MacroF1()+b.MacroF1())/2, a.MacroF1(), b.MacroF1())
			if os.Getenv("VIGIE_CV") == "v" {
				a.Write(os.Stdout, "  assignment 0")
			}
		}
	}
}
