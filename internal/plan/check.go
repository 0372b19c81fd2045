package plan

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // plans name IANA zones; the binary must not depend on the host's zoneinfo
)

// checker runs the semantic checks the schema cannot express: unique ids,
// references, templates, and readiness gaps.
type checker struct {
	plan  *Plan
	index map[string]*node
	diags Diagnostics
}

func (c *checker) posOf(ptr string) pos {
	for ptr != "" {
		if n := c.index[ptr]; n != nil {
			return n.pos
		}
		ptr = ptr[:strings.LastIndex(ptr, "/")]
	}
	if n := c.index[""]; n != nil {
		return n.pos
	}
	return pos{}
}

func (c *checker) report(sev Severity, ptr, code, hint, format string, args ...any) {
	p := c.posOf(ptr)
	c.diags = append(c.diags, Diagnostic{File: p.File, Line: p.Line, Column: p.Column, Severity: sev, Code: code,
		Message: fmt.Sprintf(format, args...), Hint: hint, Path: ptr})
}

func (c *checker) errorf(ptr, code, hint, format string, args ...any) {
	c.report(SeverityError, ptr, code, hint, format, args...)
}

func (c *checker) warnf(ptr, code, hint, format string, args ...any) {
	c.report(SeverityWarning, ptr, code, hint, format, args...)
}

func (c *checker) where(ptr string) string { return humanPath(ptr, c.index) }

func (c *checker) run() {
	c.checkOrganisation()
	deps := c.unique("/dependencies", len(c.plan.Dependencies), func(i int) string { return c.plan.Dependencies[i].ID })
	comps := c.unique("/components", len(c.plan.Components), func(i int) string { return c.plan.Components[i].ID })
	scens := c.unique("/scenarios", len(c.plan.Scenarios), func(i int) string { return c.plan.Scenarios[i].ID })
	people := c.unique("/team/people", len(c.plan.Team.People), func(i int) string { return c.plan.Team.People[i].ID })
	msgs := c.unique("/messages", len(c.plan.Messages), func(i int) string { return c.plan.Messages[i].ID })
	c.unique("/faq", len(c.plan.FAQ), func(i int) string { return c.plan.FAQ[i].ID })
	c.unique("/rumours", len(c.plan.Rumours), func(i int) string { return c.plan.Rumours[i].ID })
	c.unique("/continuity", len(c.plan.Continuity), func(i int) string { return c.plan.Continuity[i].ID })
	c.unique("/approval/rules", len(c.plan.Approval.Rules), func(i int) string { return c.plan.Approval.Rules[i].ID })
	roles := map[string]bool{}
	for name := range c.plan.Team.Roles {
		roles[name] = true
	}

	for i, comp := range c.plan.Components {
		for j, d := range comp.DependsOn {
			c.ref(fmt.Sprintf("/components/%d/depends_on/%d", i, j), "dependency", d, deps)
		}
	}
	for i := range c.plan.Scenarios {
		c.checkScenario(i, deps, comps, roles)
	}
	if d := c.plan.Detection; d != nil {
		c.unique("/detection/dependencies", len(d.Dependencies), func(i int) string { return d.Dependencies[i].ID })
		for i, dp := range d.Dependencies {
			c.ref(fmt.Sprintf("/detection/dependencies/%d/id", i), "dependency", dp.ID, deps)
			if dp.CloudAPI != nil && (dp.CloudAPI.CanaryTo == "") != (dp.CloudAPI.CanaryTemplate == "") {
				c.errorf(fmt.Sprintf("/detection/dependencies/%d/cloud_api", i), "incomplete-canary", "give both canary_to and canary_template, or neither",
					"a canary needs both a number to send to and a template")
			}
		}
	}
	c.checkTeam(people, scens)
	c.checkApproval(roles, scens, msgs)
	for i, r := range c.plan.Rumours {
		for j, role := range r.ApprovalRoles {
			c.ref(fmt.Sprintf("/rumours/%d/approval_roles/%d", i, j), "role", role, roles)
		}
	}
	c.checkMessages(scens)
	c.checkTexts()
	c.checkChannels()
}

