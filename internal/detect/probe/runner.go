package probe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Scheduled is a probe and how often it runs.
type Scheduled struct {
	Probe    Probe
	Interval time.Duration
}

// Runner runs scheduled probes, each at its own interval, at most
// MaxConcurrent at a time, and hands every Result to OnResult.
type Runner struct {
	// OnResult is called once per run, never concurrently.
	OnResult func(Result)
	// MaxConcurrent defaults to 4: probes are light, but a burst of them
	// must not look like a scan from the customer's network.
	MaxConcurrent int
	Clock         Clock
	Logger        *slog.Logger
}

// Run runs every probe at once and then every Interval after the start of
// its previous run (a slow run is followed immediately by the next), until
// ctx is done. It returns nil after a clean stop.
func (r *Runner) Run(ctx context.Context, jobs []Scheduled) error {
	if r.OnResult == nil {
		return errors.New("probe: runner needs OnResult")
	}
	names := make(map[string]bool, len(jobs))
	for i, j := range jobs {
		if j.Probe == nil || j.Interval <= 0 {
			return fmt.Errorf("probe: runner job %d needs a probe and a positive interval", i)
		}
		if names[j.Probe.Name()] {
			return fmt.Errorf("probe: runner: duplicate probe name %q", j.Probe.Name())
		}
		names[j.Probe.Name()] = true
	}
	limit := r.MaxConcurrent
	if limit <= 0 {
		limit = 4
	}
	sem := make(chan struct{}, limit)
	var deliver sync.Mutex
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { r.loop(ctx, j, sem, &deliver) })
	}
	wg.Wait()
	return nil
}

func (r *Runner) loop(ctx context.Context, j Scheduled, sem chan struct{}, deliver *sync.Mutex) {
	clk := clockOr(r.Clock)
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for {
		start := clk.Now()
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		res := j.Probe.Run(ctx)
		<-sem
		if ctx.Err() != nil {
			return // a run cut short by shutdown says nothing about the target
		}
		if !res.OK {
			log.Debug("probe failed", "probe", res.Probe, "class", string(res.Class), "detail", res.Detail)
		}
		deliver.Lock()
		r.OnResult(res)
		deliver.Unlock()

		wait := j.Interval - clk.Now().Sub(start)
		if wait <= 0 {
			continue
		}
		select {
		case <-clk.After(wait):
		case <-ctx.Done():
			return
		}
	}
}
