package plan

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteSummary writes a readable summary of the plan in lang: organisation,
// the risk matrix as a table, scenarios by risk, team and roles, channels,
// continuity options and counts.
func (p *Plan) WriteSummary(w io.Writer, lang string) error {
	def := p.Organisation.DefaultLanguage
	if lang == "" {
		lang = def
	}
	fr := lang == "fr"
	t := func(frText, enText string) string { return cond(fr, frText, enText) }
	b := &strings.Builder{}
	o := p.Organisation
	fmt.Fprintf(b, "%s\n%s\n", o.Name, strings.Repeat("=", len([]rune(o.Name))))
	fmt.Fprintf(b, "%s: %s (%s %s) · %s: %s", t("Langues", "Languages"), strings.Join(o.Languages, ", "), t("par défaut", "default"), def, t("fuseau", "time zone"), o.Timezone)
	if o.Website != "" {
		fmt.Fprintf(b, " · %s", o.Website)
	}
	b.WriteString("\n\n")

	fmt.Fprintf(b, "%s\n", t("Matrice des risques (probabilité × impact)", "Risk matrix (probability × impact)"))
	b.WriteString(p.matrixTable(lang))
	b.WriteString("\n")

	fmt.Fprintf(b, "%s (%d)\n", t("Scénarios par risque", "Scenarios by risk"), len(p.Scenarios))
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\t%s\tP\tI\t%s\t%s\t%s\t%s\n", t("risque", "risk"), t("priorité", "priority"), t("gravité", "severity"), t("cadence", "cadence"), "id", t("titre", "title"))
	for _, s := range p.ScenariosByRisk() {
		fmt.Fprintf(tw, "  %d\t%s\t%d\t%d\t%s\t%d min\t%s\t%s\n", s.Risk(), BandOf(s.Risk()).Label.Get(lang, "en"), s.Probability, s.Impact, s.Severity, s.CadenceMinutes, s.ID, s.Title.Get(lang, def))
	}
	tw.Flush()
	b.WriteString("\n")

	fmt.Fprintf(b, "%s (%d %s)\n", t("Équipe de crise", "Crisis team"), len(p.Team.People), t("personnes", "people"))
	tw = tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", t("rôle", "role"), t("titulaire", "primary"), t("suppléants", "backups"), t("tâches", "tasks"))
	for _, name := range sortedKeys(p.Team.Roles) {
		r := p.Team.Roles[name]
		var backups []string
		for _, id := range r.Backups {
			backups = append(backups, p.personName(id))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\n", name, p.personName(r.Primary), cond(len(backups) == 0, "—", strings.Join(backups, ", ")), len(r.Checklist))
	}
	tw.Flush()
	b.WriteString("\n")

	var enabled []string
	for _, name := range sortedKeys(p.Channels) {
		if c := p.Channels[name]; c.Enabled {
			enabled = append(enabled, name+cond(c.Provider != "", " ("+c.Provider+")", ""))
		}
	}
	fmt.Fprintf(b, "%s: %s\n", t("Canaux actifs", "Enabled channels"), cond(len(enabled) == 0, "—", strings.Join(enabled, ", ")))
	if len(p.Continuity) > 0 {
		fmt.Fprintf(b, "%s:\n", t("Continuité (pendant la panne)", "Continuity (meanwhile)"))
		for _, c := range p.Continuity {
			fmt.Fprintf(b, "  - %s: %s\n", c.Label.Get(lang, def), c.Value)
		}
	}
	if c := p.Compensation; c != nil {
		fmt.Fprintf(b, "%s: %d %% %s %d h\n", t("Geste commercial", "Compensation"), c.VoucherPercent, t("au-delà de", "beyond"), c.MinAffectedHours)
	}
	fmt.Fprintf(b, "%s: %d · FAQ: %d · %s: %d · %s: %d\n", t("Messages préparés", "Prepared messages"), len(p.Messages), len(p.FAQ),
		t("Rumeurs connues", "Known rumours"), len(p.Rumours), t("Règles d'approbation", "Approval rules"), len(p.Approval.Rules))
	_, err := io.WriteString(w, b.String())
	return err
}

func (p *Plan) personName(id string) string {
	if pp := p.Person(id); pp != nil {
		return pp.Name
	}
	return id
}

// matrixTable renders the 5×5 matrix: rows are probability 5 to 1, columns
// impact 1 to 5; each cell shows its risk, band initial and scenario ids.
func (p *Plan) matrixTable(lang string) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  P \\ I\t1\t2\t3\t4\t5\n")
	for _, row := range p.RiskMatrix() {
		fmt.Fprintf(tw, "  %d", row[0].Probability)
		for _, cell := range row {
			txt := fmt.Sprintf("%d%s", cell.Probability*cell.Impact, strings.ToUpper(cell.Band.Name[:1]))
			if len(cell.Scenarios) > 0 {
				txt += " " + strings.Join(cell.Scenarios, ",")
			}
			fmt.Fprintf(tw, "\t%s", txt)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	var legend []string
	for _, band := range Bands {
		legend = append(legend, fmt.Sprintf("%s = %s %d–%d", strings.ToUpper(band.Name[:1]), band.Label.Get(lang, "en"), band.Min, band.Max))
	}
	fmt.Fprintf(&b, "  %s\n", strings.Join(legend, " · "))
	return b.String()
}
