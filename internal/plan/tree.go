package plan

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// pos is a position in a source file.
type pos struct {
	File   string
	Line   int
	Column int
}

type nodeKind int

const (
	kindNull nodeKind = iota
	kindScalar
	kindMap
	kindList
)

// node is a YAML value with the position of the value and of its key.
type node struct {
	kind   nodeKind
	value  any // string, int64, float64, bool for scalars
	keys   []string
	fields map[string]*node
	items  []*node
	pos    pos
	keyPos pos
}

func tokenPos(file string, tk *token.Token) pos {
	if tk == nil || tk.Position == nil {
		return pos{File: file}
	}
	return pos{File: file, Line: tk.Position.Line, Column: tk.Position.Column}
}

// parseYAML parses one YAML document into a node tree. Syntax errors,
// duplicate keys and unsupported constructs become diagnostics.
func parseYAML(file string, data []byte) (*node, Diagnostics) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		d := Diagnostic{File: file, Severity: SeverityError, Code: "yaml-syntax", Message: yamlMessage(err)}
		if strings.Contains(d.Message, "already defined") {
			d.Code, d.Hint = "duplicate-key", "a key may appear once per mapping"
		}
		if te, ok := err.(interface{ GetToken() *token.Token }); ok {
			p := tokenPos(file, te.GetToken())
			d.Line, d.Column = p.Line, p.Column
		}
		return nil, Diagnostics{d}
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return &node{kind: kindMap, fields: map[string]*node{}, pos: pos{File: file, Line: 1, Column: 1}}, nil
	}
	if len(docs) > 1 {
		p := tokenPos(file, docs[1].GetToken())
		return nil, Diagnostics{{File: file, Line: p.Line, Column: p.Column, Severity: SeverityError, Code: "yaml-multi-document",
			Message: "more than one YAML document in a plan file", Hint: "split it into several files in a plan directory"}}
	}
	b := &treeBuilder{file: file, anchors: map[string]*node{}}
	n := b.build(docs[0].Body, 0)
	return n, b.diags
}

// yamlMessage strips the source excerpt the parser appends to its errors.
func yamlMessage(err error) string {
	if e, ok := err.(interface{ GetMessage() string }); ok {
		return e.GetMessage()
	}
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i > 0 {
		msg = msg[:i]
	}
	return msg
}

type treeBuilder struct {
	file    string
	anchors map[string]*node
	diags   Diagnostics
}

const (
	maxDepth = 64
	// maxNodes bounds the expanded plan, so that aliases referring to
	// aliases cannot blow up memory ("billion laughs").
	maxNodes = 200_000
)

func (b *treeBuilder) errorf(p pos, code, hint, format string, args ...any) {
	b.diags = append(b.diags, Diagnostic{File: p.File, Line: p.Line, Column: p.Column, Severity: SeverityError, Code: code, Message: fmt.Sprintf(format, args...), Hint: hint})
}

func (b *treeBuilder) build(n ast.Node, depth int) *node {
	p := tokenPos(b.file, n.GetToken())
	if depth > maxDepth {
		b.errorf(p, "yaml-too-deep", "", "nesting deeper than %d levels", maxDepth)
		return &node{kind: kindNull, pos: p}
	}
	switch v := n.(type) {
	case *ast.NullNode:
		return &node{kind: kindNull, pos: p}
	case *ast.StringNode:
		return &node{kind: kindScalar, value: v.Value, pos: p}
	case *ast.LiteralNode:
		return &node{kind: kindScalar, value: v.Value.Value, pos: tokenPos(b.file, v.Value.GetToken())}
	case *ast.IntegerNode:
		switch i := v.Value.(type) {
		case int64:
			return &node{kind: kindScalar, value: i, pos: p}
		case uint64:
			if i > math.MaxInt64 {
				b.errorf(p, "yaml-number", "", "integer %d is too large", i)
				return &node{kind: kindNull, pos: p}
			}
			return &node{kind: kindScalar, value: int64(i), pos: p}
		default:
			return &node{kind: kindScalar, value: v.GetToken().Value, pos: p}
		}
	case *ast.FloatNode:
		return &node{kind: kindScalar, value: v.Value, pos: p}
	case *ast.InfinityNode, *ast.NanNode:
		b.errorf(p, "yaml-number", "", "infinite or NaN numbers are not allowed")
		return &node{kind: kindNull, pos: p}
	case *ast.BoolNode:
		return &node{kind: kindScalar, value: v.Value, pos: p}
	case *ast.TagNode:
		tag := v.Start.Value
		switch tag {
		case "!!str":
			if s, ok := v.Value.(ast.ScalarNode); ok {
				return &node{kind: kindScalar, value: fmt.Sprint(s.GetValue()), pos: p}
			}
		case "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq":
			return b.build(v.Value, depth+1)
		}
		b.errorf(p, "yaml-tag", "remove the tag", "YAML tag %s is not supported in a plan", tag)
		return &node{kind: kindNull, pos: p}
	case *ast.AnchorNode:
		out := b.build(v.Value, depth+1)
		b.anchors[v.Name.GetToken().Value] = out
		return out
	case *ast.AliasNode:
		name := v.Value.GetToken().Value
		target, ok := b.anchors[name]
		if !ok {
			b.errorf(p, "yaml-alias", "define the anchor &"+name+" before using it", "unknown alias *%s", name)
			return &node{kind: kindNull, pos: p}
		}
		return target
	case *ast.MappingNode:
		return b.mapping(v.Values, p, depth)
	case *ast.MappingValueNode:
		return b.mapping([]*ast.MappingValueNode{v}, p, depth)
	case *ast.SequenceNode:
		out := &node{kind: kindList, pos: p}
		for _, item := range v.Values {
			out.items = append(out.items, b.build(item, depth+1))
		}
		return out
	default:
		b.errorf(p, "yaml-unsupported", "", "unsupported YAML construct %s", n.Type())
		return &node{kind: kindNull, pos: p}
	}
}

