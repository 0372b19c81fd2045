package qa_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/qa"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// timeline records signals; incident 7 is open, 8 is resolved.
type timeline struct {
	mu      sync.Mutex
	signals []map[string]any
}

func (tl *timeline) Get(_ context.Context, id int64) (incident.Incident, error) {
	switch id {
	case 7:
		return incident.Incident{ID: 7, State: incident.Investigating}, nil
	case 8:
		return incident.Incident{ID: 8, State: incident.Resolved}, nil
	}
	return incident.Incident{}, incident.ErrNotFound
}

func (tl *timeline) RecordSignal(_ context.Context, id int64, source string, payload map[string]any) (incident.Event, error) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	payload["source"], payload["incident_id"] = source, id
	tl.signals = append(tl.signals, payload)
	return incident.Event{}, nil
}

func (tl *timeline) actions() []string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var out []string
	for _, s := range tl.signals {
		out = append(out, s["action"].(string))
	}
	return out
}

// mirror records what would go to the social accounts.
type mirror struct {
	mu    sync.Mutex
	posts []string
	fail  error
}

func (m *mirror) Mirror(_ context.Context, incidentID int64, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.posts = append(m.posts, text)
	return nil
}

// flagger holds back anything containing "vermine".
type flagger struct{}

func (flagger) Flag(text string) (string, bool) {
	if strings.Contains(text, "vermine") {
		return "do_not_engage: hateful", true
	}
	return "", false
}

type bundle struct {
	svc      *qa.Service
	clock    *clock
	timeline *timeline
	mirror   *mirror
	plan     *plan.Plan
}

func cafeExpress(t testing.TB) *plan.Plan {
	t.Helper()
	p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func setup(t *testing.T, db *store.DB) *bundle {
	t.Helper()
	b := &bundle{clock: &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}, timeline: &timeline{}, mirror: &mirror{}, plan: cafeExpress(t)}
	b.svc = qa.NewService(db, qa.Options{Plan: func() *plan.Plan { return b.plan }, Timeline: b.timeline, Mirror: b.mirror, Flagger: flagger{}, Now: b.clock.Now})
	return b
}

