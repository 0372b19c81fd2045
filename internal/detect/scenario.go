package detect

import (
	"time"
)

// Scenario is a simulated timeline of signals for the replay. Outage
// scenarios are modelled on WhatsApp outages documented in
// ../shared/data/outages/whatsapp_outages.json; the values the replay
// needs are copied here so that it runs without that file.
type Scenario struct {
	Name string
	// Source is the outage id in whatsapp_outages.json, if any.
	Source      string
	Description string
	// Expect is the trigger state that should be declared ("down",
	// "degraded"), or "" when nothing may be declared.
	Expect string
	// Onset is the real start of the modelled outage, so that the report
	// baseline sees the right hour of the week; for other scenarios, the
	// start of the simulation.
	Onset time.Time
	// Length is how long the outage lasts in the replay; long outages are
	// cut, since only the first and last minutes matter to detection.
	Length time.Duration
	// Runs is how many times the scenario is replayed with different
	// probe phases and noise.
	Runs int
	// Span is the simulated time of a scenario without an outage.
	Span time.Duration

	outage   *outage
	linkDown []interval
}

// outage is what a dependency outage does to each family.
type outage struct {
	effects map[Family]effect
	// reports and mentions are added to the usual rate at full strength,
	// per minute and per 5 minutes, reached linearly over ramp.
	reports, mentions float64
	ramp              time.Duration
}

// effect is how one family sees the outage.
type effect struct {
	after  time.Duration // from onset until this family can see it
	pBad   float64       // chance that one probe or call sees it
	sev    State
	detail string
}

type interval struct{ from, to time.Time }

func (i interval) has(t time.Time) bool { return !t.Before(i.from) && t.Before(i.to) }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err) // only constant strings below
	}
	return t
}

// networkDown is every network family failing the same way.
func networkDown(detail string, fams ...Family) map[Family]effect {
	m := map[Family]effect{}
	for _, f := range fams {
		m[f] = effect{pBad: 1, sev: StateMajorOutage, detail: detail}
	}
	return m
}

// undelivered is the "hosts up, messages not delivered" pattern: only the
// canary and real traffic see it.
func undelivered() *outage {
	return &outage{
		effects: map[Family]effect{
			FamilyCanary:  {pBad: 1, sev: StateMajorOutage, detail: "undelivered"},
			FamilyTraffic: {pBad: 1, sev: StateMajorOutage, detail: "3% of messages delivered"},
		},
		reports: 20, mentions: 150, ramp: 5 * time.Minute,
	}
}

