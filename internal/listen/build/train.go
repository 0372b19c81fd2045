package build

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vigie-hq/vigie/internal/listen/abuse"
	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/langid"
	"github.com/vigie-hq/vigie/internal/listen/lexicon"
	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/rumour"
	"github.com/vigie-hq/vigie/internal/listen/sentiment"
)

// Seed is the fixed seed of `vigie nlp train`.
const Seed = 20240611

// Options limit training, for tests: Limit > 0 keeps only the first Limit
// examples of every training set.
type Options struct {
	Seed  uint64
	Limit int
	Log   io.Writer
}

func (o Options) cut(ex []corpus.Example) []corpus.Example {
	if o.Limit > 0 && len(ex) > o.Limit {
		return ex[:o.Limit]
	}
	return ex
}

func (o Options) logf(format string, a ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", a...)
	}
}

// Files are the model files by name, as written to the models folder.
type Files map[string][]byte

// Names of the model files.
const (
	LexiconEN   = "lexicon-en.tsv"
	LexiconFR   = "lexicon-fr.tsv"
	BadwordsFR  = "badwords-fr.txt"
	LangID      = "langid.bin"
	SentimentFR = "sentiment-fr.bin"
	SentimentEN = "sentiment-en.bin"
	Abuse       = "abuse.bin"
	Rumour      = "rumour.bin"
)

// Train builds every model from the shared data folder.
func Train(data string, o Options) (Files, error) {
	if o.Seed == 0 {
		o.Seed = Seed
	}
	files := Files{}
	en, fr, err := Lexicons(data)
	if err != nil {
		return nil, err
	}
	files[LexiconEN], files[LexiconFR] = en, fr
	lexEN, err := lexicon.Parse("en", en)
	if err != nil {
		return nil, err
	}
	lexFR, err := lexicon.Parse("fr", fr)
	if err != nil {
		return nil, err
	}
	o.logf("lexicons: en %d entries, fr %d entries", lexEN.Len(), lexFR.Len())
	bw, err := Badwords(data)
	if err != nil {
		return nil, err
	}
	files[BadwordsFR] = bw

	// Language: every French and English text we have, relabelled.
	var langEx []corpus.Example
	for _, lang := range []string{"fr", "en"} {
		ex, err := corpus.UMSAB(data, lang, "train")
		if err != nil {
			return nil, err
		}
		langEx = append(langEx, relabel(o.cut(ex), lang)...)
		ex, err = corpus.MLMA(data, lang)
		if err != nil {
			return nil, err
		}
		langEx = append(langEx, relabel(o.cut(ex), lang)...)
	}
	lm := langid.Train(langEx, o.Seed)
	if files[LangID], err = lm.Lin.Encode(nil); err != nil {
		return nil, err
	}
	o.logf("langid: %d examples", len(langEx))

	for _, lang := range []string{"fr", "en"} {
		lex := lexFR
		if lang == "en" {
			lex = lexEN
		}
		ex, err := corpus.UMSAB(data, lang, "train")
		if err != nil {
			return nil, err
		}
		// English gets an auxiliary model trained on the VADER
		// human-rated sentences (+0.02 macro-F1 in cross-validation);
		// there is no such French data.
		var aux *linear.Model
		naux := 0
		if lang == "en" {
			ax, err := sentiment.AuxData(data)
			if err != nil {
				return nil, err
			}
			ax = o.cut(ax)
			naux = len(ax)
			aux = sentiment.TrainAux("sentiment-en-aux", lex, ax, o.Seed)
		}
		m := sentiment.Train(lang, lex, o.cut(ex), aux, o.Seed)
		ms := []*linear.Model{m.Base, m.Meta}
		if aux != nil {
			ms = append(ms, aux)
		}
		b, err := linear.EncodeBundle(nil, ms...)
		if err != nil {
			return nil, err
		}
		files["sentiment-"+lang+".bin"] = b
		o.logf("sentiment %s: %d examples, auxiliary model %d", lang, len(ex), naux)
	}

	tr, val, err := AbuseData(data)
	if err != nil {
		return nil, err
	}
	am := abuse.Train(o.cut(tr), abuse.ParseBadwords(bw), Negative(lexFR, lexEN), o.Seed)
	complaints, err := abuse.Cases("complaints")
	if err != nil {
		return nil, err
	}
	var ct []string
	for _, c := range complaints {
		ct = append(ct, c.Text)
	}
	f1 := am.Tune(val, ct, 0.025)
	if files[Abuse], err = am.Lin.Encode(linear.Meta{"abusive": float64(am.Abusive), "hateful": float64(am.Hateful)}); err != nil {
		return nil, err
	}
	o.logf("abuse: %d examples, thresholds abusive=%.2f hateful=%.2f (val macro-F1 %.3f)", len(tr), am.Abusive, am.Hateful, f1)

	ph, err := corpus.PHEME(data)
	if err != nil {
		return nil, err
	}
	rm := rumour.Train(o.cut(ph), o.Seed)
	if files[Rumour], err = rm.Lin.Encode(linear.Meta{"threshold": float64(rm.Threshold)}); err != nil {
		return nil, err
	}
	o.logf("rumour: %d examples, threshold %.3f (leave-one-event-out)", len(ph), rm.Threshold)
	return files, nil
}

// Negative reports words at or below -1.5 in either lexicon.
func Negative(lexFR, lexEN *lexicon.Lexicon) func([]byte) bool {
	return func(w []byte) bool {
		v, ok := lexFR.Valence(w)
		if !ok {
			v, ok = lexEN.Valence(w)
		}
		return ok && v <= -1.5
	}
}

// Write stores files in dir.
func (f Files) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range f {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("write model %s: %w", name, err)
		}
	}
	return nil
}

func relabel(ex []corpus.Example, l string) []corpus.Example {
	out := make([]corpus.Example, len(ex))
	for i, x := range ex {
		x.Label = l
		out[i] = x
	}
	return out
}
