package plan

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"text/template"
	"text/template/parse"
)

// Vars are the variables a message template may use, e.g. {{.Component}}.
// Templates see only these fields; an unknown variable is a lint error.
type Vars struct {
	Organisation    string
	Scenario        string
	Component       string
	Components      string
	Dependency      string
	Status          string
	StatusText      string
	StatusUpdatedAt string
	NextUpdate      string
	ETA             string
	StartedAt       string
	ResolvedAt      string
	Duration        string
	Workaround      string
	StatusURL       string
	Website         string
	Continuity      ContinuityVars
	Voucher         string
	VoucherPercent  int
	Hashtags        string
}

// ContinuityVars are the continuity options by kind, for templates.
type ContinuityVars struct {
	SMS         string
	Phone       string
	OrderURL    string
	Telegram    string
	Email       string
	TrackingURL string
	Store       string
}

// maxRendered bounds what one template may produce.
const maxRendered = 64 << 10

var templateFuncs = template.FuncMap{
	"upper":   strings.ToUpper,
	"lower":   strings.ToLower,
	"default": func(def, v string) string { return cond(v == "", def, v) },
}

func cond[T any](c bool, a, b T) T {
	if c {
		return a
	}
	return b
}

// Template is a parsed message template.
type Template struct {
	t *template.Template
}

// ParseTemplate parses src as a message template with the functions upper,
// lower and default.
func ParseTemplate(name, src string) (*Template, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(templateFuncs).Parse(src)
	if err != nil {
		return nil, cleanTemplateError(err)
	}
	if len(t.Templates()) > 1 {
		return nil, errors.New("{{define}} and {{block}} are not allowed in message templates")
	}
	if t.Tree != nil {
		if err := guardNode(t.Tree.Root); err != nil {
			return nil, err
		}
	}
	return &Template{t: t}, nil
}

// guardNode refuses the actions that could make a template slow or reach
// beyond Vars: {{range}} (Go templates may range over an integer),
// {{template}} and the call builtin. What remains runs in time linear in the
// template's size.
func guardNode(n parse.Node) error {
	switch v := n.(type) {
	case *parse.ListNode:
		if v == nil {
			return nil
		}
		for _, c := range v.Nodes {
			if err := guardNode(c); err != nil {
				return err
			}
		}
	case *parse.RangeNode:
		return errors.New("{{range}} is not allowed in message templates")
	case *parse.TemplateNode:
		return errors.New("{{template}} is not allowed in message templates")
	case *parse.IfNode:
		return guardBranch(&v.BranchNode)
	case *parse.WithNode:
		return guardBranch(&v.BranchNode)
	case *parse.ActionNode:
		return guardPipe(v.Pipe)
	}
	return nil
}

func guardBranch(b *parse.BranchNode) error {
	if err := guardPipe(b.Pipe); err != nil {
		return err
	}
	if err := guardNode(b.List); err != nil {
		return err
	}
	if b.ElseList != nil {
		return guardNode(b.ElseList)
	}
	return nil
}

