package web

import (
	"embed"
	"html/template"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

// parseTemplates parses every page once; they are read-only afterwards.
func parseTemplates() (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{
		"join": strings.Join,
		"mul":  func(a, b int) int { return a * b },
		// approvers reads a rule's count as the domain does: 0 means 1.
		"approvers": func(n int) int { return max(n, 1) },
	}).ParseFS(templateFS, "templates/*.html")
}

// Impacts are the matrix columns.
func (planView) Impacts() []int { return []int{1, 2, 3, 4, 5} }
