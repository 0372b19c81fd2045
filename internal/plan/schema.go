package plan

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed schema.json
var schemaJSON []byte

const schemaURL = "https://vigie.dev/schema/plan.json"

// Schema returns the JSON Schema of a plan file (draft 2020-12).
func Schema() []byte { return bytes.Clone(schemaJSON) }

// compiledSchema is immutable once built, so sharing it is safe.
var compiledSchema = sync.OnceValues(func() (*schemaIndex, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("plan: embedded schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("plan: embedded schema: %w", err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("plan: compile embedded schema: %w", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(schemaJSON, &raw); err != nil {
		return nil, fmt.Errorf("plan: embedded schema: %w", err)
	}
	return &schemaIndex{schema: sch, raw: raw}, nil
})

type schemaIndex struct {
	schema *jsonschema.Schema
	raw    map[string]any
}

var printer = message.NewPrinter(language.English)

// validateSchema checks the merged plan against the schema and turns every
// failure into a positioned diagnostic.
func validateSchema(root any, index map[string]*node) (Diagnostics, error) {
	si, err := compiledSchema()
	if err != nil {
		return nil, err
	}
	// Round-trip through JSON so numbers have the types the validator expects.
	buf, err := json.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("plan: encode for validation: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("plan: decode for validation: %w", err)
	}
	verr := si.schema.Validate(inst)
	if verr == nil {
		return nil, nil
	}
	ve, ok := verr.(*jsonschema.ValidationError)
	if !ok {
		return nil, fmt.Errorf("plan: validate: %w", verr)
	}
	var diags Diagnostics
	seen := map[string]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		_, isNames := e.ErrorKind.(*kind.PropertyNames)
		if len(e.Causes) > 0 && !isNames {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		for _, d := range si.describe(e, index) {
			key := d.String()
			if !seen[key] {
				seen[key] = true
				diags = append(diags, d)
			}
		}
	}
	walk(ve)
	return diags, nil
}

func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/" + escapePointer(t))
	}
	return b.String()
}

func (si *schemaIndex) describe(e *jsonschema.ValidationError, index map[string]*node) []Diagnostic {
	ptr := pointer(e.InstanceLocation)
	where := humanPath(ptr, index)
	n := index[ptr]
	at := func(p pos, code, msg, hint string) Diagnostic {
		return Diagnostic{File: p.File, Line: p.Line, Column: p.Column, Severity: SeverityError, Code: code, Message: msg, Hint: hint, Path: ptr}
	}
	valuePos := pos{}
	if n != nil {
		valuePos = n.pos
	}
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		allowed := si.propertiesAt(e.SchemaURL)
		var out []Diagnostic
		for _, prop := range k.Properties {
			p := valuePos
			if c := index[ptr+"/"+escapePointer(prop)]; c != nil {
				p = c.keyPos
			}
			out = append(out, at(p, "unknown-key", fmt.Sprintf("unknown key %q in %s", prop, where), didYouMean(prop, allowed, "valid keys: ")))
		}
		return out
	case *kind.PropertyNames:
		p := valuePos
		if c := index[ptr+"/"+escapePointer(k.Property)]; c != nil {
			p = c.keyPos
		}
		allowed := si.enumAt(e.SchemaURL)
		if len(allowed) > 0 {
			return []Diagnostic{at(p, "unknown-key", fmt.Sprintf("unknown key %q in %s", k.Property, where), didYouMean(k.Property, allowed, "valid keys: "))}
		}
		return []Diagnostic{at(p, "invalid-key", fmt.Sprintf("invalid key %q in %s", k.Property, where), si.descriptionAt(e.SchemaURL))}
	case *kind.Required:
		var out []Diagnostic
		for _, m := range k.Missing {
			p := valuePos
			if n != nil && n.keyPos.Line > 0 {
				p = n.keyPos
			}
			out = append(out, at(p, "missing-key", fmt.Sprintf("%s: missing required key %q", where, m), ""))
		}
		return out
	case *kind.Type:
		return []Diagnostic{at(valuePos, "wrong-type", fmt.Sprintf("%s: expected %s, got %s", where, strings.Join(k.Want, " or "), k.Got), "")}
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		return []Diagnostic{at(valuePos, "invalid-value", fmt.Sprintf("%s: %v is not allowed", where, k.Got), didYouMean(fmt.Sprint(k.Got), want, "one of: "))}
	case *kind.Const:
		return []Diagnostic{at(valuePos, "invalid-value", fmt.Sprintf("%s: must be %v, got %v", where, k.Want, k.Got), "")}
	case *kind.Minimum, *kind.Maximum:
		lo, hi := si.rangeAt(e.SchemaURL)
		return []Diagnostic{at(valuePos, "out-of-range", fmt.Sprintf("%s: %v is out of range %s–%s", where, scalarText(n), lo, hi), si.descriptionAt(e.SchemaURL))}
	case *kind.Pattern:
		return []Diagnostic{at(valuePos, "invalid-format", fmt.Sprintf("%s: %q has the wrong format", where, k.Got), si.formatHint(e.SchemaURL))}
	case *kind.MinItems:
		return []Diagnostic{at(valuePos, "too-few", fmt.Sprintf("%s: needs at least %d item(s)", where, k.Want), "")}
	case *kind.MinLength:
		return []Diagnostic{at(valuePos, "empty", fmt.Sprintf("%s: must not be empty", where), "")}
	default:
		return []Diagnostic{at(valuePos, "invalid", fmt.Sprintf("%s: %s", where, e.ErrorKind.LocalizedString(printer)), "")}
	}
}

