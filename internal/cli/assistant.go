package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/assistant"
	"github.com/vigie-hq/vigie/internal/assistant/openai"
	"github.com/vigie-hq/vigie/internal/plan"
)

type assistantCmd struct {
	Ask assistantAskCmd `cmd:"" help:"Answer questions read on standard input, one per line, from the plan's FAQ and the live status."`
}

type assistantAskCmd struct {
	Plan      string        `name:"plan" placeholder:"PLAN" help:"Plan file or directory (default: the embedded Café Express example)."`
	Status    string        `name:"status" required:"" placeholder:"STATUS.json" help:"Live incident status: state, status_text per language, eta, status_updated_at, next_update_at."`
	Lang      string        `name:"lang" enum:"auto,fr,en" default:"auto" help:"Language of the questions: auto (detected per question), fr or en."`
	Threshold float64       `name:"threshold" placeholder:"N" help:"Confidence (0-1) under which the assistant hands off (default ${default_threshold})." set:"default_threshold=0.35"`
	LLMURL    string        `name:"llm-url" placeholder:"URL" help:"OpenAI-compatible endpoint that may reword answers (POST URL/v1/chat/completions). Env: VIGIE_LLM_URL."`
	LLMModel  string        `name:"llm-model" placeholder:"MODEL" help:"Model name for --llm-url. Env: VIGIE_LLM_MODEL."`
	LLMKeyEnv string        `name:"llm-key-env" placeholder:"VAR" default:"VIGIE_LLM_API_KEY" help:"Environment variable holding the endpoint's API key (never put keys in the plan)."`
	LLMWait   time.Duration `name:"llm-timeout" default:"3s" help:"Time allowed for one rewording, retries included; after it the approved answer is used."`
}

func (assistantAskCmd) Help() string {
	return `Reads one question per line on standard input and writes one line per question:

  FAQ_ID<TAB>answer        the answer, in the question's language
  OUT_OF_SCOPE<TAB>hand-off when no FAQ entry answers it, or it tries to give
                           the assistant instructions

Answers are the plan's FAQ answers filled with the plan's values and the live
status, never anything else: a status-dependent answer without an ETA says
there is no estimate yet and when the next update comes. Every answer is
checked by a guard that rejects any time, number, link or name its sources do
not hold. With --llm-url, a language model may reword answers; a rewording is
used only when it passes the same guard, otherwise the approved answer is.

STATUS.json:

  {"state": "identified", "status_text": {"fr": "…", "en": "…"},
   "eta": null, "status_updated_at": "2025-06-03T15:40:00+02:00",
   "next_update_at": "2025-06-03T16:10:00+02:00"}

state is investigating, identified, restoring, monitoring or resolved; eta and
next_update_at may be null. Exit status: 0, or 2 when the plan or the status
is invalid.

Example:

  echo "C'est réparé quand ?" | vigie assistant ask --status status.json
  vigie assistant ask --plan plan.yaml --status status.json --lang en < questions.txt`
}

func (c *assistantAskCmd) Run(rt *Runtime) error {
	p, err := c.loadPlan(rt)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(c.Status)
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("status: %w", err)}
	}
	st, err := assistant.ParseStatus(data)
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("%s: %w", c.Status, err)}
	}
	if c.Threshold < 0 || c.Threshold > 1 {
		return &ExitError{Code: 2, Err: fmt.Errorf("--threshold %v: want a confidence between 0 and 1", c.Threshold)}
	}
	opts := assistant.Options{Threshold: c.Threshold, RephraseTimeout: c.LLMWait}
	if url := firstNonEmpty(c.LLMURL, rt.Env.Getenv("VIGIE_LLM_URL")); url != "" {
		key := rt.Env.Getenv(c.LLMKeyEnv)
		if key == "" {
			rt.Logger.Warn("no API key for the LLM endpoint", "env", c.LLMKeyEnv)
		}
		client, err := openai.New(openai.Config{URL: url, Model: firstNonEmpty(c.LLMModel, rt.Env.Getenv("VIGIE_LLM_MODEL")), APIKey: key})
		if err != nil {
			return &ExitError{Code: 2, Err: err}
		}
		opts.Rephraser = client
	}
	a, err := assistant.New(p, opts)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	return c.answerAll(rt, a, st)
}

// loadPlan loads --plan, or the embedded example; a plan with errors is
// refused with its diagnostics on standard error.
func (c *assistantAskCmd) loadPlan(rt *Runtime) (*plan.Plan, error) {
	var (
		p     *plan.Plan
		diags plan.Diagnostics
		err   error
		name  = c.Plan
	)
	if name == "" {
		name = "embedded example cafe-express/plan.yaml"
		p, diags, err = plan.LoadFS(examples.FS, "cafe-express/plan.yaml", name)
	} else {
		p, diags, err = plan.Load(name)
	}
	if err != nil {
		return nil, &ExitError{Code: 2, Err: err}
	}
	if diags.HasErrors() || p == nil {
		writeDiagnostics(rt.Env.Stderr, diags.Errors())
		return nil, &ExitError{Code: 2, Err: fmt.Errorf("%s has %d error(s); run vigie plan lint", name, len(diags.Errors()))}
	}
	return p, nil
}

// answerAll streams questions to answers. Output is flushed whenever no
// more input is waiting, so the command works interactively and in a pipe.
func (c *assistantAskCmd) answerAll(rt *Runtime, a *assistant.Assistant, st assistant.Status) error {
	in := bufio.NewReaderSize(rt.Env.Stdin, 64<<10)
	out := bufio.NewWriter(rt.Env.Stdout)
	first := true
	for {
		line, err := in.ReadString('\n')
		if len(line) > 0 {
			line = strings.TrimRight(line, "\r\n")
			if first {
				line = strings.TrimPrefix(line, "\ufeff")
			}
			first = false
			r := a.Answer(rt.Ctx, strings.ToValidUTF8(line, "\uFFFD"), st, c.Lang)
			if r.Rejected != "" {
				rt.Logger.Debug("rewording rejected", "faq_id", r.FAQID, "reason", r.Rejected)
			}
			fmt.Fprintf(out, "%s\t%s\n", r.FAQID, strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(r.Text))
			if in.Buffered() == 0 {
				if ferr := out.Flush(); ferr != nil {
					return ferr
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read questions: %w", err)
		}
		if rt.Ctx.Err() != nil {
			break
		}
	}
	return out.Flush()
}
