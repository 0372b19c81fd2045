// Package listen is Vigie's language engine for social posts: language,
// sentiment, abuse, rumours and the reply policy that combines them, for
// French and English. It is pure: the models are embedded (or read from
// an fs.FS given to it) and nothing else is touched.
package listen

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/vigie-hq/vigie/internal/listen/abuse"
	"github.com/vigie-hq/vigie/internal/listen/langid"
	"github.com/vigie-hq/vigie/internal/listen/lexicon"
	"github.com/vigie-hq/vigie/internal/listen/linear"
	"github.com/vigie-hq/vigie/internal/listen/rumour"
	"github.com/vigie-hq/vigie/internal/listen/sentiment"
)

//go:embed models/*.bin models/*.tsv models/*.txt
var embedded embed.FS

// Models returns the embedded model files (under "models/").
func Models() fs.FS { return embedded }

// Engine holds the loaded models. It is immutable and safe for concurrent
// use; each goroutine classifies through its own Analyzer.
type Engine struct {
	lang    *langid.Model
	sent    map[string]*sentiment.Model
	abuse   *abuse.Model
	rumour  *rumour.Model
	matcher *rumour.Matcher
}

// Load reads the embedded models.
func Load() (*Engine, error) {
	sub, err := fs.Sub(embedded, "models")
	if err != nil {
		return nil, err
	}
	return LoadFS(sub)
}

// LoadFS reads models from fsys (the files `vigie nlp train` writes).
func LoadFS(fsys fs.FS) (*Engine, error) {
	read := func(name string) ([]byte, error) {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("listen: model %s: %w", name, err)
		}
		return b, nil
	}
	e := &Engine{sent: map[string]*sentiment.Model{}}
	lex := map[string]*lexicon.Lexicon{}
	for _, lang := range []string{"fr", "en"} {
		b, err := read("lexicon-" + lang + ".tsv")
		if err != nil {
			return nil, err
		}
		if lex[lang], err = lexicon.Parse(lang, b); err != nil {
			return nil, err
		}
		b, err = read("sentiment-" + lang + ".bin")
		if err != nil {
			return nil, err
		}
		ms, _, err := linear.DecodeBundle(b)
		if err != nil {
			return nil, fmt.Errorf("listen: sentiment-%s.bin: %w", lang, err)
		}
		if e.sent[lang], err = sentiment.FromBundle(lang, lex[lang], ms); err != nil {
			return nil, fmt.Errorf("listen: sentiment-%s.bin: %w", lang, err)
		}
	}
	b, err := read("langid.bin")
	if err != nil {
		return nil, err
	}
	lm, _, err := linear.Decode(b)
	if err != nil {
		return nil, err
	}
	e.lang = &langid.Model{Lin: lm}
	bw, err := read("badwords-fr.txt")
	if err != nil {
		return nil, err
	}
	if b, err = read("abuse.bin"); err != nil {
		return nil, err
	}
	am, meta, err := linear.Decode(b)
	if err != nil {
		return nil, err
	}
	e.abuse = &abuse.Model{Lin: am, Badwords: abuse.ParseBadwords(bw), Negative: negative(lex["fr"], lex["en"]),
		Abusive: float32(meta["abusive"]), Hateful: float32(meta["hateful"])}
	if b, err = read("rumour.bin"); err != nil {
		return nil, err
	}
	rm, meta, err := linear.Decode(b)
	if err != nil {
		return nil, err
	}
	e.rumour = &rumour.Model{Lin: rm, Threshold: float32(meta["threshold"])}
	return e, nil
}

func negative(fr, en *lexicon.Lexicon) func([]byte) bool {
	return func(w []byte) bool {
		v, ok := fr.Valence(w)
		if !ok {
			v, ok = en.Valence(w)
		}
		return ok && v <= -1.5
	}
}

// WithRumours returns a copy of e that matches posts against claims (the
// plan's rumour library).
func (e *Engine) WithRumours(claims []rumour.Claim) *Engine {
	c := *e
	c.matcher = rumour.NewMatcher(claims)
	return &c
}