var (
	marie = incident.Actor{Username: "marie", Person: "marie", Role: "commander"}
	karim = incident.Actor{Username: "karim", Person: "karim", Role: "communication"}
	lea   = incident.Actor{Username: "lea", Person: "lea", Role: "responder"}
	hugo  = incident.Actor{Username: "hugo", Person: "hugo", Role: "responder"} // media_watch in the plan
	sofia = incident.Actor{Username: "sofia", Person: "sofia", Role: "responder"}
)

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestSessionLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		b := setup(t, db)
		if _, err := b.svc.Current(ctx); !qa.IsNotFound(err) {
			t.Fatalf("Current without session: %v", err)
		}
		if _, err := b.svc.OpenSession(ctx, lea, qa.SessionInput{Title: "x", Answerer: "lea"}); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("a responder opened a session: %v", err)
		}
		if _, err := b.svc.OpenSession(ctx, karim, qa.SessionInput{IncidentID: 8, Title: "x", Answerer: "lea"}); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("session on a resolved incident: %v", err)
		}
		if _, err := b.svc.OpenSession(ctx, karim, qa.SessionInput{Title: "x", Answerer: "nobody"}); incident.CodeOf(err) != incident.CodeInvalid {
			t.Fatalf("unknown answerer: %v", err)
		}
		sess := must[qa.Session](t)(b.svc.OpenSession(ctx, karim, qa.SessionInput{IncidentID: 7, Title: "Panne WhatsApp : vos questions", Answerer: "lea"}))
		if _, err := b.svc.OpenSession(ctx, marie, qa.SessionInput{Title: "second", Answerer: "lea"}); incident.CodeOf(err) != incident.CodeConflict {
			t.Fatalf("second open session: %v", err)
		}
		cur := must[qa.Session](t)(b.svc.Current(ctx))
		if cur.ID != sess.ID || cur.IncidentID != 7 || cur.Answerer != "lea" || cur.State != qa.SessionOpen || !cur.OpenedAt.Equal(b.clock.Now()) {
			t.Fatalf("current session %+v", cur)
		}
		q := must[qa.Question](t)(b.svc.Ask(ctx, qa.AskInput{SessionID: sess.ID, Text: "Quand WhatsApp revient-il ?", Lang: "fr", Client: "c1"}))
		must[qa.Question](t)(b.svc.Ask(ctx, qa.AskInput{SessionID: sess.ID, Text: "Et mes commandes ?", Lang: "fr", Client: "c2"}))
		if err := b.svc.Publish(ctx, hugo, q.ID); err != nil {
			t.Fatal(err)
		}
		must[int](t)(b.svc.Vote(ctx, q.ID, "c3"))
		if err := b.svc.CloseSession(ctx, karim, sess.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Current(ctx); !qa.IsNotFound(err) {
			t.Fatalf("Current after close: %v", err)
		}
		// Closing forgets the client keys and votes, keeps the counts.
		var keys, votes int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM qa_questions WHERE client_key <> ''`).Scan(&keys); err != nil {
			t.Fatal(err)
		}
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM qa_votes`).Scan(&votes); err != nil {
			t.Fatal(err)
		}
		if got := must[qa.Question](t)(b.svc.Question(ctx, q.ID)); keys != 0 || votes != 0 || got.Votes != 1 {
			t.Fatalf("after close: %d client keys, %d votes, question %+v", keys, votes, got)
		}
		if _, err := b.svc.Ask(ctx, qa.AskInput{SessionID: sess.ID, Text: "trop tard ?", Lang: "fr", Client: "c1"}); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("question in a closed session: %v", err)
		}
		// A new session may open now.
		must[qa.Session](t)(b.svc.OpenSession(ctx, marie, qa.SessionInput{Title: "Standalone", Answerer: "julien"}))
		if got, want := strings.Join(b.timeline.actions(), ","), "session_opened,published,session_closed"; got != want {
			t.Fatalf("timeline %s, want %s", got, want)
		}
	})
}

