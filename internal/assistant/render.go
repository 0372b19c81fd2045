package assistant

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/vigie-hq/vigie/internal/plan"
)

// empty marks a template variable that has no value, so that the sentence
// quoting it can be dropped instead of reading "next update by  on …".
const empty = "\x1f"

// answerTemplate is one FAQ answer in one language, parsed, with what it
// does with the status.
type answerTemplate struct {
	src  string
	tmpl *plan.Template
	// conditional holds the variables the template tests ({{if .ETA}}):
	// they stay empty rather than marked, so the test works.
	conditional map[string]bool
	refs        map[string]bool // variables the template mentions
	static      support         // facts of the template and the plan's values
}

func parseAnswer(id, lang, src string) (*answerTemplate, error) {
	t, err := plan.ParseTemplate(id, src)
	if err != nil {
		return nil, fmt.Errorf("assistant: FAQ %s answer (%s): %w", id, lang, err)
	}
	at := &answerTemplate{src: src, tmpl: t, conditional: map[string]bool{}, refs: map[string]bool{}}
	for _, action := range templateAction.FindAllString(src, -1) {
		for _, m := range templateVar.FindAllStringSubmatch(action, -1) {
			at.refs[m[1]] = true
		}
	}
	for _, m := range conditionVars.FindAllStringSubmatch(src, -1) {
		for _, v := range templateVar.FindAllStringSubmatch(m[0], -1) {
			at.conditional[v[1]] = true
		}
	}
	return at, nil
}

// conditionVars matches the actions that test variables.
var conditionVars = regexp.MustCompile(`\{\{-?\s*(if|with|else if)\b[^}]*\}\}`)

// statusVars fills the live variables from the status, times as HH:MM in the
// plan's time zone (with the date when not on the day of the update).
func statusVars(v plan.Vars, st Status, lang, fallback string, loc *time.Location) plan.Vars {
	v.Status = st.State
	v.StatusText = st.text(lang, fallback)
	v.StatusUpdatedAt = clock(st.StatusUpdatedAt, time.Time{}, loc)
	v.NextUpdate = clock(st.NextUpdateAt, st.StatusUpdatedAt, loc)
	v.ETA = clock(st.ETA, st.StatusUpdatedAt, loc)
	if st.State == "resolved" {
		v.ResolvedAt = v.StatusUpdatedAt
	}
	return v
}

// markEmpty replaces the empty variables the template prints (but does not
// test) with the empty marker.
func (at *answerTemplate) markEmpty(v plan.Vars) plan.Vars {
	mark := func(name string, p *string) {
		if *p == "" && at.refs[name] && !at.conditional[name] {
			*p = empty
		}
	}
	for name, p := range map[string]*string{
		"Status": &v.Status, "StatusText": &v.StatusText, "StatusUpdatedAt": &v.StatusUpdatedAt,
		"NextUpdate": &v.NextUpdate, "ETA": &v.ETA, "Scenario": &v.Scenario, "Component": &v.Component,
		"Components": &v.Components, "Dependency": &v.Dependency, "Workaround": &v.Workaround,
		"StartedAt": &v.StartedAt, "ResolvedAt": &v.ResolvedAt, "Duration": &v.Duration, "Voucher": &v.Voucher,
		"Continuity.SMS": &v.Continuity.SMS, "Continuity.Phone": &v.Continuity.Phone,
		"Continuity.OrderURL": &v.Continuity.OrderURL, "Continuity.Telegram": &v.Continuity.Telegram,
		"Continuity.Email": &v.Continuity.Email, "Continuity.TrackingURL": &v.Continuity.TrackingURL,
		"Continuity.Store": &v.Continuity.Store, "StatusURL": &v.StatusURL, "Website": &v.Website,
	} {
		mark(name, p)
	}
	return v
}

// statusPhrases are the assistant's own sentences about the status, used
// when a status-dependent answer does not say it itself. They contain no
// fact of their own: only the status values put into them.
var statusPhrases = map[string]map[string]string{
	"fr": {
		"no_eta":   "Il n'existe pas encore d'estimation du retour à la normale.",
		"eta":      "Le retour à la normale est estimé vers %s ; c'est une estimation, pas une promesse.",
		"next":     "Prochaine mise à jour prévue à %s.",
		"resolved": "L'incident est résolu (point de %s).",
	},
	"en": {
		"no_eta":   "There is no estimate yet of when service will be back to normal.",
		"eta":      "Service is estimated to be back around %s; this is an estimate, not a promise.",
		"next":     "Next update planned at %s.",
		"resolved": "The incident is resolved (update of %s).",
	},
}

func phrases(lang string) map[string]string {
	if p, ok := statusPhrases[lang]; ok {
		return p
	}
	return statusPhrases["en"]
}

// render produces the answer of an entry in lang: the template with the
// plan's and the status's values, sentences that would quote a missing value
// dropped, and for a status-dependent entry what the template leaves unsaid
// about the estimate and the next update.
func render(at *answerTemplate, usesStatus bool, v plan.Vars, st Status, lang string) (string, error) {
	out, err := at.tmpl.Render(at.markEmpty(v))
	if err != nil {
		return "", err
	}
	out = dropMarked(out)
	if usesStatus {
		p := phrases(lang)
		var add []string
		switch {
		case st.State == "resolved":
			if !at.refs["Status"] && !at.refs["ResolvedAt"] {
				add = append(add, fmt.Sprintf(p["resolved"], v.StatusUpdatedAt))
			}
		case v.ETA == "" && !at.refs["ETA"]:
			add = append(add, p["no_eta"])
		case v.ETA != "" && !at.refs["ETA"]:
			add = append(add, fmt.Sprintf(p["eta"], v.ETA))
		}
		if v.NextUpdate != "" && !strings.Contains(out, v.NextUpdate) {
			add = append(add, fmt.Sprintf(p["next"], v.NextUpdate))
		}
		if len(add) > 0 {
			out = strings.TrimSpace(out + " " + strings.Join(add, " "))
		}
	}
	return oneLine(out), nil
}

// dropMarked removes every sentence that contains the empty marker.
func dropMarked(s string) string {
	if !strings.Contains(s, empty) {
		return s
	}
	var b strings.Builder
	for _, sent := range sentences(s) {
		if !strings.Contains(sent, empty) {
			b.WriteString(sent)
		}
	}
	return strings.TrimSpace(b.String())
}

// sentences splits s after each ".", "!", "?" or newline followed by a
// space or the end, keeping the separators so that joining gives s back.
func sentences(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' || ((c == '.' || c == '!' || c == '?') && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\n')) {
			j := i + 1
			for j < len(s) && (s[j] == ' ' || s[j] == '\n') {
				j++
			}
			out = append(out, s[start:j])
			start = j
			i = j - 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// oneLine collapses all white space (newlines and tabs included) to single
// spaces: an answer is one line of the CLI's output.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
