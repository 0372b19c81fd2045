package card

import (
	"fmt"
	"strings"
	"time"
)

// frenchMonths are spelled out because Go's time package only knows
// English names.
var frenchMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	"août", "septembre", "octobre", "novembre", "décembre"}

// TimeLabel returns the card's "updated at" line in the card's language,
// in the time zone carried by c.Time.
func TimeLabel(c Card) string {
	t := c.Time
	zone := zoneName(t)
	if c.Lang == "fr" {
		return fmt.Sprintf("Mis à jour le %d %s %d à %s (%s)",
			t.Day(), frenchMonths[t.Month()-1], t.Year(), t.Format("15:04"), zone)
	}
	return fmt.Sprintf("Updated %d %s %d, %s %s", t.Day(), t.Month(), t.Year(), t.Format("15:04"), zone)
}

// zoneName prefers the zone's abbreviation and falls back on the offset
// when the location has none, as with fixed zones.
func zoneName(t time.Time) string {
	name, _ := t.Zone()
	if name == "" || name[0] == '+' || name[0] == '-' {
		return "UTC" + t.Format("-07:00")
	}
	return name
}

// AltText describes the card for people who cannot see it, from the same
// data and in full: the card may shorten the sentence, the alt text never
// does.
func AltText(c Card) string {
	lead := "Status card from " + clean(c.Organisation) + ": "
	if c.Lang == "fr" {
		lead = "Carte d’information de " + clean(c.Organisation) + " : "
	}
	parts := []string{sentence(c.Status), sentence(c.Sentence), sentence(c.Continuity), sentence(TimeLabel(c))}
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return lead + strings.Join(kept, " ")
}

// sentence collapses white space and ends s with a full stop if it has no
// final punctuation, so the parts read as sentences to a screen reader.
func sentence(s string) string {
	s = clean(s)
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?…") || strings.HasSuffix(s, "…") {
		return s
	}
	return s + "."
}

func clean(s string) string { return strings.Join(strings.Fields(s), " ") }