func TestRateLimitsAndOneVotePerClient(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		b := setup(t, db)
		sess := must[qa.Session](t)(b.svc.OpenSession(ctx, karim, qa.SessionInput{Title: "Q&A", Answerer: "lea"}))
		ask := func(client, text string) (qa.Question, error) {
			return b.svc.Ask(ctx, qa.AskInput{SessionID: sess.ID, Text: text, Lang: "fr", Client: client})
		}
		var ids []int64
		for i := range 3 {
			q := must[qa.Question](t)(ask("alice", "question "+string(rune('a'+i))))
			ids = append(ids, q.ID)
		}
		if _, err := ask("alice", "une de trop"); !errors.Is(err, qa.ErrLimited) {
			t.Fatalf("4th question within 10 min: %v", err)
		}
		must[qa.Question](t)(ask("bob", "bob a le droit"))
		b.clock.Add(10*time.Minute + time.Second)
		must[qa.Question](t)(ask("alice", "de nouveau permis"))
		if _, err := ask("alice", strings.Repeat("é", qa.MaxQuestion+1)); incident.CodeOf(err) != incident.CodeInvalid {
			t.Fatalf("too long: %v", err)
		}
		if _, err := ask("carol", "  \n "); incident.CodeOf(err) != incident.CodeInvalid {
			t.Fatalf("empty: %v", err)
		}
		must[qa.Question](t)(ask("carol", strings.Repeat("é", qa.MaxQuestion)))

		// Votes: pending questions cannot be voted for.
		if _, err := b.svc.Vote(ctx, ids[0], "bob"); !qa.IsNotFound(err) {
			t.Fatalf("vote for a pending question: %v", err)
		}
		for _, id := range ids {
			if err := b.svc.Publish(ctx, karim, id); err != nil {
				t.Fatal(err)
			}
		}
		if n := must[int](t)(b.svc.Vote(ctx, ids[0], "bob")); n != 1 {
			t.Fatalf("votes = %d", n)
		}
		if _, err := b.svc.Vote(ctx, ids[0], "bob"); !errors.Is(err, qa.ErrAlreadyVoted) {
			t.Fatalf("second vote by bob: %v", err)
		}
		if n := must[int](t)(b.svc.Vote(ctx, ids[0], "dave")); n != 2 {
			t.Fatalf("votes = %d", n)
		}
		// 30 votes per 10 minutes per client: seed 28 more from "eve" on
		// other questions' rows directly would skip the rules, so publish
		// enough questions instead.
		var many []int64
		for i := range 30 {
			q := must[qa.Question](t)(ask(strings.Repeat("x", i+1), "q"))
			if err := b.svc.Publish(ctx, karim, q.ID); err != nil {
				t.Fatal(err)
			}
			many = append(many, q.ID)
		}
		for _, id := range many {
			must[int](t)(b.svc.Vote(ctx, id, "eve"))
		}
		if _, err := b.svc.Vote(ctx, ids[1], "eve"); !errors.Is(err, qa.ErrLimited) {
			t.Fatalf("31st vote: %v", err)
		}
		b.clock.Add(11 * time.Minute)
		must[int](t)(b.svc.Vote(ctx, ids[1], "eve"))
		// Public order: unanswered by votes, then answered first once
		// answered.
		pub := must[[]qa.Question](t)(b.svc.Public(ctx, sess.ID))
		if pub[0].ID != ids[0] || pub[0].Votes != 2 {
			t.Fatalf("most voted first: %+v", pub[0])
		}
		if err := b.svc.Answer(ctx, lea, ids[2], "Réponse."); err != nil {
			t.Fatal(err)
		}
		b.clock.Add(time.Minute)
		if err := b.svc.Answer(ctx, lea, ids[1], "Autre réponse."); err != nil {
			t.Fatal(err)
		}
		pub = must[[]qa.Question](t)(b.svc.Public(ctx, sess.ID))
		if pub[0].ID != ids[1] || pub[1].ID != ids[2] || pub[2].ID != ids[0] {
			t.Fatalf("order: %d %d %d, want %d %d %d", pub[0].ID, pub[1].ID, pub[2].ID, ids[1], ids[2], ids[0])
		}
	})
}

