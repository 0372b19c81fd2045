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

// pages are parsed once per App; they are read-only afterwards.
func parsePages() (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{
		"text": func(t plan.Text, lang, def string) string { return t.Get(lang, def) },
	}).ParseFS(templateFS, "templates/*.html")
}

// homeView is what the public page shows until incidents exist: the plan's
// components, what customers can do meanwhile, and the FAQ.
type homeView struct {
	Lang, Default string
	Other         string
	Plan          *plan.Plan
	FAQ           []faqItem
}

type faqItem struct{ Question, Answer string }

// faqFor renders the FAQ answers that do not depend on a live incident.
// Answers quoting the live status wait for the status page to know it.
func faqFor(p *plan.Plan, lang string) []faqItem {
	vars := p.SampleVars(nil, lang)
	vars.Status, vars.StatusText, vars.NextUpdate, vars.StartedAt, vars.ResolvedAt, vars.Duration, vars.Voucher = "", "", "", "", "", "", ""
	var out []faqItem
	for _, f := range p.FAQ {
		qs := f.Questions[lang]
		if f.UsesStatus || len(qs) == 0 {
			continue
		}
		t, err := plan.ParseTemplate(f.ID, f.Answer.Get(lang, p.Organisation.DefaultLanguage))
		if err != nil {
			continue
		}
		ans, err := t.Render(vars)
		if err != nil {
			continue
		}
		out = append(out, faqItem{Question: qs[0], Answer: ans})
	}
	return out
}

// pickLang chooses the page language from ?lang= then Accept-Language,
// among the plan's languages.
func pickLang(r *http.Request, p *plan.Plan) string {
	langs := p.Organisation.Languages
	if q := r.URL.Query().Get("lang"); q != "" {
		for _, l := range langs {
			if l == q {
				return l
			}
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		for _, l := range langs {
			if l == base {
				return l
			}
		}
	}
	return p.Organisation.DefaultLanguage
}

func (a *App) handleHome(w http.ResponseWriter, r *http.Request) {
	p := a.Plan()
	lang := pickLang(r, p)
	v := homeView{Lang: lang, Default: p.Organisation.DefaultLanguage, Plan: p, FAQ: faqFor(p, lang)}
	for _, l := range p.Organisation.Languages {
		if l != lang {
			v.Other = l
			break
		}
	}
	w.Header().Set("Vary", "Accept-Language")
	a.render(w, r, http.StatusOK, "home.html", v)
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
