package plan_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/plan"
)

func TestExamplesAreClean(t *testing.T) {
	for _, name := range []string{"cafe-express/plan.yaml", "minimal/plan.yaml"} {
		t.Run(name, func(t *testing.T) {
			p, diags, err := plan.LoadFS(examples.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			if diags.HasErrors() || p == nil {
				t.Fatalf("errors:\n%s", diags.Error())
			}
			if name == "cafe-express/plan.yaml" && len(diags) > 0 {
				var b strings.Builder
				for _, d := range diags {
					b.WriteString(d.String() + "\n")
				}
				t.Errorf("Café Express plan has readiness gaps:\n%s", b.String())
			}
		})
	}
}

func TestCafeExpressContent(t *testing.T) {
	p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	if err != nil || p == nil {
		t.Fatalf("load: %v", err)
	}
	if len(p.Team.People) < 6 {
		t.Errorf("team has %d people, want 6+", len(p.Team.People))
	}
	if len(p.FAQ) < 10 {
		t.Errorf("FAQ has %d entries, want 10+", len(p.FAQ))
	}
	causes := map[string]bool{}
	for _, s := range p.Scenarios {
		causes[s.Cause] = true
	}
	for _, c := range []string{plan.CauseThirdPartyOutage, plan.CauseServerFailure, plan.CauseCyberattackDDoS, plan.CauseDataBreach} {
		if !causes[c] {
			t.Errorf("no scenario with cause %s", c)
		}
	}
	for _, r := range plan.RequiredRoles {
		if p.Team.Roles[r] == nil {
			t.Errorf("role %s not staffed", r)
		}
	}
	if p.Organisation.Languages[0] != "fr" {
		t.Errorf("first language %s, want fr", p.Organisation.Languages[0])
	}
}

// lint parses the given files and returns the diagnostics.
func lint(t *testing.T, files ...string) plan.Diagnostics {
	t.Helper()
	var fs []plan.File
	for i, f := range files {
		fs = append(fs, plan.File{Name: []string{"plan.yaml", "more.yaml", "third.yaml"}[i], Data: []byte(f)})
	}
	p, diags := plan.Parse(fs)
	if diags.HasErrors() != (p == nil) {
		t.Fatalf("plan returned %v with errors=%v", p != nil, diags.HasErrors())
	}
	return diags
}

const base = `organisation:
  name: Shop
  languages: [fr, en]
  timezone: Europe/Paris
dependencies:
  - id: whatsapp
    name: WhatsApp
components:
  - id: orders
    name: {fr: Commandes, en: Orders}
    depends_on: [whatsapp]
scenarios:
  - id: wa
    title: {fr: Panne, en: Outage}
    cause: third_party_outage
    dependency: whatsapp
    probability: 4
    impact: 5
    components: [orders]
team:
  people:
    - id: ana
      name: Ana
      contact: {email: ana@example.com}
    - id: bob
      name: Bob
      contact: {email: bob@example.com}
  roles:
    commander:
      primary: ana
      backups: [bob]
messages:
  - id: ack
    scenario: wa
    phase: acknowledge
    channels: [statuspage]
    text:
      fr: "{{.Dependency}} est en panne. Prochaine mise à jour avant {{.NextUpdate}}."
      en: "{{.Dependency}} is down. Next update by {{.NextUpdate}}."
`

func TestBaseIsValid(t *testing.T) {
	diags := lint(t, base)
	if diags.HasErrors() {
		t.Fatalf("base plan has errors:\n%s", diags.Error())
	}
}

func TestDiagnostics(t *testing.T) {
	tests := []struct {
		name      string
		from, to  string // replacement applied to base
		code      string
		line, col int
		contains  string
	}{
		{"dangling role person", "primary: ana", "primary: anna", "unknown-reference", 30, 16, `did you mean "ana"`},
		{"dangling component", "components: [orders]", "components: [order]", "unknown-reference", 19, 18, `unknown component "order"`},
		{"dangling dependency", "dependency: whatsapp", "dependency: whatsap", "unknown-reference", 16, 17, "unknown dependency"},
		{"unknown key", "    impact: 5\n", "    impact: 5\n    impakt: 3\n", "unknown-key", 19, 5, `did you mean "impact"`},
		{"probability out of range", "probability: 4", "probability: 9", "out-of-range", 17, 18, "out of range 1–5"},
		{"wrong type", "impact: 5", "impact: high", "wrong-type", 18, 13, "expected integer"},
		{"duplicate id", "    - id: bob\n", "    - id: ana\n", "duplicate-id", 25, 11, `duplicate id "ana"`},
		{"duplicate key", "    impact: 5\n", "    impact: 5\n    impact: 4\n", "duplicate-key", 19, 5, "already defined"},
		{"unknown variable", "{{.NextUpdate}}.\"\n      en", "{{.NextUpdat}}.\"\n      en", "unknown-variable", 38, 11, `did you mean "NextUpdate"`},
		{"template syntax", "{{.Dependency}} est", "{{.Dependency} est", "invalid-template", 38, 11, "does not parse"},
		{"enum", "phase: acknowledge", "phase: acknowledged", "invalid-value", 35, 12, `did you mean "acknowledge"`},
		{"bad language key", "fr: Commandes, en: Orders", "fr: Commandes, english: Orders", "unknown-key", 10, 0, `unknown key "english"`},
		{"bad timezone", "Europe/Paris", "Europe/Lyon", "invalid-timezone", 4, 13, "unknown time zone"},
		{"backup is primary", "backups: [bob]", "backups: [ana]", "backup-is-primary", 31, 17, "both primary and backup"},
		{"secret in clear", "dependencies:", "channels:\n  sms:\n    enabled: true\n    credentials:\n      auth_token: s3cr3t-value\ndependencies:", "secret-in-clear", 9, 19, "written in clear"},
		{"secret-shaped value", "name: Shop", "name: Shop\n  logo: https://user:pa55w0rd@example.com/logo.png", "secret-in-clear", 3, 9, "URL with a password"},
		{"missing required", "    cause: third_party_outage\n", "", "missing-key", 13, 5, `missing required key "cause"`},
		{"missing commander", "    commander:", "    chief:", "missing-role", 0, 0, "no commander"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(base, tt.from, tt.to, 1)
			if src == base {
				t.Fatalf("replacement %q not found in base", tt.from)
			}
			diags := lint(t, src)
			for _, d := range diags {
				if d.Code == tt.code && strings.Contains(d.String(), tt.contains) {
					if tt.line != 0 && (d.Line != tt.line || (tt.col != 0 && d.Column != tt.col)) {
						t.Errorf("%s at %d:%d, want %d:%d", d.Code, d.Line, d.Column, tt.line, tt.col)
					}
					if d.File != "plan.yaml" {
						t.Errorf("file %q, want plan.yaml", d.File)
					}
					if d.Severity != plan.SeverityError {
						t.Errorf("severity %s, want error", d.Severity)
					}
					return
				}
			}
			t.Errorf("no %s diagnostic containing %q; got:\n%s", tt.code, tt.contains, dump(diags))
		})
	}
}

