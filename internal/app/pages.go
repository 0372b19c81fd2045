package app

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/vigie-hq/vigie/internal/plan"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are the console's templates, parsed once per App; read-only afterwards.
func parsePages() (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{
		"text": func(t plan.Text, lang, def string) string { return t.Get(lang, def) },
	}).ParseFS(templateFS, "templates/*.html")
}

func (a *App) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	var b strings.Builder
	if err := a.pages.ExecuteTemplate(&b, name, data); err != nil {
		a.logger.Error("render page", "page", name, "path", r.URL.Path, slog.Any("err", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b.String()))
}
