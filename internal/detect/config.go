package detect

import (
	"errors"
	"fmt"
	"time"
)

// Config holds the evaluator's thresholds. DefaultConfig documents the
// values the replay was tuned with; docs/detect.md explains each one.
type Config struct {
	// Quorum is how many independent families must agree that a
	// dependency is unhealthy before its state leaves operational.
	Quorum int
	// Down is how many consecutive evaluations must agree on a worse
	// state before the state changes (K).
	Down int
	// Up is how many consecutive evaluations must agree on a better state
	// before the state changes (J); larger than Down because coming back
	// too early costs more than going down a little late.
	Up int
	// Staleness is how old a signal may be and still count.
	Staleness time.Duration
	// FamilyStaleness overrides Staleness for slow families (canary,
	// status feed).
	FamilyStaleness map[Family]time.Duration
	// FlapWindow and FlapLimit: more than FlapLimit state changes within
	// FlapWindow freeze the state at the worst one seen and suppress
	// declarations until the window passes quietly.
	FlapWindow time.Duration
	FlapLimit  int
	// Hold is how long a bad state must have lasted, counted from the
	// first evaluation that saw it, before a trigger fires.
	Hold time.Duration
	// MinConfidence is the confidence a trigger needs.
	MinConfidence float64
	// ResolveAfter is how long the dependency must stay operational after
	// recovery before detection proposes resolving; it never resolves.
	ResolveAfter time.Duration
	// Weights is each family's strength of evidence, from 0 to 1.
	Weights map[Family]float64
	// Crowd lists the families that report what people say (user
	// reports, social mentions): they lag and linger after recovery, so
	// when only they agree the state is at most degraded.
	Crowd []Family
	// NoControlFactor scales the confidence when no control probe is
	// fresh, because then our own network cannot be ruled out.
	NoControlFactor float64
}

// DefaultFamilyWeight is the weight of a family missing from Config.Weights.
const DefaultFamilyWeight = 0.3

// DefaultConfig returns the configuration used by the replay: evaluations
// every 5 s, network probes, canary and traffic summaries every 15 s.
func DefaultConfig() Config {
	return Config{
		Quorum:    2,
		Down:      3,
		Up:        12,
		Staleness: 45 * time.Second,
		FamilyStaleness: map[Family]time.Duration{
			FamilyCanary:     45 * time.Second,
			FamilyTraffic:    45 * time.Second,
			FamilyReports:    150 * time.Second,
			FamilySocial:     15 * time.Minute,
			FamilyStatusFeed: 10 * time.Minute,
		},
		FlapWindow:    30 * time.Minute,
		FlapLimit:     4,
		Hold:          20 * time.Second,
		MinConfidence: 0.7,
		ResolveAfter:  15 * time.Minute,
		Weights: map[Family]float64{
			// Our own message not arriving is the closest thing to the
			// customer's experience, and the platform's status feed is the
			// platform's own word.
			FamilyCanary:     0.6,
			FamilyStatusFeed: 0.7,
			FamilyCloudAPI:   0.5,
			FamilyTraffic:    0.5,
			FamilyDNS:        0.4,
			FamilyTCP:        0.4,
			FamilyHTTP:       0.4,
			FamilyWebSocket:  0.4,
			FamilyTLS:        0.3,
			FamilyReports:    0.4,
			// Social chatter is noisy and often late.
			FamilySocial: 0.2,
		},
		Crowd:           []Family{FamilyReports, FamilySocial},
		NoControlFactor: 0.9,
	}
}

// Validate reports the first nonsensical setting.
func (c Config) Validate() error {
	var errs []error
	if c.Quorum < 1 {
		errs = append(errs, fmt.Errorf("quorum %d: want at least 1", c.Quorum))
	}
	if c.Down < 1 || c.Up < 1 {
		errs = append(errs, fmt.Errorf("down %d, up %d: want at least 1 each", c.Down, c.Up))
	}
	if c.Staleness <= 0 {
		errs = append(errs, errors.New("staleness must be positive"))
	}
	if c.FlapLimit < 1 || c.FlapWindow <= 0 {
		errs = append(errs, fmt.Errorf("flap limit %d in %s: want a positive limit and window", c.FlapLimit, c.FlapWindow))
	}
	if c.MinConfidence < 0 || c.MinConfidence > 1 {
		errs = append(errs, fmt.Errorf("min confidence %g: want 0 to 1", c.MinConfidence))
	}
	for f, w := range c.Weights {
		if w < 0 || w >= 1 {
			errs = append(errs, fmt.Errorf("weight of %s %g: want 0 to below 1", f, w))
		}
	}
	if c.NoControlFactor < 0 || c.NoControlFactor > 1 {
		errs = append(errs, fmt.Errorf("no-control factor %g: want 0 to 1", c.NoControlFactor))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("detect: config: %w", err)
	}
	return nil
}

func (c Config) staleness(f Family) time.Duration {
	if d, ok := c.FamilyStaleness[f]; ok {
		return d
	}
	return c.Staleness
}

func (c Config) weight(f Family) float64 {
	if w, ok := c.Weights[f]; ok {
		return w
	}
	return DefaultFamilyWeight
}