func guardPipe(p *parse.PipeNode) error {
	if p == nil {
		return nil
	}
	for _, cmd := range p.Cmds {
		for _, arg := range cmd.Args {
			switch a := arg.(type) {
			case *parse.IdentifierNode:
				if a.Ident == "call" {
					return errors.New("call is not allowed in message templates")
				}
			case *parse.PipeNode:
				if err := guardPipe(a); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Render executes the template with v.
func (t *Template) Render(v Vars) (string, error) {
	var b limitedBuffer
	b.limit = maxRendered
	if err := t.t.Execute(&b, v); err != nil {
		return "", cleanTemplateError(err)
	}
	return b.String(), nil
}

type limitedBuffer struct {
	bytes.Buffer
	limit int
}

var errTooLong = errors.New("rendered text is longer than 64 KiB")

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.limit {
		return 0, errTooLong
	}
	return b.Buffer.Write(p)
}

var templateErrPrefix = regexp.MustCompile(`^template: [^:]*:(\d+):(\d+)?:? ?`)

// cleanTemplateError drops text/template's "template: name:" prefix and
// rewrites its wording for plan authors.
func cleanTemplateError(err error) error {
	msg := templateErrPrefix.ReplaceAllString(err.Error(), "")
	if m := regexp.MustCompile(`can't evaluate field (\w+) in type (\S+)`).FindStringSubmatch(msg); m != nil {
		return &UnknownVariableError{Name: m[1]}
	}
	return errors.New(msg)
}

// UnknownVariableError names a template variable that does not exist.
type UnknownVariableError struct{ Name string }

func (e *UnknownVariableError) Error() string { return "unknown variable ." + e.Name }

// VariableNames lists the variables templates may use, for hints and docs.
func VariableNames() []string {
	return []string{"Organisation", "Scenario", "Component", "Components", "Dependency", "Status", "StatusText", "StatusUpdatedAt",
		"NextUpdate", "ETA", "StartedAt", "ResolvedAt", "Duration", "Workaround", "StatusURL", "Website",
		"Continuity.SMS", "Continuity.Phone", "Continuity.OrderURL", "Continuity.Telegram", "Continuity.Email",
		"Continuity.TrackingURL", "Continuity.Store", "Voucher", "VoucherPercent", "Hashtags"}
}

// ContinuityVars returns the plan's continuity options by kind (first of each).
func (p *Plan) ContinuityVars() ContinuityVars {
	var c ContinuityVars
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	for _, o := range p.Continuity {
		switch o.Kind {
		case "sms":
			set(&c.SMS, o.Value)
		case "phone":
			set(&c.Phone, o.Value)
		case "web":
			set(&c.OrderURL, o.Value)
		case "telegram":
			set(&c.Telegram, o.Value)
		case "email":
			set(&c.Email, o.Value)
		case "tracking":
			set(&c.TrackingURL, o.Value)
		case "store":
			set(&c.Store, o.Value)
		}
	}
	return c
}

// SampleVars returns realistic values for scenario s in lang, used to check
// templates and to measure SMS and post lengths before a crisis.
func (p *Plan) SampleVars(s *Scenario, lang string) Vars {
	def := p.Organisation.DefaultLanguage
	v := Vars{
		Organisation:    p.Organisation.Name,
		Status:          "major_outage",
		StatusText:      cond(lang == "fr", "panne majeure", "major outage"),
		StatusUpdatedAt: "15:40",
		NextUpdate:      "16:10",
		ETA:             "",
		StartedAt:       "15:39",
		ResolvedAt:      "17:45",
		Duration:        cond(lang == "fr", "2 h 05", "2 h 05 min"),
		StatusURL:       cond(p.Organisation.StatusURL != "", p.Organisation.StatusURL, p.Organisation.Website),
		Website:         p.Organisation.Website,
		Continuity:      p.ContinuityVars(),
		Voucher:         "CAFE-7K2M9Q",
		Hashtags:        strings.Join(p.Organisation.Hashtags, " "),
	}
	if p.Compensation != nil {
		v.VoucherPercent = p.Compensation.VoucherPercent
	}
	if s == nil {
		return v
	}
	v.Scenario = s.Title.Get(lang, def)
	v.Workaround = s.Workaround.Get(lang, def)
	if len(s.Hashtags) > 0 {
		v.Hashtags = strings.Join(s.Hashtags, " ")
	}
	var names []string
	for _, id := range s.Components {
		if c := p.Component(id); c != nil {
			names = append(names, c.Name.Get(lang, def))
		}
	}
	if len(names) > 0 {
		v.Component = names[0]
		v.Components = strings.Join(names, cond(lang == "fr", " et ", " and "))
	}
	if d := p.Dependency(s.Dependency); d != nil {
		v.Dependency = d.Name
	}
	return v
}
