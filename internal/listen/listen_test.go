package listen

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/plan"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	engineOnce sync.Once
	engine     *Engine
	engineErr  error
)

// testEngine loads the embedded models once, with the example plan's
// rumour library.
func testEngine(t testing.TB) *Engine {
	t.Helper()
	engineOnce.Do(func() {
		engine, engineErr = Load()
		if engineErr != nil {
			return
		}
		p, _, err := plan.LoadFS(examples.FS, "cafe-express/plan.yaml")
		if err != nil {
			engineErr = err
			return
		}
		engine = engine.WithRumours(Claims(p))
	})
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

func classify(t *testing.T, task Task, text string) Result {
	t.Helper()
	r, err := testEngine(t).NewAnalyzer().Classify(task, text, "auto")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLang(t *testing.T) {
	tests := []struct{ text, want string }{
		{"#WhatsAppDown ça marche plus !!!", "fr"},
		{"Bonjour, vous livrez toujours ce soir ?", "fr"},
		{"ca marche pa depuis ce matin", "fr"},
		{"qd est ce que ca revient", "fr"},
		{"j'arrive pas à envoyer mes messages whatsap", "fr"},
		{"WhatsApp is down again, can't send anything", "en"},
		{"whatsap not working for me either lol", "en"},
		{"are you guys still open today?", "en"},
		{"😡😡😡", "other"},
		{"http://t.co/abc @user", "other"},
		{"WhatsApp no funciona desde esta mañana, qué desastre total", "other"},
		{"Die App funktioniert schon wieder nicht, was ist da los?", "other"},
		{"Почему не работает WhatsApp?", "other"},
		{"واتساب لا يعمل", "other"},
	}
	for _, tt := range tests {
		if got := classify(t, TaskLang, tt.text); got.Label != tt.want {
			t.Errorf("lang(%q) = %s (%.2f, %s), want %s", tt.text, got.Label, got.Score, got.Explanation, tt.want)
		}
	}
}

func TestSentimentTricky(t *testing.T) {
	tests := []struct{ text, want string }{
		// Negation.
		{"pas mal du tout", "positive"},
		{"not bad", "positive"},
		{"ça ne marche plus", "negative"},
		{"ca marche pa", "negative"},
		{"it's not working at all", "negative"},
		// Sarcasm markers.
		{"génial, encore en panne 🙄", "negative"},
		{"great, another outage 🙄", "negative"},
		// Emoji-only.
		{"😡😡😡", "negative"},
		{"😍😍", "positive"},
		// Accented and unaccented, typos, hashtags.
		{"service génial, merci !", "positive"},
		{"service genial, merci !", "positive"},
		{"#WhatsAppDown ça marche plus !!!", "negative"},
		{"whatsap marche pa, c'est nul", "negative"},
		// Mixed French and English.
		{"merci pour le fix, you guys are the best", "positive"},
		{"trop nul ce bug, so annoying", "negative"},
		{"j'adore ce café ❤️", "positive"},
		{"I hate this outage", "negative"},
	}
	for _, tt := range tests {
		if got := classify(t, TaskSentiment, tt.text); got.Label != tt.want {
			t.Errorf("sentiment(%q) = %s (%.2f, %s), want %s", tt.text, got.Label, got.Score, got.Explanation, tt.want)
		}
	}
}

func TestAbuseSuites(t *testing.T) {
	// The HateCheck-style suites must stay at or above 0.80 per language
	// and plain complaints must (almost) never be abusive.
	for _, suite := range []string{"functional", "holdout"} {
		cases := abuseCases(t, suite)
		ok, n := map[string]int{}, map[string]int{}
		for _, c := range cases {
			n[c.Lang]++
			if got := classify(t, TaskAbuse, c.Text); got.Label == c.Label {
				ok[c.Lang]++
			} else {
				t.Logf("%s %s: %q: got %s (%s), want %s", suite, c.Lang, c.Text, got.Label, got.Explanation, c.Label)
			}
		}
		for _, lang := range []string{"fr", "en"} {
			if acc := float64(ok[lang]) / float64(n[lang]); acc < 0.80 {
				t.Errorf("%s %s accuracy %.2f < 0.80", suite, lang, acc)
			}
		}
	}
	bad := 0
	cases := abuseCases(t, "complaints")
	for _, c := range cases {
		if got := classify(t, TaskAbuse, c.Text); got.Label != "ok" {
			bad++
			t.Logf("complaint flagged: %q -> %s (%s)", c.Text, got.Label, got.Explanation)
		}
	}
	if rate := float64(bad) / float64(len(cases)); rate > 0.05 {
		t.Errorf("false abuse on complaints %.3f > 0.05", rate)
	}
}

func TestReplyPolicyCases(t *testing.T) {
	cases := PolicyCases()
	if len(cases) < 30 {
		t.Fatalf("only %d policy cases", len(cases))
	}
	ok := 0
	for _, c := range cases {
		got := classify(t, TaskReplyPolicy, c.Text)
		if got.Label == c.Label {
			ok++
		} else {
			t.Logf("%s: %q: got %s (%s), want %s", c.Lang, c.Text, got.Label, got.Explanation, c.Label)
		}
	}
	if acc := float64(ok) / float64(len(cases)); acc < 0.85 {
		t.Errorf("reply-policy accuracy %.2f < 0.85", acc)
	}
}

func TestRumourLibraryMatch(t *testing.T) {
	tests := []struct{ text, want string }{
		{"WhatsApp a été piraté, tous vos messages ont fuité !!", "whatsapp-hacked"},
		{"whatsap piraté, nos messages ont fuités ?", "whatsapp-hacked"},
		{"I heard Café Express went bankrupt", "closing-down"},
		{"cafe express a fait faillite???", "closing-down"},
	}
	for _, tt := range tests {
		got := classify(t, TaskRumour, tt.text)
		if got.Label != "rumour" || !strings.Contains(got.Explanation, tt.want) {
			t.Errorf("rumour(%q) = %s (%s), want match %s", tt.text, got.Label, got.Explanation, tt.want)
		}
	}
	if got := classify(t, TaskRumour, "le café était bon ce matin"); strings.Contains(got.Explanation, "library") {
		t.Errorf("ordinary post matched the library: %s", got.Explanation)
	}
}

// TestExplanationsGolden pins the one-line explanations of every task.
func TestExplanationsGolden(t *testing.T) {
	posts := []string{
		"#WhatsAppDown ça marche plus !!!",
		"pas mal du tout",
		"génial, encore en panne 🙄",
		"WhatsApp was hacked, all your messages leaked",
		"ta gueule connard",
		"les immigrés sont de la vermine",
		"je vais porter plainte",
		"vous livrez ce soir ?",
		"😡😡😡",
	}
	var b strings.Builder
	a := testEngine(t).NewAnalyzer()
	for _, p := range posts {
		b.WriteString(p + "\n")
		for _, task := range Tasks {
			r, err := a.Classify(task, p, "auto")
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString("  " + string(task) + ": " + r.Label + " | " + r.Explanation + "\n")
		}
	}
	path := filepath.Join("testdata", "explanations.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/listen -run Golden -update)", err)
	}
	if string(want) != b.String() {
		t.Errorf("explanations differ from %s (rerun with -update if intended)\n--- got\n%s--- want\n%s", path, b.String(), want)
	}
}

func TestUnknownTask(t *testing.T) {
	if _, err := testEngine(t).NewAnalyzer().Classify("emotion", "x", "auto"); err == nil {
		t.Fatal("want error for unknown task")
	}
}
