package statuspage

import (
	"context"
	"net/http"
	"strings"
)

// Cards returns the image cards of social posts by name.
type Cards interface {
	Get(ctx context.Context, name string) ([]byte, error)
}

// SetCards serves image cards at /cards/NAME.png or .jpg (call before
// serving); the content type follows the bytes.
func (s *Server) SetCards(c Cards) { s.o.Cards = c }

// handleCard serves an image card: platforms such as Instagram fetch the
// picture of a post from a public URL. Names are SHA-256 digests, so the
// answer never changes and may be cached for good.
func (s *Server) handleCard(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	name, ok := strings.CutSuffix(file, ".png")
	if !ok {
		name, ok = strings.CutSuffix(file, ".jpg")
	}
	if !ok || len(name) != 64 || strings.Trim(name, "0123456789abcdef") != "" || s.o.Cards == nil {
		http.NotFound(w, r)
		return
	}
	png, err := s.o.Cards.Get(r.Context(), name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", http.DetectContentType(png))
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(png)
}