func dump(ds plan.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

func TestSecretValueNeverPrinted(t *testing.T) {
	src := strings.Replace(base, "dependencies:", "channels:\n  sms:\n    credentials:\n      auth_token: TOPSECRET123\ndependencies:", 1)
	if out := dump(lint(t, src)); strings.Contains(out, "TOPSECRET123") {
		t.Fatalf("diagnostics leak the secret:\n%s", out)
	}
}

func TestReadinessWarnings(t *testing.T) {
	src := strings.Replace(base, "      en: \"{{.Dependency}} is down. Next update by {{.NextUpdate}}.\"\n", "", 1)
	src = strings.Replace(src, "      backups: [bob]\n", "", 1)
	src += `  - id: sms-long
    scenario: wa
    phase: update
    channels: [sms, x]
    text:
      fr: "` + strings.Repeat("Bonjour ", 25) + `{{.StatusURL}}"
  - id: sms-ucs
    scenario: wa
    phase: update
    channels: [sms]
    text:
      fr: "Fenêtre œuvre ` + strings.Repeat("x", 70) + `"
`
	diags := lint(t, src)
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diags.Error())
	}
	want := map[string]string{
		"missing-acknowledge":    "no acknowledge message in en",
		"no-backup":              "role commander has no backup",
		"channel-not-configured": "uses channel sms, which is not enabled",
	}
	for code, text := range want {
		if !hasDiag(diags, code, text) {
			t.Errorf("no %s warning %q in:\n%s", code, text, dump(diags))
		}
	}
	if !hasDiag(diags, "sms-segments", "SMS sms-long (fr) is 2 segments: 200 GSM-7") {
		t.Errorf("no GSM-7 segment warning:\n%s", dump(diags))
	}
	if !hasDiag(diags, "sms-segments", "SMS sms-ucs (fr) is 2 segments: 84 UCS-2") {
		t.Errorf("no UCS-2 segment warning:\n%s", dump(diags))
	}
	for _, d := range diags.Warnings() {
		if d.Line == 0 || d.File == "" {
			t.Errorf("warning without position: %s", d)
		}
	}
}

func hasDiag(ds plan.Diagnostics, code, text string) bool {
	for _, d := range ds {
		if d.Code == code && strings.Contains(d.Message, text) {
			return true
		}
	}
	return false
}

