package qa

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/vigie-hq/vigie/internal/plan"
)

// pageView is what page.html shows.
type pageView struct {
	Lang    string
	Org     string
	W       map[string]string
	Langs   []langLink
	Session *sessionView
	List    listView
	Notice  string
	Error   string
	Form    form
	Max     int
	MaxName int
	// Version is the live version the list was read at, where the live
	// stream resumes.
	Version int64
}

type langLink struct{ Code, Name string }

type sessionView struct {
	ID       int64
	Title    string
	With     string
	Answerer string
}

// listView is the live region: re-rendered and pushed on every change.
type listView struct {
	Lang     string
	W        map[string]string
	Answered []questionView
	Open     []questionView
}

type questionView struct {
	ID         int64
	Text       string
	By         string
	Votes      string
	VoteLabel  string
	Answer     string
	AnswerBy   string
	AnsweredAt string
	ISO        string
}

func (s *Server) view(r *http.Request, lang string) (pageView, error) {
	p := s.o.Plan()
	wd := words(lang)
	v := pageView{Lang: lang, Org: p.Organisation.Name, W: wd, Max: MaxQuestion, MaxName: MaxFirstName, Version: s.o.Service.Version()}
	for _, l := range p.Organisation.Languages {
		if l != lang {
			name := langNames[l]
			if name == "" {
				name = l
			}
			v.Langs = append(v.Langs, langLink{l, name})
		}
	}
	sess, err := s.o.Service.Current(r.Context())
	if errors.Is(err, ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	name := s.o.Service.PersonName(sess.Answerer)
	v.Session = &sessionView{ID: sess.ID, Title: sess.Title, Answerer: name, With: fmt.Sprintf(wd["with"], name, wd["team"])}
	v.List, err = s.list(r.Context(), p, sess, lang)
	return v, err
}

func (s *Server) list(ctx context.Context, p *plan.Plan, sess Session, lang string) (listView, error) {
	wd := words(lang)
	qs, err := s.o.Service.Public(ctx, sess.ID)
	if err != nil {
		return listView{}, err
	}
	loc, err := time.LoadLocation(p.Organisation.Timezone)
	if err != nil {
		loc = time.UTC
	}
	lv := listView{Lang: lang, W: wd}
	for _, q := range qs {
		qv := questionView{ID: q.ID, Text: q.Text, Votes: fmt.Sprintf(wd["votes"], q.Votes), VoteLabel: fmt.Sprintf(wd["vote_label"], q.Text)}
		if q.FirstName != "" {
			qv.By = fmt.Sprintf(wd["by"], q.FirstName)
		}
		if q.Answered() {
			qv.Answer = q.Answer
			qv.AnswerBy = fmt.Sprintf(wd["answer_by"], s.o.Service.PersonName(q.Answerer), wd["team"], q.AnsweredAt.In(loc).Format("15:04"))
			qv.ISO = q.AnsweredAt.UTC().Format(time.RFC3339)
			lv.Answered = append(lv.Answered, qv)
		} else {
			lv.Open = append(lv.Open, qv)
		}
	}
	return lv, nil
}

// renderList renders the live region alone, for live updates.
func (s *Server) renderList(lv listView) (template.HTML, error) {
	var b bytes.Buffer
	if err := s.page.ExecuteTemplate(&b, "list", lv); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}