// unique reports duplicate ids in the list at ptr and returns the set of ids.
func (c *checker) unique(ptr string, n int, id func(int) string) map[string]bool {
	seen := map[string]int{}
	set := map[string]bool{}
	for i := 0; i < n; i++ {
		v := id(i)
		if first, dup := seen[v]; dup {
			fp := c.posOf(fmt.Sprintf("%s/%d/id", ptr, first))
			c.errorf(fmt.Sprintf("%s/%d/id", ptr, i), "duplicate-id", fmt.Sprintf("first used at %s:%d", fp.File, fp.Line),
				"duplicate id %q in %s", v, strings.TrimPrefix(strings.ReplaceAll(ptr, "/", "."), "."))
			continue
		}
		seen[v] = i
		set[v] = true
	}
	return set
}

// ref reports a dangling reference.
func (c *checker) ref(ptr, what, id string, known map[string]bool) {
	if known[id] {
		return
	}
	ids := make([]string, 0, len(known))
	for k := range known {
		ids = append(ids, k)
	}
	sort.Strings(ids)
	hint := didYouMean(id, ids, "known: ")
	if len(ids) == 0 {
		hint = "none is defined"
	}
	c.errorf(ptr, "unknown-reference", hint, "%s refers to unknown %s %q", c.where(ptr), what, id)
}

func (c *checker) checkOrganisation() {
	o := &c.plan.Organisation
	if o.DefaultLanguage == "" && len(o.Languages) > 0 {
		o.DefaultLanguage = o.Languages[0]
	} else if !contains(o.Languages, o.DefaultLanguage) {
		c.errorf("/organisation/default_language", "unknown-language", "add it to organisation.languages",
			"default language %q is not one of organisation.languages %v", o.DefaultLanguage, o.Languages)
	}
	if o.Timezone == "" {
		o.Timezone = "UTC"
	} else if _, err := time.LoadLocation(o.Timezone); err != nil {
		c.errorf("/organisation/timezone", "invalid-timezone", "use an IANA name such as Europe/Paris", "unknown time zone %q", o.Timezone)
	}
}

func (c *checker) checkScenario(i int, deps, comps, roles map[string]bool) {
	s := &c.plan.Scenarios[i]
	base := fmt.Sprintf("/scenarios/%d", i)
	if s.Dependency != "" {
		c.ref(base+"/dependency", "dependency", s.Dependency, deps)
	}
	if s.Cause == CauseThirdPartyOutage && s.Dependency == "" {
		c.warnf(base, "missing-dependency", "add dependency: <id> so detection can trigger it", "scenario %q is a third-party outage without a dependency", s.ID)
	}
	for j, comp := range s.Components {
		c.ref(fmt.Sprintf("%s/components/%d", base, j), "component", comp, comps)
	}
	for j, r := range s.Approvals {
		c.ref(fmt.Sprintf("%s/approvals/%d", base, j), "role", r, roles)
	}
	for j, t := range s.Triggers {
		dep, _, _ := strings.Cut(t, ".")
		if !deps[dep] && !comps[dep] {
			c.errorf(fmt.Sprintf("%s/triggers/%d", base, j), "unknown-reference", "a trigger is <dependency or component id>.<down|degraded|up|unknown>",
				"trigger %q refers to unknown dependency or component %q", t, dep)
		}
	}
	if s.Severity == "" {
		switch {
		case s.Risk() >= Bands[3].Min:
			s.Severity = "critical"
		case s.Risk() >= Bands[2].Min:
			s.Severity = "major"
		default:
			s.Severity = "minor"
		}
	}
	if s.CadenceMinutes == 0 {
		s.CadenceMinutes = defaultCadenceMinutes
	}
	if s.ReportCadenceMinutes == 0 {
		s.ReportCadenceMinutes = defaultReportMinutes
	}
	if s.Cause == CauseDataBreach && !contains(s.Approvals, "legal") {
		c.warnf(base+"/approvals", "breach-without-legal", "add approvals: [legal]", "scenario %q is a data breach but its messages do not require legal approval", s.ID)
	}
}

