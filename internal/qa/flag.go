package qa

import (
	"strings"
	"sync"

	"github.com/vigie-hq/vigie/internal/listen"
)

// ListenFlagger flags questions with the language engine's reply policy:
// what the social listening would not engage with (abusive or hateful
// posts, threats) or would ignore (spam) is held back. Questions about
// safety or legal matters are not flagged: moderators see them first
// anyway, and they deserve an answer.
type ListenFlagger struct {
	engine *listen.Engine
	pool   sync.Pool
}

var _ Flagger = (*ListenFlagger)(nil)

// NewListenFlagger returns a Flagger over a loaded engine (listen.Load).
func NewListenFlagger(e *listen.Engine) *ListenFlagger {
	f := &ListenFlagger{engine: e}
	f.pool.New = func() any { return e.NewAnalyzer() }
	return f
}

// Flag reports whether text must be held back, and why.
func (f *ListenFlagger) Flag(text string) (string, bool) {
	a := f.pool.Get().(*listen.Analyzer)
	defer f.pool.Put(a)
	r, err := a.Classify(listen.TaskReplyPolicy, text, "auto")
	if err != nil {
		return "", false
	}
	switch {
	case r.Label == listen.DoNotEngage, r.Label == listen.Ignore,
		r.Label == listen.Escalate && strings.HasPrefix(r.Explanation, "threat:"):
		return r.Label + ": " + r.Explanation, true
	}
	return "", false
}