func (b *treeBuilder) mapping(values []*ast.MappingValueNode, p pos, depth int) *node {
	out := &node{kind: kindMap, fields: map[string]*node{}, pos: p}
	if len(values) > 0 && values[0].Key != nil {
		// Point at the first key rather than at the parser's ':' token.
		out.pos = tokenPos(b.file, values[0].Key.GetToken())
	}
	for _, mv := range values {
		kp := tokenPos(b.file, mv.Key.GetToken())
		if mv.Key.IsMergeKey() {
			src := b.build(mv.Value, depth+1)
			if src.kind != kindMap {
				b.errorf(kp, "yaml-merge", "", "merge key << needs a mapping")
				continue
			}
			for _, k := range src.keys {
				if _, dup := out.fields[k]; !dup {
					out.keys = append(out.keys, k)
					out.fields[k] = src.fields[k]
				}
			}
			continue
		}
		key, ok := scalarKey(mv.Key)
		if !ok {
			b.errorf(kp, "yaml-key", "use a plain string key", "mapping keys must be strings")
			continue
		}
		val := b.build(mv.Value, depth+1)
		if prev, dup := out.fields[key]; dup {
			b.errorf(kp, "duplicate-key", fmt.Sprintf("first defined at line %d", prev.keyPos.Line), "key %q is defined twice", key)
			continue
		}
		v := *val
		v.keyPos = kp
		out.keys = append(out.keys, key)
		out.fields[key] = &v
	}
	return out
}

func scalarKey(k ast.MapKeyNode) (string, bool) {
	switch v := k.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.MappingKeyNode:
		if s, ok := v.Value.(ast.ScalarNode); ok {
			return fmt.Sprint(s.GetValue()), true
		}
		return "", false
	case ast.ScalarNode:
		if v.GetValue() == nil {
			return "", false
		}
		return v.GetToken().Value, true
	}
	return "", false
}

// mergeInto merges src into dst: mappings merge key by key, lists
// concatenate, and a scalar defined in both is an error.
func mergeInto(dst, src *node, path string, diags *Diagnostics) {
	for _, k := range src.keys {
		sv := src.fields[k]
		dv, ok := dst.fields[k]
		if !ok {
			dst.keys = append(dst.keys, k)
			dst.fields[k] = sv
			continue
		}
		switch {
		case dv.kind == kindMap && sv.kind == kindMap:
			mergeInto(dv, sv, path+"/"+k, diags)
		case dv.kind == kindList && sv.kind == kindList:
			dv.items = append(dv.items, sv.items...)
		default:
			*diags = append(*diags, Diagnostic{File: sv.keyPos.File, Line: sv.keyPos.Line, Column: sv.keyPos.Column, Severity: SeverityError,
				Code: "duplicate-key", Message: fmt.Sprintf("%s/%s is already defined in %s:%d", path, k, dv.keyPos.File, dv.keyPos.Line),
				Hint: "define it in one file only"})
		}
	}
}

// toValue converts a node tree into plain Go values for JSON Schema
// validation and decoding, and records the position of every JSON pointer.
func toValue(n *node, ptr string, index map[string]*node) any {
	if len(index) >= maxNodes {
		return nil
	}
	index[ptr] = n
	switch n.kind {
	case kindScalar:
		return n.value
	case kindMap:
		m := make(map[string]any, len(n.keys))
		for _, k := range n.keys {
			m[k] = toValue(n.fields[k], ptr+"/"+escapePointer(k), index)
		}
		return m
	case kindList:
		l := make([]any, len(n.items))
		for i, it := range n.items {
			l[i] = toValue(it, ptr+"/"+strconv.Itoa(i), index)
		}
		return l
	}
	return nil
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
