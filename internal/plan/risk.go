package plan

import "sort"

// Band is a priority band of the risk matrix.
type Band struct {
	Name     string
	Label    Text
	Min, Max int
}

// Bands split risk (probability × impact, 1–25) into priorities.
var Bands = []Band{
	{Name: "low", Label: Text{"fr": "faible", "en": "low"}, Min: 1, Max: 4},
	{Name: "medium", Label: Text{"fr": "moyen", "en": "medium"}, Min: 5, Max: 9},
	{Name: "high", Label: Text{"fr": "élevé", "en": "high"}, Min: 10, Max: 16},
	{Name: "critical", Label: Text{"fr": "critique", "en": "critical"}, Min: 17, Max: 25},
}

// BandOf returns the band of a risk score.
func BandOf(risk int) Band {
	for _, b := range Bands {
		if risk >= b.Min && risk <= b.Max {
			return b
		}
	}
	return Bands[0]
}

// RiskCell is one cell of the 5×5 matrix.
type RiskCell struct {
	Probability, Impact int
	Band                Band
	Scenarios           []string
}

// RiskMatrix returns the matrix as rows of probability 5 down to 1, each
// with impact 1 to 5.
func (p *Plan) RiskMatrix() [][]RiskCell {
	rows := make([][]RiskCell, riskMatrixSize)
	for r := range rows {
		prob := riskMatrixSize - r
		rows[r] = make([]RiskCell, riskMatrixSize)
		for c := range rows[r] {
			imp := c + 1
			rows[r][c] = RiskCell{Probability: prob, Impact: imp, Band: BandOf(prob * imp)}
		}
	}
	for _, s := range p.Scenarios {
		if s.Probability < 1 || s.Probability > 5 || s.Impact < 1 || s.Impact > 5 {
			continue
		}
		cell := &rows[riskMatrixSize-s.Probability][s.Impact-1]
		cell.Scenarios = append(cell.Scenarios, s.ID)
	}
	return rows
}

// ScenariosByRisk returns the scenarios sorted by decreasing risk, then id.
func (p *Plan) ScenariosByRisk() []Scenario {
	out := append([]Scenario(nil), p.Scenarios...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Risk() != out[j].Risk() {
			return out[i].Risk() > out[j].Risk()
		}
		return out[i].ID < out[j].ID
	})
	return out
}
