package listen

import (
	"fmt"
	"strings"

	"github.com/vigie-hq/vigie/internal/listen/abuse"
	"github.com/vigie-hq/vigie/internal/listen/langid"
	"github.com/vigie-hq/vigie/internal/listen/rumour"
	"github.com/vigie-hq/vigie/internal/listen/sentiment"
	"github.com/vigie-hq/vigie/internal/listen/textutil"
)

// Task names a classification.
type Task string

// Tasks of `vigie nlp classify`.
const (
	TaskLang        Task = "lang"
	TaskSentiment   Task = "sentiment"
	TaskAbuse       Task = "abuse"
	TaskRumour      Task = "rumour"
	TaskReplyPolicy Task = "reply-policy"
)

// Tasks lists every task, in documentation order.
var Tasks = []Task{TaskLang, TaskSentiment, TaskAbuse, TaskRumour, TaskReplyPolicy}

// Result is one decision: a label, a confidence in [0, 1] and a one-line
// explanation.
type Result struct {
	Label       string
	Score       float32
	Explanation string
}

// Analyzer classifies posts with reusable buffers. It is not safe for
// concurrent use: make one per goroutine.
type Analyzer struct {
	e     *Engine
	tk    textutil.Tokenizer
	toks  []textutil.Token
	lang  langid.Scratch
	sent  sentiment.Extractor
	ab    abuse.Scratch
	rum   rumour.Scratch
	stems []string
}

// NewAnalyzer returns an Analyzer over e.
func (e *Engine) NewAnalyzer() *Analyzer { return &Analyzer{e: e} }

// Analysis holds every signal about one post; fields of tasks that were
// not asked for are zero.
type Analysis struct {
	Lang      langid.Result
	Sentiment sentiment.Result
	Abuse     abuse.Result
	Rumour    rumour.Result
	Match     rumour.Match
	Matched   bool
}

// Prepare tokenizes text; the Lang*, Sentiment*, Abuse* and Rumour*
// methods then read the same tokens.
func (a *Analyzer) Prepare(text string) { a.toks = a.tk.Tokenize(text) }

// Lang identifies the language of the prepared post.
func (a *Analyzer) Lang() langid.Result { return a.e.lang.Classify(a.toks, &a.lang) }

// Sentiment scores the prepared post with the model of lang ("fr" or "en";
// anything else uses the model of the likelier of the two).
func (a *Analyzer) Sentiment(lang string, lr *langid.Result) sentiment.Result {
	m := a.e.sent[lang]
	if m == nil {
		m = a.e.sent["en"]
		if lr != nil && lr.Probs[0] >= lr.Probs[1] {
			m = a.e.sent["fr"]
		}
	}
	return m.Classify(a.toks, &a.sent)
}

// Abuse classifies the prepared post (text is the same post).
func (a *Analyzer) Abuse(text string) abuse.Result { return a.e.abuse.Classify(text, a.toks, &a.ab) }

// Rumour classifies the prepared post and matches it to the library.
func (a *Analyzer) Rumour() (rumour.Result, rumour.Match, bool) {
	r := a.e.rumour.Classify(a.toks, &a.rum)
	m, ok := a.e.matcher.Best(a.toks, a.stems)
	return r, m, ok
}

// Classify runs one task on text. lang is "auto", "fr" or "en".
func (a *Analyzer) Classify(task Task, text, lang string) (Result, error) {
	a.Prepare(text)
	resolve := func() (string, *langid.Result) {
		if lang == "fr" || lang == "en" {
			return lang, nil
		}
		lr := a.Lang()
		return lr.Label, &lr
	}
	switch task {
	case TaskLang:
		r := a.Lang()
		return Result{r.Label, r.Score, r.Reason}, nil
	case TaskSentiment:
		l, lr := resolve()
		r := a.Sentiment(l, lr)
		return Result{r.Label, r.Score, sentiment.Explain(r, &a.sent)}, nil
	case TaskAbuse:
		r := a.Abuse(text)
		return Result{r.Label, r.Score, r.Reason}, nil
	case TaskRumour:
		r, m, ok := a.Rumour()
		if ok {
			return Result{"rumour", max(r.P, m.Score), fmt.Sprintf("matches library rumour %s (similarity %.2f)", m.ID, m.Score)}, nil
		}
		return Result{r.Label, r.Score, r.Reason}, nil
	case TaskReplyPolicy:
		l, lr := resolve()
		return a.policy(text, l, lr), nil
	}
	return Result{}, fmt.Errorf("listen: unknown task %q (want %s)", task, taskList())
}

func taskList() string {
	s := make([]string, len(Tasks))
	for i, t := range Tasks {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// ParseTask checks a task name.
func ParseTask(s string) (Task, error) {
	for _, t := range Tasks {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown task %q (want %s)", s, taskList())
}