func (c *checker) checkTeam(people, scens map[string]bool) {
	roles := c.plan.Team.Roles
	if roles["commander"] == nil {
		c.errorf("/team/roles", "missing-role", "add team.roles.commander with a primary", "the plan has no commander role: someone must be in charge")
	}
	var missing []string
	for _, r := range RequiredRoles {
		if roles[r] == nil && r != "commander" {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		c.warnf("/team/roles", "missing-role", "one person may hold several roles", "roles not staffed: %s", strings.Join(missing, ", "))
	}
	names := make([]string, 0, len(roles))
	for n := range roles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		r := roles[name]
		if r == nil {
			continue
		}
		base := "/team/roles/" + name
		c.ref(base+"/primary", "person", r.Primary, people)
		for j, b := range r.Backups {
			p := fmt.Sprintf("%s/backups/%d", base, j)
			c.ref(p, "person", b, people)
			if b == r.Primary {
				c.errorf(p, "backup-is-primary", "choose someone else as backup", "%s is both primary and backup of role %s", b, name)
			}
		}
		if len(r.Backups) == 0 {
			c.warnf(base, "no-backup", "add backups: [<person id>]", "role %s has no backup: nobody takes over when %s is unavailable", name, r.Primary)
		}
		c.unique(base+"/checklist", len(r.Checklist), func(i int) string { return r.Checklist[i].ID })
		for j, t := range r.Checklist {
			if _, err := ParseDue(t.Due); err != nil {
				c.errorf(fmt.Sprintf("%s/checklist/%d/due", base, j), "invalid-due", "write +30s, +5m or +1h", "%v", err)
			}
			for k, s := range t.Scenarios {
				c.ref(fmt.Sprintf("%s/checklist/%d/scenarios/%d", base, j, k), "scenario", s, scens)
			}
		}
	}
	for i, p := range c.plan.Team.People {
		if len(p.Contact) == 0 {
			c.warnf(fmt.Sprintf("/team/people/%d", i), "no-contact", "add contact: {email: …, sms: …}", "%s has no contact address: they cannot be paged", p.ID)
		}
		for j, ch := range p.Notify {
			if p.Contact[ch] == "" {
				c.errorf(fmt.Sprintf("/team/people/%d/notify/%d", i, j), "unknown-reference", "add it under contact", "%s is paged by %s but has no %s contact", p.ID, ch, ch)
			}
		}
	}
}

// ParseDue parses a checklist offset such as "+5m".
func ParseDue(s string) (time.Duration, error) {
	if !strings.HasPrefix(s, "+") || len(s) < 3 {
		return 0, fmt.Errorf("due %q must be an offset like +5m", s)
	}
	n, err := strconv.Atoi(s[1 : len(s)-1])
	if err != nil || n < 0 {
		return 0, fmt.Errorf("due %q must be an offset like +5m", s)
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("due %q: unit must be s, m or h", s)
	}
	d := time.Duration(n) * unit
	if d > 7*24*time.Hour {
		return 0, fmt.Errorf("due %q is more than a week after declaration", s)
	}
	return d, nil
}

func (c *checker) checkApproval(roles, scens, msgs map[string]bool) {
	a := &c.plan.Approval
	for i := range a.Rules {
		r := &a.Rules[i]
		base := fmt.Sprintf("/approval/rules/%d", i)
		if r.Approvers == 0 {
			r.Approvers = defaultApproverCount
		}
		holders := map[string]bool{}
		for j, role := range r.Roles {
			c.ref(fmt.Sprintf("%s/roles/%d", base, j), "role", role, roles)
			if rs := c.plan.Team.Roles[role]; rs != nil {
				holders[rs.Primary] = true
				for _, b := range rs.Backups {
					holders[b] = true
				}
			}
		}
		for j, s := range r.Scenarios {
			c.ref(fmt.Sprintf("%s/scenarios/%d", base, j), "scenario", s, scens)
		}
		if len(holders) > 0 && r.Approvers > len(holders) {
			c.errorf(base+"/approvers", "approvers-unreachable", "add people to those roles or lower approvers",
				"rule %s needs %d approvers but only %d people hold roles %v", r.ID, r.Approvers, len(holders), r.Roles)
		}
	}
	for i, id := range a.PreApproved {
		ptr := fmt.Sprintf("/approval/pre_approved/%d", i)
		c.ref(ptr, "message", id, msgs)
		m := c.plan.Message(id)
		if m == nil {
			continue
		}
		for _, s := range c.plan.Scenarios {
			if len(s.Approvals) == 0 || !usesMessage(c.plan.MessagesFor(s.ID, m.Phase), id) {
				continue
			}
			c.errorf(ptr, "pre-approval-conflict", "remove it from pre_approved or give the scenario its own message",
				"message %s is pre-approved but scenario %s, which uses it, requires approval by %s", id, s.ID, strings.Join(s.Approvals, ", "))
		}
		if m.Phase != "acknowledge" {
			c.warnf(ptr, "pre-approved-phase", "pre-approve only first acknowledgements", "message %s (%s) goes out without a human", id, m.Phase)
		}
	}
}