func TestHiddenQuestionsNeverShownNorAnswered(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		b := setup(t, db)
		sess := must[qa.Session](t)(b.svc.OpenSession(ctx, karim, qa.SessionInput{IncidentID: 7, Title: "Q&A", Answerer: "lea"}))
		ask := func(text string) qa.Question {
			return must[qa.Question](t)(b.svc.Ask(ctx, qa.AskInput{SessionID: sess.ID, Text: text, Lang: "fr", Client: text}))
		}
		flagged := ask("les immigrés sont de la vermine")
		if flagged.State != qa.Hidden || flagged.Flag == "" {
			t.Fatalf("flagged question %+v", flagged)
		}
		pending := ask("Quand est-ce que ça remarche ?")
		hidden := ask("Vous êtes des clowns ?")
		if err := b.svc.Publish(ctx, karim, flagged.ID); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("publish a flagged question: %v", err)
		}
		if err := b.svc.Publish(ctx, sofia, pending.ID); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("customer service moderated: %v", err)
		}
		if err := b.svc.Hide(ctx, hugo, hidden.ID, "provocation"); err != nil {
			t.Fatal(err)
		}
		if err := b.svc.Publish(ctx, karim, hidden.ID); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("publish a hidden question: %v", err)
		}
		for _, q := range []qa.Question{flagged, hidden, pending} {
			err := b.svc.Answer(ctx, lea, q.ID, "réponse")
			if incident.CodeOf(err) != incident.CodeTransition {
				t.Fatalf("answer to %s question %d: %v", q.State, q.ID, err)
			}
			if _, err := b.svc.Vote(ctx, q.ID, "v"); err == nil {
				t.Fatalf("vote for question %d", q.ID)
			}
		}
		if pub := must[[]qa.Question](t)(b.svc.Public(ctx, sess.ID)); len(pub) != 0 {
			t.Fatalf("public list %+v", pub)
		}
		// Hiding a published, answered question takes it and its answer
		// off the page; it cannot be answered again.
		if err := b.svc.Publish(ctx, karim, pending.ID); err != nil {
			t.Fatal(err)
		}
		if err := b.svc.Answer(ctx, karim, pending.ID, "no"); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("communication answered in Léa's place: %v", err)
		}
		if err := b.svc.Answer(ctx, lea, pending.ID, "Dans la soirée."); err != nil {
			t.Fatal(err)
		}
		if pub := must[[]qa.Question](t)(b.svc.Public(ctx, sess.ID)); len(pub) != 1 || pub[0].Answer != "Dans la soirée." {
			t.Fatalf("public list %+v", pub)
		}
		if err := b.svc.Hide(ctx, karim, pending.ID, ""); err != nil {
			t.Fatal(err)
		}
		if pub := must[[]qa.Question](t)(b.svc.Public(ctx, sess.ID)); len(pub) != 0 {
			t.Fatalf("public list after hiding %+v", pub)
		}
		if err := b.svc.Answer(ctx, marie, pending.ID, "encore"); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("answer after hiding: %v", err)
		}
		queue := must[[]qa.Question](t)(b.svc.Queue(ctx, sess.ID))
		if len(queue) != 3 || queue[0].Flag == "" || queue[2].Flag != "moderator: provocation" {
			t.Fatalf("moderation queue %+v", queue)
		}
		for _, s := range b.timeline.signals {
			if strings.Contains(s["text"].(string), "vermine") || strings.Contains(s["text"].(string), "clowns") {
				t.Fatalf("hidden text on the timeline: %v", s)
			}
		}
	})
}