func TestDirectoryMerge(t *testing.T) {
	dir := t.TempDir()
	split := strings.Index(base, "team:")
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("10-org.yaml", base[:split])
	write("20-team.yml", base[split:])
	write("30-more.yaml", "faq:\n  - id: q1\n    questions: {fr: [Quoi ?]}\n    answer: {fr: Ceci.}\n")
	write("README.md", "not a plan")
	p, diags, err := plan.Load(dir)
	if err != nil || p == nil {
		t.Fatalf("load dir: %v\n%s", err, dump(diags))
	}
	if len(p.Sources) != 3 || len(p.FAQ) != 1 || p.Team.Roles["commander"] == nil {
		t.Fatalf("merged plan: %d sources, %d faq", len(p.Sources), len(p.FAQ))
	}
	// A scalar defined in two files is an error naming both.
	write("40-dup.yaml", "organisation:\n  name: Other\n")
	_, diags, err = plan.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !hasDiag(diags, "duplicate-key", "10-org.yaml:2") {
		t.Fatalf("want duplicate-key naming the first file, got:\n%s", dump(diags))
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"latin1.yaml": []byte("organisation:\n  name: Caf\xe9\n"),
		"syntax.yaml": []byte("organisation:\n  name: [x\n"),
		"list.yaml":   []byte("- a\n- b\n"),
		"big.yaml":    bytes.Repeat([]byte("#"), plan.MaxFileSize+1),
		"nul.yaml":    []byte("organisation:\x00\n"),
		"bomb.yaml":   aliasBomb(),
	}
	codes := map[string]string{"latin1.yaml": "encoding", "syntax.yaml": "yaml-syntax", "list.yaml": "wrong-type", "big.yaml": "file-too-large", "nul.yaml": "encoding", "bomb.yaml": "plan-too-large"}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			p, diags, err := plan.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if p != nil || !diags.HasErrors() {
				t.Fatal("bad file accepted")
			}
			d := diags.Errors()[0]
			if d.Code != codes[name] || d.File != path {
				t.Errorf("got %s, want code %s in %s", d, codes[name], path)
			}
		})
	}
	if _, _, err := plan.Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestHashStableAcrossPaths(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, d := range []string{a, b} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "plan.yaml"), []byte(base), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p1, _, _ := plan.Load(filepath.Join(a, "plan.yaml"))
	p2, _, _ := plan.Load(filepath.Join(b, "plan.yaml"))
	if p1 == nil || p2 == nil || p1.Hash() != p2.Hash() || len(p1.Hash()) != 64 {
		t.Fatal("same plan bytes give different hashes")
	}
	p3, _ := plan.Parse([]plan.File{{Name: "plan.yaml", Data: []byte(base + "# changed\n")}})
	if p3.Hash() == p1.Hash() {
		t.Fatal("changed plan keeps its hash")
	}
}

// aliasBomb is a few hundred bytes of YAML whose aliases expand to 10^8 values.
func aliasBomb() []byte {
	var b strings.Builder
	b.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h"} {
		fmt.Fprintf(&b, "%s: &%s [%s]\n", name, name, strings.TrimSuffix(strings.Repeat("*"+prev+", ", 10), ", "))
		prev = name
	}
	return []byte(b.String())
}

func TestPreApprovedGenericMessageCannotBypassScenarioApproval(t *testing.T) {
	src := strings.Replace(base, "    scenario: wa\n", "    scenario: \"*\"\n", 1)
	src = strings.Replace(src, "    components: [orders]\n", "    components: [orders]\n    approvals: [commander]\n", 1)
	src += "approval:\n  pre_approved: [ack]\n"
	diags := lint(t, src)
	if !hasDiag(diags, "pre-approval-conflict", "scenario wa, which uses it, requires approval by commander") {
		t.Fatalf("generic pre-approved message bypasses the scenario's approval:\n%s", dump(diags))
	}
}

func TestFAQLiveStatusNeedsFlag(t *testing.T) {
	faq := "faq:\n  - id: when\n    questions: {fr: [Quand ?], en: [When?]}\n    answer: {fr: \"Avant {{.NextUpdate}}\", en: \"By {{.NextUpdate}} on {{.StatusURL}}\"}\n"
	if diags := lint(t, base+faq); !hasDiag(diags, "faq-live-status", "FAQ when quotes the live status") {
		t.Fatalf("no faq-live-status warning:\n%s", dump(diags))
	}
	flagged := strings.Replace(faq, "    questions:", "    uses_status: true\n    questions:", 1)
	if diags := lint(t, base+flagged); hasDiag(diags, "faq-live-status", "") {
		t.Fatalf("warning despite uses_status:\n%s", dump(diags))
	}
	static := "faq:\n  - id: where\n    questions: {fr: [Où ?], en: [Where?]}\n    answer: {fr: \"Sur {{.StatusURL}}\", en: \"On {{.StatusURL}}\"}\n"
	if diags := lint(t, base+static); hasDiag(diags, "faq-live-status", "") {
		t.Fatalf("StatusURL is not live status:\n%s", dump(diags))
	}
}
