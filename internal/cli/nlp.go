package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/listen"
	"github.com/vigie-hq/vigie/internal/listen/build"
	"github.com/vigie-hq/vigie/internal/listen/corpus"
	"github.com/vigie-hq/vigie/internal/plan"
)

type nlpCmd struct {
	Classify nlpClassifyCmd `cmd:"" help:"Classify posts read one per line on standard input."`
	Eval     nlpEvalCmd     `cmd:"" help:"Evaluate a task on a labelled data set."`
	Train    nlpTrainCmd    `cmd:"" help:"Retrain the language models from the shared data sets."`
}

type nlpClassifyCmd struct {
	Task string `name:"task" required:"" enum:"lang,sentiment,abuse,rumour,reply-policy" help:"lang, sentiment, abuse, rumour or reply-policy."`
	Lang string `name:"lang" default:"auto" enum:"auto,fr,en" help:"Language of the posts: auto, fr or en."`
	Plan string `name:"plan" placeholder:"PLAN" help:"Plan whose rumour library posts are matched against (rumour, reply-policy). Default: the embedded Café Express example."`
}

func (nlpClassifyCmd) Help() string {
	return `Reads one post per line and writes one line per post:

  label<TAB>score<TAB>explanation

score is the confidence in the label, from 0 to 1. Labels per task:
  lang          fr, en, other
  sentiment     negative, neutral, positive
  abuse         ok, abusive, hateful
  rumour        rumour, non_rumour
  reply-policy  answer, correct_rumour, monitor, do_not_engage, escalate, ignore

Input is streamed: output lines appear as input lines arrive. The models are
embedded in the binary; nothing is read but standard input (and --plan).

Example:

  printf '%s\n' "#WhatsAppDown ça marche plus !!!" "WhatsApp was hacked" |
    vigie nlp classify --task reply-policy`
}

func (c *nlpClassifyCmd) Run(rt *Runtime) error {
	task, err := listen.ParseTask(c.Task)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	e, err := listen.Load()
	if err != nil {
		return err
	}
	if task == listen.TaskRumour || task == listen.TaskReplyPolicy {
		p, err := loadNLPPlan(c.Plan)
		if err != nil {
			return &ExitError{Code: 2, Err: err}
		}
		e = e.WithRumours(listen.Claims(p))
	}
	a := e.NewAnalyzer()
	in := bufio.NewReaderSize(rt.Env.Stdin, 1<<20)
	out := bufio.NewWriterSize(rt.Env.Stdout, 1<<16)
	var line []byte
	for {
		line, err = readLine(in, line[:0])
		if len(line) > 0 || err == nil {
			r, cerr := a.Classify(task, string(line), c.Lang)
			if cerr != nil {
				return cerr
			}
			out.WriteString(r.Label)
			out.WriteByte('\t')
			out.Write(strconv.AppendFloat(nil, float64(r.Score), 'f', 3, 32))
			out.WriteByte('\t')
			out.WriteString(oneLine(r.Explanation))
			out.WriteByte('\n')
			// Flush when no more input is waiting, so that a live stream
			// gets its answers without waiting for a full buffer.
			if in.Buffered() == 0 {
				if ferr := out.Flush(); ferr != nil {
					return ferr
				}
			}
		}
		if err == io.EOF {
			return out.Flush()
		}
		if err != nil {
			return fmt.Errorf("read posts: %w", err)
		}
	}
}

// readLine appends the next line of r (without its end of line) to buf.
func readLine(r *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		chunk, err := r.ReadSlice('\n')
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		n := len(buf)
		if n > 0 && buf[n-1] == '\n' {
			buf = buf[:n-1]
			if n > 1 && buf[n-2] == '\r' {
				buf = buf[:n-2]
			}
		}
		return buf, err
	}
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

func loadNLPPlan(path string) (*plan.Plan, error) {
	var (
		p     *plan.Plan
		diags plan.Diagnostics
		err   error
	)
	if path == "" {
		p, diags, err = plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	} else {
		p, diags, err = plan.Load(path)
	}
	if err != nil {
		return nil, err
	}
	if n := len(diags.Errors()); n > 0 {
		return nil, fmt.Errorf("plan %s has %d error(s): run vigie plan lint", path, n)
	}
	return p, nil
}

type nlpEvalCmd struct {
	Task string `name:"task" required:"" enum:"lang,sentiment,abuse,rumour,reply-policy" help:"Task to evaluate."`
	Data string `name:"data" required:"" placeholder:"DIR" help:"Data set folder in the ../shared/data layout, or 'builtin' for our hand-written cases."`
}

func (nlpEvalCmd) Help() string {
	return `Prints accuracy, macro-F1 and per-class precision/recall/F1, naming the
split used. Supported pairs:

  lang          umsab-sentiment (val), tweeteval (val), mlma-hate-fr-en
  sentiment     umsab-sentiment (val, per language), tweeteval (sentiment val)
  abuse         tweeteval (offensive and hate val), mlma-hate-fr-en (our
                validation fifth), builtin (functional, holdout, complaints)
  rumour        pheme-rumour-en (leave-one-event-out, retrains per fold)
  reply-policy  builtin

Example:

  vigie nlp eval --task sentiment --data ../shared/data/umsab-sentiment
  vigie nlp eval --task abuse --data builtin`
}

func (c *nlpEvalCmd) Run(rt *Runtime) error {
	task, err := listen.ParseTask(c.Task)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	e, err := listen.Load()
	if err != nil {
		return err
	}
	if task == listen.TaskReplyPolicy || task == listen.TaskRumour {
		p, err := loadNLPPlan("")
		if err != nil {
			return err
		}
		e = e.WithRumours(listen.Claims(p))
	}
	if err := build.Eval(rt.Env.Stdout, e, task, c.Data); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	return nil
}

type nlpTrainCmd struct {
	Data  string `name:"data" placeholder:"DIR" help:"Shared data folder. Default: $VIGIE_SHARED_DATA, else ../shared/data beside the repository."`
	Out   string `name:"out" placeholder:"DIR" default:"internal/listen/models" help:"Where to write the model files."`
	Limit int    `name:"limit" hidden:"" help:"Keep only the first N examples of each training set (tests)."`
}

func (nlpTrainCmd) Help() string {
	return `Rebuilds the lexicons and models of 'vigie nlp' from the shared data sets
with a fixed seed: the same data always gives the same bytes. Run it from the
repository root and rebuild the binary to embed the new models. Takes a few
seconds.

Example:

  vigie nlp train --data ../shared/data --out internal/listen/models`
}

func (c *nlpTrainCmd) Run(rt *Runtime) error {
	data := c.Data
	if data == "" {
		var err error
		if data, err = corpus.Dir(rt.Env.Getenv); err != nil {
			return &ExitError{Code: 2, Err: err}
		}
	}
	if _, err := os.Stat(data); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	files, err := build.Train(data, build.Options{Limit: c.Limit, Log: rt.Env.Stderr})
	if err != nil {
		return err
	}
	if err := files.Write(c.Out); err != nil {
		return err
	}
	total := 0
	for _, b := range files {
		total += len(b)
	}
	fmt.Fprintf(rt.Env.Stdout, "wrote %d model files (%d bytes) to %s\n", len(files), total, c.Out)
	return nil
}
