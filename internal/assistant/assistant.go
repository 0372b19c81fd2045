// Package assistant answers customers' questions from a crisis plan's FAQ
// and the live incident status, in the language they were asked, or abstains
// with the plan's hand-off sentence. Retrieval is BM25 over the FAQ's
// question variants with French and English light stemming, accent folding,
// a domain thesaurus and typo correction; every answer is a rendered FAQ
// template checked by a guard that rejects any time, number, link, name,
// cause or promise its sources do not hold. An optional Rephraser (an LLM)
// may reword an answer, under the same guard. The package is pure: it reads
// the plan and status it is given and nothing else.
package assistant

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-hq/vigie/internal/plan"
)

// OutOfScope is the FAQID of an abstention.
const OutOfScope = "OUT_OF_SCOPE"

// Reasons for an answer, in Result.Reason.
const (
	ReasonMatch      = "match"      // an FAQ entry answered
	ReasonRephrased  = "rephrased"  // an FAQ entry answered, reworded by the Rephraser
	ReasonInjection  = "injection"  // the question tries to instruct the assistant
	ReasonNoContent  = "no_content" // nothing to search for (empty, greetings only)
	ReasonLowScore   = "low_score"  // no entry is close enough
	ReasonGuard      = "guard"      // the rendered answer failed the guard
	ReasonNoTemplate = "no_answer"  // the entry has no usable answer text
)

// DefaultThreshold is the confidence under which the assistant abstains. It
// was tuned on labelled paraphrases and out-of-scope questions (see
// docs/assistant.md and TestEval).
const DefaultThreshold = 0.35

// maxQuestion bounds the part of a question that is analysed.
const maxQuestion = 500

// Result is the assistant's answer to one question.
type Result struct {
	// FAQID is the answering entry, or OutOfScope.
	FAQID string
	// Text is the answer on one line: the FAQ answer, or the hand-off.
	Text string
	// Lang is the language of the answer (the question's, when the plan has it).
	Lang string
	// Score is the confidence in the best entry, 0 to 1.
	Score float64
	// Sources names what the answer was built from: "faq:ID",
	// "status:next_update_at", "assistant:handoff"…
	Sources []string
	// Reason says why this answer (see the Reason constants).
	Reason string
	// Rejected says why the Rephraser's text was not used (its error, or
	// what the guard found in it), or, with ReasonGuard, what the guard
	// found in the rendered answer.
	Rejected string
}

// Options tune an Assistant. The zero value is ready to use.
type Options struct {
	// Threshold overrides DefaultThreshold when not zero; a negative value
	// never abstains on score (for measuring retrieval alone).
	Threshold float64
	// Rephraser, when set, may reword answers; its text is used only when
	// the guard accepts it.
	Rephraser Rephraser
	// RephraseTimeout bounds one rephrasing (default 3 s).
	RephraseTimeout time.Duration
}

// Assistant answers from one plan. It is safe for concurrent use.
type Assistant struct {
	ix        *index
	vocab     langVocab
	entries   []faqEntry
	defLang   string
	loc       *time.Location
	base      plan.Vars
	handoff   plan.Text
	threshold float64
	opts      Options
}

type faqEntry struct {
	id         string
	usesStatus bool
	answers    map[string]*answerTemplate
}

// New builds the assistant of a validated plan. It fails only when an FAQ
// answer is not a valid template.
func New(p *plan.Plan, opts Options) (*Assistant, error) {
	a := &Assistant{
		defLang:   p.Organisation.DefaultLanguage,
		handoff:   p.Assistant.Handoff,
		threshold: DefaultThreshold,
		opts:      opts,
	}
	if a.defLang == "" {
		a.defLang = "fr"
	}
	if opts.Threshold != 0 {
		a.threshold = opts.Threshold
	}
	if a.opts.RephraseTimeout <= 0 {
		a.opts.RephraseTimeout = 3 * time.Second
	}
	a.loc = time.UTC
	if p.Organisation.Timezone != "" {
		if loc, err := time.LoadLocation(p.Organisation.Timezone); err == nil {
			a.loc = loc
		}
	}
	a.base = p.SampleVars(nil, a.defLang)
	// Only plan facts: nothing invented by the sample values survives.
	a.base.Status, a.base.StatusText, a.base.StatusUpdatedAt, a.base.NextUpdate = "", "", "", ""
	a.base.ETA, a.base.StartedAt, a.base.ResolvedAt, a.base.Duration, a.base.Voucher = "", "", "", "", ""
	srcs := make([]source, 0, len(p.FAQ))
	a.vocab = langVocab{}
	for _, f := range p.FAQ {
		for lang, qs := range f.Questions {
			for _, q := range qs {
				a.vocab.add(lang, q)
			}
		}
		for lang, t := range f.Answer {
			a.vocab.add(lang, templateAction.ReplaceAllString(t, " "))
		}
		e := faqEntry{id: f.ID, usesStatus: f.UsesStatus, answers: map[string]*answerTemplate{}}
		for lang, src := range f.Answer {
			if strings.TrimSpace(src) == "" {
				continue
			}
			at, err := parseAnswer(f.ID, lang, src)
			if err != nil {
				return nil, err
			}
			at.static = newSupport(answerSources(at, a.base, lang)...)
			e.answers[lang] = at
		}
		a.entries = append(a.entries, e)
		srcs = append(srcs, source{questions: f.Questions, tags: f.Tags, answers: f.Answer})
	}
	a.ix = buildIndex(newAnalyzer(), srcs, planVocabulary(p), p.Organisation.Name)
	return a, nil
}