func (c *checker) checkMessages(scens map[string]bool) {
	p := c.plan
	for i := range p.Messages {
		m := &p.Messages[i]
		base := fmt.Sprintf("/messages/%d", i)
		if m.Scenario == "" {
			m.Scenario = "*"
		}
		if m.Audience == "" {
			m.Audience = "customers"
		}
		if m.Scenario != "*" {
			c.ref(base+"/scenario", "scenario", m.Scenario, scens)
		}
		scenarios := []*Scenario{p.Scenario(m.Scenario)}
		if m.Scenario == "*" {
			scenarios = nil
			for j := range p.Scenarios {
				if len(p.MessagesFor(p.Scenarios[j].ID, m.Phase)) > 0 && p.MessagesFor(p.Scenarios[j].ID, m.Phase)[0].Scenario == "*" {
					scenarios = append(scenarios, &p.Scenarios[j])
				}
			}
			if len(scenarios) == 0 {
				scenarios = []*Scenario{nil}
			}
		}
		for _, field := range []struct {
			name string
			text Text
		}{{"subject", m.Subject}, {"text", m.Text}} {
			for _, lang := range sortedKeys(field.text) {
				c.checkTemplate(base+"/"+field.name+"/"+lang, m, field.name, lang, field.text[lang], scenarios)
			}
		}
		for j, ch := range m.Channels {
			if !p.ChannelEnabled(ch) {
				c.warnf(fmt.Sprintf("%s/channels/%d", base, j), "channel-not-configured", "enable it under channels:",
					"message %s uses channel %s, which is not enabled", m.ID, ch)
			}
		}
	}
	for i, s := range p.Scenarios {
		ack := p.MessagesFor(s.ID, "acknowledge")
		for _, lang := range p.Organisation.Languages {
			found := false
			for _, m := range ack {
				if m.Text[lang] != "" {
					found = true
				}
			}
			if !found {
				c.warnf(fmt.Sprintf("/scenarios/%d", i), "missing-acknowledge", "add a message with phase: acknowledge for this scenario",
					"scenario %s has no acknowledge message in %s", s.ID, lang)
			}
		}
	}
	for i, f := range p.FAQ {
		for _, lang := range sortedKeys(f.Answer) {
			ptr := fmt.Sprintf("/faq/%d/answer/%s", i, lang)
			if !f.UsesStatus && strings.Contains(f.Answer[lang], "{{") && usesLiveStatus(f.Answer[lang]) {
				c.warnf(ptr, "faq-live-status", "add uses_status: true to this entry", "FAQ %s quotes the live status but is not marked uses_status: it would show blanks outside an incident", f.ID)
			}
			t, err := ParseTemplate(f.ID, f.Answer[lang])
			if err == nil {
				_, err = t.Render(p.SampleVars(nil, lang))
			}
			if err != nil {
				c.templateError(ptr, err)
			}
		}
	}
}

