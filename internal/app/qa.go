package app

import (
	"log/slog"
	"sync"

	"github.com/vigie-hq/vigie/internal/listen"
	"github.com/vigie-hq/vigie/internal/qa"
)

// lazyFlagger loads the language engine (3 MB of models, tens of MB of
// heap) when the first Q&A question arrives rather than at every start:
// most processes never run a Q&A session.
type lazyFlagger struct {
	logger *slog.Logger
	once   sync.Once
	f      *qa.ListenFlagger
}

// Flag implements qa.Flagger. If the models cannot be loaded nothing is
// held back automatically; moderators still review every question.
func (l *lazyFlagger) Flag(text string) (string, bool) {
	l.once.Do(func() {
		e, err := listen.Load()
		if err != nil {
			l.logger.Error("Q&A: the language engine could not be loaded; questions are not pre-flagged", "err", err)
			return
		}
		l.f = qa.NewListenFlagger(e)
	})
	if l.f == nil {
		return "", false
	}
	return l.f.Flag(text)
}
