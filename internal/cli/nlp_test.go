package cli

import (
	"context"
	"strings"
	"testing"
)

func runNLP(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	env, out, errw := testEnv(nil)
	env.Stdin = strings.NewReader(stdin)
	code := Run(context.Background(), args, env)
	return code, out.String(), errw.String()
}

func TestNLPClassifyContract(t *testing.T) {
	in := "#WhatsAppDown ça marche plus !!!\nWhatsApp was hacked, all your messages leaked\r\n\nta gueule connard\nlast line without newline"
	code, out, errw := runNLP(t, in, "nlp", "classify", "--task", "reply-policy")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errw)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d output lines for 5 input lines:\n%s", len(lines), out)
	}
	want := []string{"answer", "correct_rumour", "", "do_not_engage", ""}
	for i, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 3 {
			t.Fatalf("line %d: %d fields: %q", i+1, len(f), l)
		}
		if want[i] != "" && f[0] != want[i] {
			t.Errorf("line %d: label %s, want %s (%s)", i+1, f[0], want[i], f[2])
		}
	}
}

func TestNLPClassifyTasks(t *testing.T) {
	tests := []struct {
		task, lang, in, want string
	}{
		{"lang", "auto", "ça marche plus", "fr"},
		{"sentiment", "fr", "pas mal du tout", "positive"},
		{"sentiment", "en", "not bad", "positive"},
		{"abuse", "auto", "c'est abusé", "ok"},
		{"rumour", "auto", "Café Express a fait faillite", "rumour"},
	}
	for _, tt := range tests {
		code, out, errw := runNLP(t, tt.in+"\n", "nlp", "classify", "--task", tt.task, "--lang", tt.lang)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.task, code, errw)
		}
		if got := strings.SplitN(out, "\t", 2)[0]; got != tt.want {
			t.Errorf("%s %q: %s, want %s", tt.task, tt.in, strings.TrimSpace(out), tt.want)
		}
	}
}

func TestNLPUsageErrors(t *testing.T) {
	if code, _, _ := runNLP(t, "", "nlp", "classify", "--task", "emotion"); code != 2 {
		t.Errorf("unknown task: exit %d, want 2", code)
	}
	if code, _, _ := runNLP(t, "", "nlp", "eval", "--task", "rumour", "--data", "builtin"); code != 2 {
		t.Errorf("unsupported eval pair: exit %d, want 2", code)
	}
	if code, _, _ := runNLP(t, "", "nlp", "classify", "--task", "rumour", "--plan", "testdata/nope.yaml"); code != 2 {
		t.Errorf("missing plan: exit %d, want 2", code)
	}
}

func TestNLPEvalBuiltin(t *testing.T) {
	code, out, errw := runNLP(t, "", "nlp", "eval", "--task", "abuse", "--data", "builtin")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errw)
	}
	for _, s := range []string{"abuse fr (built-in holdout cases)", "macro-F1=", "precision=", "recall="} {
		if !strings.Contains(out, s) {
			t.Errorf("eval output lacks %q:\n%s", s, out)
		}
	}
}
