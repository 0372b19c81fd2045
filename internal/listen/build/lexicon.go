// Package build trains every model of the listen engine from the shared
// data sets and evaluates them; `vigie nlp train` and `vigie nlp eval` are
// thin wrappers around it. Training is deterministic: the same data and
// seed give the same model bytes.
package build

import (
	"bytes"
	"os"
	"path/filepath"

	"github.com/vigie-hq/vigie/internal/listen/lexicon"
)

// Lexicons builds the English and French valence lists from the VADER,
// VADER-FR and AFINN-fr files (MIT and Apache-2.0: shipping the derived
// lists with attribution is allowed).
func Lexicons(data string) (en, fr []byte, err error) {
	read := func(parts ...string) ([]byte, error) {
		return os.ReadFile(filepath.Join(append([]string{data}, parts...)...))
	}
	vEN, err := read("vader-lexicon-en", "vader_lexicon.txt")
	if err != nil {
		return nil, nil, err
	}
	vFR, err := read("vader-lexicon-fr", "fr_lexicon.txt")
	if err != nil {
		return nil, nil, err
	}
	aFR, err := read("afinn", "AFINN-fr-165.txt")
	if err != nil {
		return nil, nil, err
	}
	en, err = lexicon.Build([]lexicon.Source{{R: bytes.NewReader(vEN), Sep: "\t", Scale: 1}}, lexicon.OverridesEN)
	if err != nil {
		return nil, nil, err
	}
	fr, err = lexicon.Build([]lexicon.Source{
		{R: bytes.NewReader(vFR), Sep: "->", Scale: 1},
		{R: bytes.NewReader(aFR), Sep: "\t", Scale: 0.8},
	}, lexicon.OverridesFR)
	return en, fr, err
}
