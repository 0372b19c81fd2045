package assistant

import (
	"context"
	"errors"
	"fmt"
)

// Rephraser rewords an approved answer for the question asked, typically
// with a language model. Whatever it returns goes through the guard.
type Rephraser interface {
	Rephrase(ctx context.Context, r RephraseRequest) (string, error)
}

// RephraseRequest is what a Rephraser receives: the customer's question,
// the approved answer to reword, and the language to answer in.
type RephraseRequest struct {
	Question string
	Answer   string
	Lang     string
}

// rephrase asks the Rephraser to reword answer. It returns the rewording, or
// an error saying why the approved answer must be used instead.
func (a *Assistant) rephrase(ctx context.Context, question, answer, lang string, statusTexts []string) (string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.RephraseTimeout)
	defer cancel()
	out, err := a.opts.Rephraser.Rephrase(ctx, RephraseRequest{Question: question, Answer: answer, Lang: lang})
	if err != nil {
		return "", err
	}
	out = oneLine(out)
	if err := a.acceptRephrasing(out, answer, lang, statusTexts); err != nil {
		return "", err
	}
	return out, nil
}

var (
	errEmpty        = errors.New("assistant: rephrasing is empty")
	errTooLong      = errors.New("assistant: rephrasing is much longer than the answer")
	errInstructions = errors.New("assistant: rephrasing contains instructions or markup")
)

// acceptRephrasing is the gate on a reworded answer: the guard against the
// approved answer (and the status values it quotes), a length bound, the
// answer's language, and nothing that looks like instructions or markup.
func (a *Assistant) acceptRephrasing(out, answer, lang string, statusTexts []string) error {
	switch {
	case out == "":
		return errEmpty
	case len(out) > 2*len(answer)+200:
		return errTooLong
	case looksLikeInjection(fold(out)):
		return errInstructions
	}
	if got := detectLang(out, lang, a.vocab); got != lang {
		return fmt.Errorf("assistant: rephrasing is in %s, not %s", got, lang)
	}
	return Check(out, append([]string{answer}, statusTexts...)...)
}