// BuiltinScenarios returns the replay's scenarios, in table order.
func BuiltinScenarios() []Scenario {
	dns := networkDown("timeout", FamilyTCP, FamilyTLS, FamilyHTTP, FamilyWebSocket, FamilyCloudAPI)
	dns[FamilyDNS] = effect{pBad: 1, sev: StateMajorOutage, detail: "SERVFAIL"}
	dns[FamilyCanary] = effect{pBad: 1, sev: StateMajorOutage, detail: "undelivered"}
	dns[FamilyTraffic] = effect{pBad: 1, sev: StateMajorOutage, detail: "0% of messages delivered"}
	// Meta's first word came 28.8 min after the start (Andy Stone).
	dns[FamilyStatusFeed] = effect{after: 29 * time.Minute, pBad: 1, sev: StateMajorOutage, detail: "incident posted"}

	backend := map[Family]effect{
		FamilyHTTP:     {pBad: 1, sev: StateMajorOutage, detail: "HTTP 503"},
		FamilyCloudAPI: {pBad: 0.9, sev: StateMajorOutage, detail: "131016"},
		FamilyCanary:   {pBad: 1, sev: StateMajorOutage, detail: "undelivered"},
		FamilyTraffic:  {pBad: 1, sev: StateMajorOutage, detail: "9% of messages delivered"},
		// Acknowledged 68 min after 17:40Z.
		FamilyStatusFeed: {after: 68 * time.Minute, pBad: 1, sev: StateMajorOutage, detail: "incident posted"},
	}

	partial := map[Family]effect{
		FamilyCloudAPI: {pBad: 0.55, sev: StatePartialOutage, detail: "131016"},
		FamilyCanary:   {pBad: 0.8, sev: StatePartialOutage, detail: "undelivered"},
		// Real traffic is a rate over many messages: it sees a partial
		// outage steadily where single calls see it by chance.
		FamilyTraffic: {pBad: 1, sev: StatePartialOutage, detail: "70% of messages delivered"},
		// Meta acknowledged at 15:17Z.
		FamilyStatusFeed: {after: 17 * time.Minute, pBad: 1, sev: StatePartialOutage, detail: "incident posted"},
	}

	linkStart := utc("2025-01-13T00:00:00Z")
	var episodes []interval
	for i, m := range []time.Duration{3, 7, 12, 20, 45, 90} {
		from := linkStart.Add(time.Duration(2+4*i)*time.Hour + 17*time.Minute)
		episodes = append(episodes, interval{from, from.Add(m * time.Minute)})
	}

	return []Scenario{
		{Name: "dns-bgp-2021-10-04", Source: "2021-10-04-meta-bgp-dns", Expect: "down",
			Description: "BGP withdrawal: DNS SERVFAIL, every host unreachable, nothing delivered",
			Onset:       utc("2021-10-04T15:39:00Z"), Length: 90 * time.Minute, Runs: 20,
			outage: &outage{effects: dns, reports: 40, mentions: 400, ramp: 5 * time.Minute}},
		{Name: "undelivered-2022-04-28", Source: "2022-04-28-whatsapp", Expect: "down",
			Description: "hosts up, messages not delivered",
			Onset:       utc("2022-04-28T20:30:00Z"), Length: 75 * time.Minute, Runs: 20, outage: undelivered()},
		{Name: "undelivered-2022-10-25", Source: "2022-10-25-whatsapp", Expect: "down",
			Description: "hosts up, messages not delivered",
			Onset:       utc("2022-10-25T06:37:00Z"), Length: 90 * time.Minute, Runs: 20, outage: undelivered()},
		{Name: "undelivered-2023-07-19", Source: "2023-07-19-whatsapp", Expect: "down",
			Description: "hosts up, messages not delivered",
			Onset:       utc("2023-07-19T20:15:00Z"), Length: 45 * time.Minute, Runs: 20, outage: undelivered()},
		{Name: "undelivered-2025-02-28", Source: "2025-02-28-whatsapp", Expect: "down",
			Description: "hosts up, messages not delivered",
			Onset:       utc("2025-02-28T15:15:00Z"), Length: 45 * time.Minute, Runs: 20, outage: undelivered()},
		{Name: "backend-errors-2024-12-11", Source: "2024-12-11-meta-wide", Expect: "down",
			Description: "hosts answer with server errors and timeouts (back end, not network)",
			Onset:       utc("2024-12-11T17:40:00Z"), Length: 90 * time.Minute, Runs: 20,
			outage: &outage{effects: backend, reports: 30, mentions: 300, ramp: 5 * time.Minute}},
		{Name: "cloudapi-partial-2024-03-05", Source: "2024-03-05-meta-login", Expect: "degraded",
			Description: "Cloud API fails about half of the calls, the consumer app mostly works",
			Onset:       utc("2024-03-05T15:00:00Z"), Length: 90 * time.Minute, Runs: 20,
			outage: &outage{effects: partial, reports: 4, mentions: 30, ramp: 10 * time.Minute}},
		{Name: "healthy-30d", Expect: "",
			Description: "30 days of healthy but noisy signals: probe blips, vantage and single-family failures, report bursts",
			Onset:       utc("2025-03-03T00:00:00Z"), Span: 30 * 24 * time.Hour, Runs: 1},
		{Name: "our-link-down", Expect: "",
			Description: "our own link down 6 times (3 to 90 min): every family and the controls fail",
			Onset:       linkStart, Span: 24 * time.Hour, Runs: 1, linkDown: episodes},
	}
}