func scalarText(n *node) string {
	if n == nil || n.kind != kindScalar {
		return "value"
	}
	return fmt.Sprint(n.value)
}

// lookup resolves a schema URL fragment (…#/$defs/x/properties/y) in the raw schema.
func (si *schemaIndex) lookup(url string) map[string]any {
	_, frag, _ := strings.Cut(url, "#")
	var cur any = si.raw
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			cur = v[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	m, _ := cur.(map[string]any)
	return si.deref(m, 0)
}

func (si *schemaIndex) deref(m map[string]any, depth int) map[string]any {
	if ref, ok := m["$ref"].(string); ok && depth < 8 {
		return si.deref(si.lookup("#"+strings.TrimPrefix(ref, "#")), depth+1)
	}
	return m
}

// trimKeyword drops the failing keyword from a schema URL so the URL names
// the schema object that holds it.
func trimKeyword(url, keyword string) string {
	return strings.TrimSuffix(url, "/"+keyword)
}

func (si *schemaIndex) propertiesAt(url string) []string {
	m := si.lookup(trimKeyword(url, "additionalProperties"))
	props, _ := m["properties"].(map[string]any)
	out := make([]string, 0, len(props))
	for k := range props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (si *schemaIndex) enumAt(url string) []string {
	m := si.lookup(url)
	var out []string
	if e, ok := m["enum"].([]any); ok {
		for _, v := range e {
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}

func (si *schemaIndex) descriptionAt(url string) string {
	for _, kw := range []string{"minimum", "maximum", "pattern", "propertyNames"} {
		url = trimKeyword(url, kw)
	}
	m := si.lookup(url)
	s, _ := m["description"].(string)
	return s
}

func (si *schemaIndex) rangeAt(url string) (string, string) {
	for _, kw := range []string{"minimum", "maximum"} {
		url = trimKeyword(url, kw)
	}
	m := si.lookup(url)
	return fmt.Sprint(m["minimum"]), fmt.Sprint(m["maximum"])
}

func (si *schemaIndex) formatHint(url string) string {
	if d := si.descriptionAt(url); d != "" {
		return d
	}
	m := si.lookup(trimKeyword(url, "pattern"))
	if p, ok := m["pattern"].(string); ok {
		return "expected pattern " + p
	}
	return ""
}

// humanPath renders a JSON pointer as scenarios[whatsapp-outage].probability,
// using item ids where the items have one.
func humanPath(ptr string, index map[string]*node) string {
	if ptr == "" {
		return "plan"
	}
	var b strings.Builder
	cur := ""
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		parent := index[cur]
		cur += "/" + tok
		if parent != nil && parent.kind == kindList {
			label := tok
			if n := index[cur]; n != nil && n.kind == kindMap {
				if id := n.fields["id"]; id != nil && id.kind == kindScalar {
					label = fmt.Sprint(id.value)
				}
			}
			b.WriteString("[" + label + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~"))
	}
	return b.String()
}
