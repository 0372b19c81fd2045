package watch

import (
	"fmt"
	"io"
	"sort"
)

// WriteMetrics writes Prometheus text-format metrics: per probe, runs,
// failures, last latency and last result; per dependency, the state.
func (w *Watcher) WriteMetrics(out io.Writer) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	names := make([]string, 0, len(w.counts))
	for n := range w.counts {
		names = append(names, n)
	}
	sort.Strings(names)
	var b []byte
	line := func(format string, args ...any) { b = fmt.Appendf(b, format+"\n", args...) }
	line("# HELP vigie_probe_runs_total Probe runs since start.")
	line("# TYPE vigie_probe_runs_total counter")
	for _, n := range names {
		r := w.latest[n]
		line(`vigie_probe_runs_total{probe="%s",family="%s",dependency="%s"} %d`, metricName(n), r.Family, metricName(r.Dependency), w.counts[n].runs)
	}
	line("# HELP vigie_probe_failures_total Probe runs that failed.")
	line("# TYPE vigie_probe_failures_total counter")
	for _, n := range names {
		r := w.latest[n]
		line(`vigie_probe_failures_total{probe="%s",family="%s",dependency="%s"} %d`, metricName(n), r.Family, metricName(r.Dependency), w.counts[n].failures)
	}
	line("# HELP vigie_probe_latency_seconds Latency of the last run.")
	line("# TYPE vigie_probe_latency_seconds gauge")
	for _, n := range names {
		line(`vigie_probe_latency_seconds{probe="%s"} %g`, metricName(n), w.counts[n].latency.Seconds())
	}
	line("# HELP vigie_probe_up 1 when the last run succeeded.")
	line("# TYPE vigie_probe_up gauge")
	for _, n := range names {
		up := 0
		if w.latest[n].OK {
			up = 1
		}
		line(`vigie_probe_up{probe="%s",class="%s"} %d`, metricName(n), w.latest[n].Class, up)
	}
	deps := make([]string, 0, len(w.verdicts))
	for d := range w.verdicts {
		deps = append(deps, d)
	}
	sort.Strings(deps)
	line("# HELP vigie_dependency_state Detection's state per dependency (0 unknown, 1 operational, 2 degraded, 3 partial outage, 4 major outage).")
	line("# TYPE vigie_dependency_state gauge")
	for _, d := range deps {
		v := w.verdicts[d]
		line(`vigie_dependency_state{dependency="%s",state="%s"} %d`, metricName(d), v.State, stateValue(v.State.String()))
		line(`vigie_dependency_confidence{dependency="%s"} %g`, metricName(d), v.Assessment.Confidence)
	}
	_, err := out.Write(b)
	return err
}

func stateValue(s string) int {
	switch s {
	case "operational":
		return 1
	case "degraded":
		return 2
	case "partial_outage":
		return 3
	case "major_outage":
		return 4
	}
	return 0
}