// Lang resolves the language of a question: "fr" or "en" when asked, else
// detected, falling back to the plan's default language.
func (a *Assistant) Lang(question, lang string) string {
	if lang == "" || lang == "auto" {
		lang = detectLang(question, a.defLang, a.vocab)
	}
	return lang
}

// Answer answers one question given the live status. lang is "auto" (or
// empty), "fr" or "en". ctx bounds the optional rephrasing only.
func (a *Assistant) Answer(ctx context.Context, question string, st Status, lang string) Result {
	q := clip(question, maxQuestion)
	lang = a.Lang(q, lang)
	folded := fold(q)
	if looksLikeInjection(folded) {
		return a.abstain(lang, 0, ReasonInjection)
	}
	qs, unknown := a.ix.query(q, lang)
	if len(qs) == 0 {
		if unknown > 0 {
			return a.abstain(lang, 0, ReasonLowScore)
		}
		return a.abstain(lang, 0, ReasonNoContent)
	}
	ranked := a.ix.search(qs, unknown, make([]scored, 0, len(a.entries)))
	conf := confidence(ranked)
	if conf < a.threshold {
		return a.abstain(lang, conf, ReasonLowScore)
	}
	e := &a.entries[ranked[0].entry]
	at, alang := e.answers[lang], lang
	if at == nil {
		alang = a.defLang
		if at = e.answers[alang]; at == nil {
			for _, l := range sortedLangs(e.answers) {
				at, alang = e.answers[l], l
				break
			}
		}
	}
	if at == nil {
		return a.abstain(lang, conf, ReasonNoTemplate)
	}
	v := statusVars(a.base, st, alang, a.defLang, a.loc)
	text, err := render(at, e.usesStatus, v, st, alang)
	if err != nil || text == "" {
		return a.abstain(lang, conf, ReasonNoTemplate)
	}
	// Defence in depth: the template and the values it was given must
	// account for every fact of the text.
	if err := check(text, at.static, newSupport(v.Status, v.StatusText, v.StatusUpdatedAt, v.NextUpdate, v.ETA, v.ResolvedAt)); err != nil {
		r := a.abstain(lang, conf, ReasonGuard)
		r.Rejected = err.Error()
		return r
	}
	res := Result{FAQID: e.id, Text: text, Lang: alang, Score: conf, Reason: ReasonMatch, Sources: a.sourceNames(e, text, v)}
	if a.opts.Rephraser != nil {
		r, err := a.rephrase(ctx, q, text, alang, []string{v.StatusText, v.StatusUpdatedAt, v.NextUpdate, v.ETA})
		if err != nil {
			res.Rejected = err.Error()
		} else {
			res.Text, res.Reason = r, ReasonRephrased
		}
	}
	return res
}

// answerSources are the texts an answer may draw its facts from: the FAQ
// answer as written, the values put into it, and the assistant's own status
// sentences. With the base variables they are the static part, computed
// once per answer template; the status values are added per answer.
func answerSources(at *answerTemplate, v plan.Vars, lang string) []string {
	c := v.Continuity
	srcs := []string{at.src, v.Organisation, v.Status, v.StatusText, v.StatusUpdatedAt, v.NextUpdate, v.ETA,
		v.ResolvedAt, v.StatusURL, v.Website, c.SMS, c.Phone, c.OrderURL, c.Telegram, c.Email, c.TrackingURL,
		c.Store, v.Hashtags}
	if v.VoucherPercent != 0 {
		srcs = append(srcs, strconv.Itoa(v.VoucherPercent))
	}
	for _, p := range phrases(lang) {
		srcs = append(srcs, p)
	}
	return srcs
}

func (a *Assistant) sourceNames(e *faqEntry, text string, v plan.Vars) []string {
	out := []string{"faq:" + e.id}
	for _, f := range []struct{ name, val string }{
		{"status:status_text", v.StatusText}, {"status:status_updated_at", v.StatusUpdatedAt},
		{"status:eta", v.ETA}, {"status:next_update_at", v.NextUpdate},
	} {
		if f.val != "" && strings.Contains(text, f.val) {
			out = append(out, f.name)
		}
	}
	if e.usesStatus {
		out = append(out, "status:state")
	}
	return out
}

func (a *Assistant) abstain(lang string, score float64, reason string) Result {
	hlang := lang
	text := a.handoff[lang]
	if text == "" {
		text = a.handoff.Get(a.defLang, a.defLang)
		hlang = a.defLang
	}
	if text == "" {
		hlang = lang
		text = defaultHandoff[lang]
		if text == "" {
			text = defaultHandoff["en"]
		}
	}
	return Result{FAQID: OutOfScope, Text: oneLine(text), Lang: hlang, Score: score, Sources: []string{"assistant:handoff"}, Reason: reason}
}

// defaultHandoff is said when the plan has no hand-off sentence.
var defaultHandoff = map[string]string{
	"fr": "Je n'ai pas de réponse vérifiée à cette question et je préfère ne pas deviner.",
	"en": "I have no verified answer to that question and I would rather not guess.",
}

// clip returns at most n runes of s.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// planVocabulary is the plan's own description of the business: words a
// customer may use about it without the FAQ answering them (a product, a
// channel name), which make a question look less foreign.
func planVocabulary(p *plan.Plan) []plan.Text {
	out := []plan.Text{{"fr": p.Organisation.Name, "en": p.Organisation.Name}}
	for _, d := range p.Dependencies {
		out = append(out, plan.Text{"fr": d.Name, "en": d.Name}, d.Description)
	}
	for _, c := range p.Components {
		out = append(out, c.Name, c.Description)
	}
	for _, c := range p.Continuity {
		out = append(out, c.Label, c.Instructions)
	}
	return out
}
