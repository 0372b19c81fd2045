package detect

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// NABSeries is one Numenta Anomaly Benchmark series with its labelled
// anomaly windows.
type NABSeries struct {
	Name    string
	Times   []time.Time
	Values  []float64
	Windows [][2]time.Time
}

// NABScore is the event-level score of the spike detector on one series (or
// all of them): a window with at least one alarm inside is a true
// positive, a window never hit a false negative, and each run of
// consecutive alarms outside every window one false positive.
type NABScore struct {
	Series        string
	Windows       int
	TP, FN, FP    int
	Precision     float64
	Recall, F1    float64
	FirstAlarmLag time.Duration // median delay from window start to first alarm
}

const nabTime = "2006-01-02 15:04:05"

// LoadNAB reads the realTweets series and their windows from dir, laid out
// as in ../shared/data/nab-realtweets.
func LoadNAB(dir string) ([]NABSeries, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "combined_windows.json"))
	if err != nil {
		return nil, fmt.Errorf("detect: nab: %w", err)
	}
	var labels map[string][][2]string
	if err := json.Unmarshal(raw, &labels); err != nil {
		return nil, fmt.Errorf("detect: nab: windows: %w", err)
	}
	var out []NABSeries
	for key, wins := range labels {
		name, ok := strings.CutPrefix(key, "realTweets/")
		if !ok {
			continue
		}
		s, err := loadNABSeries(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		s.Name = strings.TrimSuffix(strings.TrimPrefix(name, "Twitter_volume_"), ".csv")
		for _, w := range wins {
			a, err1 := time.Parse(nabTime, w[0][:len(nabTime)])
			b, err2 := time.Parse(nabTime, w[1][:len(nabTime)])
			if err := errors.Join(err1, err2); err != nil {
				return nil, fmt.Errorf("detect: nab: window of %s: %w", name, err)
			}
			s.Windows = append(s.Windows, [2]time.Time{a, b})
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("detect: nab: no realTweets series in %s", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func loadNABSeries(path string) (NABSeries, error) {
	var s NABSeries
	f, err := os.Open(path)
	if err != nil {
		return s, fmt.Errorf("detect: nab: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil {
		return s, fmt.Errorf("detect: nab: %s: header: %w", path, err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return s, fmt.Errorf("detect: nab: %s: %w", path, err)
		}
		t, err1 := time.Parse(nabTime, rec[0])
		v, err2 := strconv.ParseFloat(rec[1], 64)
		if err := errors.Join(err1, err2); err != nil {
			return s, fmt.Errorf("detect: nab: %s: %w", path, err)
		}
		s.Times = append(s.Times, t)
		s.Values = append(s.Values, v)
	}
}

// ScoreNAB runs a fresh detector over the series and scores its alarms.
func ScoreNAB(s NABSeries, cfg SpikeConfig) (NABScore, error) {
	d, err := NewSpikeDetector(cfg)
	if err != nil {
		return NABScore{}, err
	}
	sc := NABScore{Series: s.Name, Windows: len(s.Windows)}
	hit := make([]bool, len(s.Windows))
	var lags []time.Duration
	prevOutside := false
	for i, t := range s.Times {
		alarm := d.Observe(t, s.Values[i]).Alarm
		w := windowOf(s.Windows, t)
		switch {
		case alarm && w >= 0:
			if !hit[w] {
				hit[w] = true
				lags = append(lags, t.Sub(s.Windows[w][0]))
			}
			prevOutside = false
		case alarm:
			if !prevOutside {
				sc.FP++
			}
			prevOutside = true
		default:
			prevOutside = false
		}
	}
	for _, h := range hit {
		if h {
			sc.TP++
		}
	}
	sc.FN = sc.Windows - sc.TP
	if len(lags) > 0 {
		sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
		sc.FirstAlarmLag = lags[len(lags)/2]
	}
	sc.finish()
	return sc, nil
}

func (sc *NABScore) finish() {
	if sc.TP+sc.FP > 0 {
		sc.Precision = float64(sc.TP) / float64(sc.TP+sc.FP)
	}
	if sc.Windows > 0 {
		sc.Recall = float64(sc.TP) / float64(sc.Windows)
	}
	if sc.Precision+sc.Recall > 0 {
		sc.F1 = 2 * sc.Precision * sc.Recall / (sc.Precision + sc.Recall)
	}
}

func windowOf(ws [][2]time.Time, t time.Time) int {
	for i, w := range ws {
		if !t.Before(w[0]) && !t.After(w[1]) {
			return i
		}
	}
	return -1
}

// EvaluateNAB scores one configuration on every series and in total.
func EvaluateNAB(series []NABSeries, cfg SpikeConfig) ([]NABScore, NABScore, error) {
	total := NABScore{Series: "overall"}
	var scores []NABScore
	for _, s := range series {
		sc, err := ScoreNAB(s, cfg)
		if err != nil {
			return nil, total, err
		}
		scores = append(scores, sc)
		total.Windows += sc.Windows
		total.TP += sc.TP
		total.FN += sc.FN
		total.FP += sc.FP
	}
	total.finish()
	return scores, total, nil
}

// WriteNABReport prints one line per series and the overall line.
func WriteNABReport(w io.Writer, scores []NABScore, total NABScore) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %7s %3s %3s %3s %9s %6s %5s %9s\n", "series", "windows", "tp", "fn", "fp", "precision", "recall", "f1", "median_lag")
	for _, sc := range append(scores, total) {
		lag := "-"
		if sc.Series != "overall" && sc.TP > 0 {
			lag = humanDuration(sc.FirstAlarmLag)
		}
		fmt.Fprintf(&b, "%-8s %7d %3d %3d %3d %9.2f %6.2f %5.2f %9s\n", sc.Series, sc.Windows, sc.TP, sc.FN, sc.FP, sc.Precision, sc.Recall, sc.F1, lag)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
