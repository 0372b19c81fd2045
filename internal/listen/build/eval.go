package build

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vigie-hq/vigie/internal/listen"
	"github.com/vigie-hq/vigie/internal/listen/abuse"
	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/listen/langid"
	"github.com/vigie-hq/vigie/internal/listen/rumour"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Eval evaluates task on the data set in dir (a folder of ../shared/data,
// or "builtin" for our hand-written suites) and prints accuracy, macro-F1
// and per-class precision/recall for every split it finds.
func Eval(w io.Writer, e *listen.Engine, task listen.Task, dir string) error {
	kind := filepath.Base(filepath.Clean(dir))
	if dir == "builtin" {
		kind = "builtin"
	} else if _, err := os.Stat(dir); err != nil {
		return err
	}
	a := e.NewAnalyzer()
	run := func(title string, labels []string, ex []corpus.Example, lang string, mapPred func(string) string) {
		c := corpus.NewConfusion(labels)
		for _, x := range ex {
			l := lang
			if l == "" {
				l = "auto"
			}
			r, _ := a.Classify(task, x.Text, l)
			p := r.Label
			if mapPred != nil {
				p = mapPred(p)
			}
			c.Add(x.Label, p)
		}
		c.Write(w, title)
	}
	switch {
	case task == listen.TaskSentiment && kind == "umsab-sentiment":
		for _, lang := range []string{"fr", "en"} {
			ex, err := corpus.UMSAB(dir+"/..", lang, "val")
			if err != nil {
				return err
			}
			run("sentiment "+lang+" (umsab val split, --lang auto)", corpus.SentimentLabels, ex, "", nil)
		}
	case task == listen.TaskSentiment && kind == "tweeteval":
		ex, err := corpus.TweetEval(dir+"/..", "sentiment", "val")
		if err != nil {
			return err
		}
		run("sentiment en (tweeteval val split; NOTE 1,754 of its 2,000 tweets are in umsab train/val)", corpus.SentimentLabels, ex, "en", nil)
	case task == listen.TaskLang && kind == "umsab-sentiment":
		var ex []corpus.Example
		for _, lang := range []string{"fr", "en"} {
			v, err := corpus.UMSAB(dir+"/..", lang, "val")
			if err != nil {
				return err
			}
			ex = append(ex, relabel(v, lang)...)
		}
		ex = append(ex, langid.OtherTest()...)
		run("lang (umsab val fr+en, plus our 12 other-language sentences)", langid.Labels, ex, "", nil)
	case task == listen.TaskLang && kind == "tweeteval":
		var ex []corpus.Example
		for _, t := range []string{"sentiment", "hate", "offensive"} {
			v, err := corpus.TweetEval(dir+"/..", t, "val")
			if err != nil {
				return err
			}
			ex = append(ex, relabel(v, "en")...)
		}
		run("lang (tweeteval val splits, all English)", langid.Labels, ex, "", nil)
	case task == listen.TaskLang && kind == "mlma-hate-fr-en":
		var ex []corpus.Example
		for _, lang := range []string{"fr", "en"} {
			v, err := corpus.MLMA(dir+"/..", lang)
			if err != nil {
				return err
			}
			ex = append(ex, relabel(v, lang)...)
		}
		run("lang (all MLMA rows; FR rows were in training)", langid.Labels, ex, "", nil)
	case task == listen.TaskAbuse && kind == "tweeteval":
		off, err := corpus.TweetEval(dir+"/..", "offensive", "val")
		if err != nil {
			return err
		}
		run("abuse vs OLID offensive (tweeteval val split; abusive or hateful = offensive)", []string{"not-offensive", "offensive"}, off, "", func(p string) string {
			if p == "ok" {
				return "not-offensive"
			}
			return "offensive"
		})
		hate, err := corpus.TweetEval(dir+"/..", "hate", "val")
		if err != nil {
			return err
		}
		run("abuse vs HatEval hate (tweeteval val split; hateful = hate)", []string{"not-hate", "hate"}, hate, "", func(p string) string {
			if p == "hateful" {
				return "hate"
			}
			return "not-hate"
		})
	case task == listen.TaskAbuse && kind == "mlma-hate-fr-en":
		for _, lang := range []string{"fr", "en"} {
			ex, err := corpus.MLMA(dir+"/..", lang)
			if err != nil {
				return err
			}
			var val []corpus.Example
			for _, x := range ex {
				if l := abuse.MapMLMA(x.Label); l != "" && mlmaVal(x) {
					x.Label = l
					val = append(val, x)
				}
			}
			run("abuse "+lang+" (MLMA, our validation fifth: HITId % 5 == 0)", abuse.Labels, val, "", nil)
		}
	case task == listen.TaskAbuse && kind == "builtin":
		for _, suite := range []string{"functional", "holdout", "complaints"} {
			cs, err := abuse.Cases(suite)
			if err != nil {
				return err
			}
			for _, lang := range []string{"fr", "en"} {
				var ex []corpus.Example
				for _, c := range cs {
					if c.Lang == lang {
						ex = append(ex, corpus.Example{Text: c.Text, Label: c.Label})
					}
				}
				run("abuse "+lang+" (built-in "+suite+" cases)", abuse.Labels, ex, "", nil)
			}
		}
	case task == listen.TaskRumour && kind == "pheme-rumour-en":
		return evalRumourLOEO(w, dir+"/..")
	case task == listen.TaskReplyPolicy && kind == "builtin":
		for _, lang := range []string{"fr", "en"} {
			var ex []corpus.Example
			for _, c := range listen.PolicyCases() {
				if c.Lang == lang {
					ex = append(ex, corpus.Example{Text: c.Text, Label: c.Label})
				}
			}
			run("reply-policy "+lang+" (built-in cases, Café Express rumour library)", []string{listen.Answer, listen.CorrectRumour, listen.Monitor, listen.DoNotEngage, listen.Escalate, listen.Ignore}, ex, "", nil)
		}
	default:
		return fmt.Errorf("no evaluation of task %s on %q (try umsab-sentiment or tweeteval for sentiment/lang, tweeteval, mlma-hate-fr-en or builtin for abuse, pheme-rumour-en for rumour, builtin for reply-policy)", task, dir)
	}
	return nil
}

// evalRumourLOEO trains on all PHEME events but one and tests on it, for
// every event with both classes (leave-one-event-out). The threshold of
// each fold is chosen by a leave-one-event-out run on its training events
// only, as `vigie nlp train` does on all of them.
func evalRumourLOEO(w io.Writer, data string) error {
	ex, err := corpus.PHEME(data)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "rumour: leave-one-event-out on PHEME (model retrained per fold, seed fixed, threshold chosen on the training events)")
	var tk textutil.Tokenizer
	var s rumour.Scratch
	for _, ev := range rumour.BalancedEvents(ex) {
		var tr, te []corpus.Example
		for _, x := range ex {
			if x.Group == ev {
				te = append(te, x)
			} else {
				tr = append(tr, x)
			}
		}
		m := rumour.Train(tr, Seed)
		c := corpus.NewConfusion([]string{"non-rumour", "rumour"})
		for _, x := range te {
			p := m.Classify(tk.Tokenize(x.Text), &s).Label
			if p == "non_rumour" {
				p = "non-rumour"
			}
			c.Add(x.Label, p)
		}
		c.Write(w, fmt.Sprintf("held-out event %s (threshold %.3f)", ev, m.Threshold))
	}
	return nil
}
