package cli

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/vigie-hq/vigie/internal/detect"
	"github.com/vigie-hq/vigie/internal/listen/corpus"
)

type detectCmd struct {
	Replay detectReplayCmd `cmd:"" help:"Replay simulated outages through the detector and measure time to declaration."`
	Nab    detectNabCmd    `cmd:"" name:"nab" help:"Measure the spike detector on the NAB Twitter series (precision/recall)."`
}

type detectReplayCmd struct {
	Scenarios []string `arg:"" optional:"" name:"scenario" help:"Scenarios to replay (default: all built-in ones)."`
}

func (detectReplayCmd) Help() string {
	return `Drives the detection evaluator on a virtual clock with simulated signals:
outages modelled on documented WhatsApp outages (each replayed 20 times with
different probe phases and noise), 30 healthy but noisy days, and our own
link going down. Prints one row per scenario, then one summary line:

  scenarios=N max_declare_s=X max_ack_s=Y false_declarations=Z

Seconds are counted from the outage onset; the acknowledgement is the
declaration plus the time to publish the plan's pre-approved message (5 s).
"inf" means a scenario never declared. Takes a few seconds; needs no data.

Scenarios: dns-bgp-2021-10-04, undelivered-2022-04-28, undelivered-2022-10-25,
undelivered-2023-07-19, undelivered-2025-02-28, backend-errors-2024-12-11,
cloudapi-partial-2024-03-05, healthy-30d, our-link-down.

Example:

  vigie detect replay
  vigie detect replay dns-bgp-2021-10-04 our-link-down`
}

func (c *detectReplayCmd) Run(rt *Runtime) error {
	scs, err := detect.FindScenarios(c.Scenarios)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	// The simulated state changes would drown the table: the replay's
	// evaluators log nowhere.
	res, err := detect.Replay(rt.Ctx, scs, detect.DefaultConfig(), nil)
	if err != nil {
		return err
	}
	return detect.WriteReplay(rt.Env.Stdout, res)
}

type detectNabCmd struct {
	Data    string  `name:"data" placeholder:"DIR" help:"The nab-realtweets folder. Default: nab-realtweets in $VIGIE_SHARED_DATA, else ../shared/data beside the repository."`
	Z       float64 `name:"z" placeholder:"Z" help:"Override the robust score threshold (default 6)."`
	Persist int     `name:"persist" placeholder:"N" help:"Override how many consecutive 5-minute buckets make an alarm (default 6)."`
}

func (detectNabCmd) Help() string {
	return `Runs the social-mention spike detector (5-minute buckets, baseline per hour
of the week, median/MAD) over the 10 Twitter series of the Numenta Anomaly
Benchmark and scores it per labelled window: a window with an alarm inside
is a true positive, a window never hit a false negative, each run of
consecutive alarms outside the windows a false positive. One configuration
for all series.

Example:

  vigie detect nab --data ../shared/data/nab-realtweets`
}

func (c *detectNabCmd) Run(rt *Runtime) error {
	dir := c.Data
	if dir == "" {
		root, err := corpus.Dir(rt.Env.Getenv)
		if err != nil {
			return &ExitError{Code: 2, Err: fmt.Errorf("detect nab: no --data and %w", err)}
		}
		dir = filepath.Join(root, "nab-realtweets")
	}
	series, err := detect.LoadNAB(dir)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	cfg := detect.DefaultMentionSpikeConfig()
	if c.Z > 0 {
		cfg.Z = c.Z
	}
	if c.Persist > 0 {
		cfg.Persist = c.Persist
	}
	scores, total, err := detect.EvaluateNAB(series, cfg)
	if err != nil {
		return errors.Join(errors.New("detect nab"), err)
	}
	fmt.Fprintf(rt.Env.Stdout, "spike detector on %s: z=%g persist=%d min_excess=%g min_ratio=%g\n", dir, cfg.Z, cfg.Persist, cfg.MinExcess, cfg.MinRatio)
	return detect.WriteNABReport(rt.Env.Stdout, scores, total)
}