func (c *checker) checkTemplate(ptr string, m *Message, field, lang, src string, scenarios []*Scenario) {
	t, err := ParseTemplate(m.ID, src)
	if err != nil {
		c.templateError(ptr, err)
		return
	}
	worstSMS, worstPost := SMSInfo{}, map[string]int{}
	for _, s := range scenarios {
		out, err := t.Render(c.plan.SampleVars(s, lang))
		if err != nil {
			c.templateError(ptr, err)
			return
		}
		if field != "text" {
			continue
		}
		if contains(m.Channels, "sms") {
			if info := SMSSegments(out); info.Segments > worstSMS.Segments {
				worstSMS = info
			}
		}
		for ch, limit := range postLimits {
			if contains(m.Channels, ch) {
				if n := postLength(ch, out); n > limit && n > worstPost[ch] {
					worstPost[ch] = n
				}
			}
		}
	}
	if worstSMS.Segments > 1 {
		c.warnf(ptr, "sms-segments", fmt.Sprintf("one segment holds %d %s characters; %d per segment once split", cond(worstSMS.Encoding == "GSM-7", 160, 70), worstSMS.Encoding, worstSMS.PerSegment),
			"SMS %s (%s) is %d segments: %d %s characters with sample values", m.ID, lang, worstSMS.Segments, worstSMS.Units, worstSMS.Encoding)
	}
	for _, ch := range sortedKeys(worstPost) {
		c.warnf(ptr, "post-too-long", "shorten it or give this channel its own message",
			"%s post %s (%s) is %d characters with sample values; the limit is %d", ch, m.ID, lang, worstPost[ch], postLimits[ch])
	}
}

func usesMessage(ms []Message, id string) bool {
	for _, m := range ms {
		if m.ID == id {
			return true
		}
	}
	return false
}

func postLength(channel, text string) int {
	switch channel {
	case "x":
		return XLength(text)
	case "mastodon":
		return MastodonLength(text)
	}
	return len([]rune(text))
}

func (c *checker) templateError(ptr string, err error) {
	var uv *UnknownVariableError
	if errors.As(err, &uv) {
		c.errorf(ptr, "unknown-variable", didYouMean(uv.Name, VariableNames(), "available: "), "%s: template uses unknown variable {{.%s}}", c.where(ptr), uv.Name)
		return
	}
	c.errorf(ptr, "invalid-template", "templates use Go syntax: {{.NextUpdate}}", "%s: template does not parse: %v", c.where(ptr), err)
}

// checkTexts warns about translations missing in an organisation language
// and texts in a language the organisation does not declare.
func (c *checker) checkTexts() {
	langs := c.plan.Organisation.Languages
	for _, ptr := range sortedKeys(c.index) {
		n := c.index[ptr]
		if n.kind != kindMap || !isTextField(ptr) {
			continue
		}
		for _, lang := range n.keys {
			if !contains(langs, lang) {
				c.warnf(ptr+"/"+lang, "unknown-language", "add it to organisation.languages or remove it", "%s is in %s, which is not an organisation language", c.where(ptr), lang)
			}
		}
		for _, lang := range langs {
			if v, ok := n.fields[lang]; !ok || v.kind == kindNull || v.value == "" {
				c.warnf(ptr, "missing-translation", "", "%s has no %s text", c.where(ptr), lang)
			}
		}
	}
}

// isTextField reports whether ptr points at a per-language Text map.
func isTextField(ptr string) bool {
	toks := strings.Split(ptr, "/")
	last := toks[len(toks)-1]
	switch last {
	case "title", "name", "description", "workaround", "subject", "text", "answer", "label", "instructions", "handoff", "questions", "claims":
		return len(toks) > 2 && toks[1] != "organisation" && !(toks[1] == "dependencies" && last == "name") && !(toks[1] == "team" && toks[2] == "people")
	}
	return false
}

func (c *checker) checkChannels() {
	p := c.plan
	used := map[string]bool{}
	for _, m := range p.Messages {
		for _, ch := range m.Channels {
			used[ch] = true
		}
	}
	for _, name := range sortedKeys(p.Channels) {
		ch := p.Channels[name]
		if ch.Enabled && !used[name] {
			c.warnf("/channels/"+name, "channel-without-template", "add a message whose channels include "+name,
				"channel %s is enabled but no message template uses it", name)
		}
		if ch.Enabled && ch.Provider == "" && name != "statuspage" && name != "push" {
			c.warnf("/channels/"+name, "channel-without-provider", "set provider:", "channel %s is enabled without a provider", name)
		}
	}
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// liveVar matches the variables that only have a value during an incident.
var liveVar = regexp.MustCompile(`\.(Status|StatusText|StatusUpdatedAt|NextUpdate|ETA|StartedAt|ResolvedAt|Duration|Voucher|Scenario|Component|Components|Dependency|Workaround)\b`)

func usesLiveStatus(src string) bool { return liveVar.MatchString(src) }