func TestMirrorAndFAQ(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		b := setup(t, db)
		sess := must[qa.Session](t)(b.svc.OpenSession(ctx, karim, qa.SessionInput{IncidentID: 7, Title: "Q&A", Answerer: "lea"}))
		q := must[qa.Question](t)(b.svc.Ask(ctx, qa.AskInput{SessionID: sess.ID, Text: "Mes commandes sont-elles perdues ?", Lang: "fr", Client: "c"}))
		if err := b.svc.MirrorQuestion(ctx, karim, q.ID); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("mirror a pending question: %v", err)
		}
		if _, err := b.svc.ProposeFAQ(ctx, karim, q.ID); incident.CodeOf(err) != incident.CodeTransition {
			t.Fatalf("FAQ from an unanswered question: %v", err)
		}
		if err := b.svc.Publish(ctx, karim, q.ID); err != nil {
			t.Fatal(err)
		}
		if err := b.svc.Answer(ctx, lea, q.ID, "Non : suivez-les sur {{.Continuity.TrackingURL}} \"ici\"."); err != nil {
			t.Fatal(err)
		}
		if err := b.svc.MirrorQuestion(ctx, lea, q.ID); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("responder mirrored: %v", err)
		}
		b.mirror.fail = errors.New("x is down")
		if err := b.svc.MirrorQuestion(ctx, karim, q.ID); err == nil {
			t.Fatal("mirror failure not reported")
		}
		b.mirror.fail = nil
		if err := b.svc.MirrorQuestion(ctx, karim, q.ID); err != nil {
			t.Fatalf("mirror after a failure: %v", err)
		}
		if err := b.svc.MirrorQuestion(ctx, karim, q.ID); incident.CodeOf(err) != incident.CodeConflict {
			t.Fatalf("second mirror: %v", err)
		}
		if len(b.mirror.posts) != 1 || !strings.Contains(b.mirror.posts[0], "Léa") || !strings.Contains(b.mirror.posts[0], "équipe technique") || !strings.Contains(b.mirror.posts[0], "perdues") {
			t.Fatalf("mirrored %q", b.mirror.posts)
		}
		d := must[qa.FAQDraft](t)(b.svc.ProposeFAQ(ctx, lea, q.ID))
		if _, err := b.svc.ProposeFAQ(ctx, karim, q.ID); incident.CodeOf(err) != incident.CodeConflict {
			t.Fatalf("second proposal: %v", err)
		}
		if err := b.svc.DecideFAQ(ctx, lea, d.ID, true); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("responder approved: %v", err)
		}
		if err := b.svc.DecideFAQ(ctx, karim, d.ID, false); err != nil {
			t.Fatal(err)
		}
		d = must[qa.FAQDraft](t)(b.svc.ProposeFAQ(ctx, karim, q.ID))
		if err := b.svc.DecideFAQ(ctx, karim, d.ID, true); incident.CodeOf(err) != incident.CodeForbidden {
			t.Fatalf("author approved their own draft: %v", err)
		}
		if err := b.svc.DecideFAQ(ctx, marie, d.ID, true); err != nil {
			t.Fatal(err)
		}
		approved := must[[]qa.FAQDraft](t)(b.svc.FAQDrafts(ctx, qa.FAQApproved))
		if len(approved) != 1 || approved[0].DecidedBy != "marie" || approved[0].Lang != "fr" {
			t.Fatalf("approved %+v", approved)
		}
		// The export is valid YAML that reads back as the plan's FAQ
		// entries, with the template braces escaped.
		out := qa.FAQYAML(approved)
		js, err := yaml.YAMLToJSON([]byte(out))
		if err != nil {
			t.Fatalf("export is not YAML: %v\n%s", err, out)
		}
		var doc struct {
			FAQ []plan.FAQEntry `json:"faq"`
		}
		if err := json.Unmarshal(js, &doc); err != nil || len(doc.FAQ) != 1 {
			t.Fatalf("export %s: %v", js, err)
		}
		e := doc.FAQ[0]
		if e.Questions["fr"][0] != "Mes commandes sont-elles perdues ?" || e.Answer["fr"] != `Non : suivez-les sur {{"{{"}}.Continuity.TrackingURL}} "ici".` {
			t.Fatalf("entry %+v", e)
		}
		want := "session_opened,published,answered,mirrored,faq_proposed,faq_rejected,faq_proposed,faq_approved"
		if got := strings.Join(b.timeline.actions(), ","); got != want {
			t.Fatalf("timeline %s\nwant     %s", got, want)
		}
	})
}

func TestMirrorNeedsAnIncident(t *testing.T) {
	db := storetest.OpenSQLite(t, true)
	ctx := t.Context()
	b := setup(t, db)
	sess := must[qa.Session](t)(b.svc.OpenSession(ctx, karim, qa.SessionInput{Title: "Standalone", Answerer: "lea"}))
	q := must[qa.Question](t)(b.svc.Ask(ctx, qa.AskInput{SessionID: sess.ID, Text: "Question ?", Lang: "en", Client: "c"}))
	_ = b.svc.Publish(ctx, karim, q.ID)
	_ = b.svc.Answer(ctx, lea, q.ID, "Answer.")
	if err := b.svc.MirrorQuestion(ctx, karim, q.ID); incident.CodeOf(err) != incident.CodeInvalid {
		t.Fatalf("mirror of a standalone session: %v", err)
	}
	if len(b.timeline.signals) != 0 {
		t.Fatalf("standalone session on a timeline: %v", b.timeline.signals)
	}
}
