package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/vigie-hq/vigie/internal/detect/watch"
)

// Detection is what the detection page reads from the running Watcher.
type Detection interface {
	Status() []watch.DependencyStatus
}

// detectionRefresh is how often the page reloads itself (seconds): the
// evaluator runs every 5 s and probes every 15 s.
const detectionRefresh = 15

// detectionView is detection's live view: one card per dependency, then
// the control probes.
type detectionView struct {
	*page
	Off          bool
	Dependencies []dependencyView
	Controls     *dependencyView
	Refresh      int
}

type dependencyView struct {
	ID          string
	State       string
	Since       time.Time
	Confidence  int
	Explanation string
	Flapping    bool
	Probes      []probeRow
	History     []changeRow
}

type probeRow struct {
	Name, Family, Vantage, Class, Detail, Latency string
	OK                                            bool
	At                                            time.Time
}

type changeRow struct {
	At                      time.Time
	From, To, Explanation   string
	Confidence              int
	Flapping, FlappingEnded bool
}

// stateWords name detection states on the page.
var stateWords = map[string]string{
	"unknown": "unknown", "operational": "operational", "degraded": "degraded",
	"partial_outage": "partial outage", "major_outage": "major outage",
}

func (c *Console) handleDetection(w http.ResponseWriter, r *http.Request, v *visitor) {
	view := detectionView{page: c.newPage(w, r, v, "Detection", "detection"), Refresh: detectionRefresh}
	if c.Detection == nil {
		view.Off = true
		c.render(w, r, http.StatusOK, "detection.html", view)
		return
	}
	for _, st := range c.Detection.Status() {
		d := dependencyView{ID: st.Dependency, State: st.State, Since: st.Since, Confidence: int(100*st.Confidence + 0.5),
			Explanation: st.Explanation, Flapping: st.Flapping}
		for _, p := range st.Probes {
			d.Probes = append(d.Probes, probeRow{Name: p.Probe, Family: string(p.Family), Vantage: watch.VantageOf(p), OK: p.OK,
				Class: string(p.Class), Detail: p.Detail, Latency: latency(p.Latency), At: p.Start.Add(p.Latency)})
		}
		// Newest change first, ten at most.
		for i := len(st.History) - 1; i >= 0 && len(d.History) < 10; i-- {
			e := st.History[i]
			d.History = append(d.History, changeRow{At: e.At, From: e.From.String(), To: e.To.String(), Explanation: e.Explanation,
				Confidence: int(100*e.Confidence + 0.5), Flapping: e.Note == "flapping", FlappingEnded: e.Note == "flapping_over"})
		}
		if st.Dependency == "controls" {
			d := d
			view.Controls = &d
			continue
		}
		view.Dependencies = append(view.Dependencies, d)
	}
	c.render(w, r, http.StatusOK, "detection.html", view)
}

// probeTable is what the probe table template needs.
type probeTable struct {
	Page detectionView
	Rows []probeRow
}

// Table pairs probe rows with the page, for the shared table template.
func (v detectionView) Table(rows []probeRow) probeTable { return probeTable{Page: v, Rows: rows} }

// StateWord names a detection state in the page language.
func (v detectionView) StateWord(s string) string {
	if w, ok := stateWords[s]; ok {
		return v.T(w)
	}
	return s
}

// Age says how long ago a result was measured, in seconds under two minutes.
func (v detectionView) Age(t time.Time) string {
	d := v.Now.Sub(t)
	if d < 2*time.Minute {
		return v.T("%d s ago", max(0, int(d.Seconds())))
	}
	return v.T("%s ago", v.Since(t))
}

func latency(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
