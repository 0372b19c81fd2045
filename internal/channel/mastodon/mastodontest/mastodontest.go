// Package mastodontest is an HTTP double of one account on a Mastodon
// instance, for tests, on loopback. It follows the documented API
// (https://docs.joinmastodon.org/methods/statuses/,
// https://docs.joinmastodon.org/methods/media/,
// https://docs.joinmastodon.org/api/rate-limits/): Bearer user tokens,
// POST /api/v1/statuses as form or JSON with Idempotency-Key
// deduplication, POST /api/v2/media (multipart file + description; 200,
// or 202 then 206 from GET /api/v1/media/:id while processing), DELETE
// /api/v1/statuses/:id, errors as {"error": "..."}, and
// X-RateLimit-Limit/Remaining/Reset (ISO 8601) on every answer.
package mastodontest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Status is a status the double accepted.
type Status struct {
	ID             string
	Text           string
	InReplyToID    string
	Language       string
	Visibility     string
	MediaIDs       []string
	IdempotencyKey string
	Deleted        bool
}

// Media is an uploaded attachment.
type Media struct {
	ID          string
	ContentType string
	Size        int
	Description string
	// pending counts the GETs still answering 206.
	pending int
}

// Failure is a scripted answer for one request.
type Failure struct {
	// Status is the HTTP status: 429 (with Reset), 401, 403, 422, 5xx.
	Status int
	// Reset is X-RateLimit-Reset for a 429.
	Reset time.Time
	// Message replaces the default error text.
	Message string
}

// Server is a fake instance with one account.
type Server struct {
	srv      *httptest.Server
	mu       sync.Mutex
	token    string
	script   []Failure
	statuses []*Status
	byKey    map[string]*Status
	media    map[string]*Media
	polls    int
	requests int
	nextID   int64
}

// Start runs the double for the account whose token is token until t ends.
func Start(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{token: token, byKey: map[string]*Status{}, media: map[string]*Media{}, nextID: 113_000_000_000_000_000}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/statuses", s.postStatus)
	mux.HandleFunc("DELETE /api/v1/statuses/{id}", s.deleteStatus)
	mux.HandleFunc("POST /api/v2/media", s.postMedia)
	mux.HandleFunc("GET /api/v1/media/{id}", s.getMedia)
	s.srv = httptest.NewServer(s.guard(mux))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the instance URL to give the client.
func (s *Server) URL() string { return s.srv.URL }

// FailNext scripts the answers to the next requests, one per request.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	s.script = append(s.script, f...)
	s.mu.Unlock()
}

// Revoke invalidates the token: every request then answers 401.
func (s *Server) Revoke() { s.mu.Lock(); s.token = ""; s.mu.Unlock() }

// ProcessMedia makes later uploads answer 202 and their GET answer 206
// polls times before 200, as for media processed in the background.
func (s *Server) ProcessMedia(polls int) { s.mu.Lock(); s.polls = polls; s.mu.Unlock() }

// Statuses returns the created statuses in order, deleted ones flagged.
func (s *Server) Statuses() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, len(s.statuses))
	for i, st := range s.statuses {
		out[i] = *st
	}
	return out
}

// Media returns the uploaded attachment id.
func (s *Server) Media(id string) (Media, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[id]
	if !ok {
		return Media{}, false
	}
	return *m, true
}

// Requests counts every request received.
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.requests }

// guard counts requests, sets the rate-limit headers, plays scripted
// failures and checks the Bearer token.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		remaining := max(0, 300-s.requests)
		var f *Failure
		if len(s.script) > 0 {
			f = &s.script[0]
			s.script = s.script[1:]
		}
		token := s.token
		s.mu.Unlock()
		reset := time.Now().UTC().Truncate(5 * time.Minute).Add(5 * time.Minute)
		h := w.Header()
		h.Set("X-RateLimit-Limit", "300")
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-RateLimit-Reset", reset.Format("2006-01-02T15:04:05.000000Z"))
		if f != nil {
			fail(w, *f)
			return
		}
		if token == "" || r.Header.Get("Authorization") != "Bearer "+token {
			apiError(w, http.StatusUnauthorized, "The access token is invalid")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) postStatus(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.Header.Get("Idempotency-Key")
	if st, ok := s.byKey[key]; ok && key != "" {
		// Documented: the same key within an hour returns the status it
		// created instead of a duplicate.
		writeJSON(w, http.StatusOK, s.render(st))
		return
	}
	text, reply := p.get("status"), p.get("in_reply_to_id")
	vis := p.get("visibility")
	if vis == "" {
		vis = "public"
	}
	switch {
	case strings.TrimSpace(text) == "" && len(p["media_ids"]) == 0:
		apiError(w, http.StatusUnprocessableEntity, "Validation failed: Text can't be blank")
		return
	case utf8.RuneCountInString(text) > 500:
		apiError(w, http.StatusUnprocessableEntity, "Validation failed: Text character limit of 500 exceeded")
		return
	case vis != "public" && vis != "unlisted" && vis != "private" && vis != "direct":
		apiError(w, http.StatusUnprocessableEntity, "Validation failed: Visibility is not included in the list")
		return
	case reply != "" && s.find(reply) == nil:
		apiError(w, http.StatusNotFound, "Record not found")
		return
	}
	for _, id := range p["media_ids"] {
		m, ok := s.media[id]
		if !ok {
			apiError(w, http.StatusUnprocessableEntity, "Validation failed: Media attachments are invalid")
			return
		}
		if m.pending > 0 {
			apiError(w, http.StatusUnprocessableEntity, "Cannot attach files that have not finished processing. Try again in a moment!")
			return
		}
	}
	s.nextID++
	st := &Status{ID: strconv.FormatInt(s.nextID, 10), Text: text, InReplyToID: reply, Language: p.get("language"), Visibility: vis, MediaIDs: p["media_ids"], IdempotencyKey: key}
	s.statuses = append(s.statuses, st)
	if key != "" {
		s.byKey[key] = st
	}
	writeJSON(w, http.StatusOK, s.render(st))
}

func (s *Server) deleteStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.find(r.PathValue("id"))
	if st == nil {
		apiError(w, http.StatusNotFound, "Record not found")
		return
	}
	st.Deleted = true
	out := s.render(st)
	out["text"] = st.Text
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) postMedia(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(16 << 20); err != nil {
		apiError(w, http.StatusUnprocessableEntity, "Validation failed: File content type is invalid, File is invalid")
		return
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "Validation failed: File content type is invalid, File is invalid")
		return
	}
	data, _ := io.ReadAll(f)
	ct := fh.Header.Get("Content-Type")
	desc := r.FormValue("description")
	switch {
	case !strings.HasPrefix(ct, "image/") || len(data) == 0:
		apiError(w, http.StatusUnprocessableEntity, "Validation failed: File content type is invalid, File is invalid")
		return
	case utf8.RuneCountInString(desc) > 1500:
		apiError(w, http.StatusUnprocessableEntity, "Validation failed: Description is too long (maximum is 1500 characters)")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	m := &Media{ID: strconv.FormatInt(s.nextID, 10), ContentType: ct, Size: len(data), Description: desc, pending: s.polls}
	s.media[m.ID] = m
	code := http.StatusOK
	if m.pending > 0 {
		code = http.StatusAccepted
	}
	writeJSON(w, code, s.renderMedia(m))
}

func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[r.PathValue("id")]
	switch {
	case !ok:
		apiError(w, http.StatusNotFound, "Record not found")
	case m.pending > 0:
		m.pending--
		w.WriteHeader(http.StatusPartialContent)
	default:
		writeJSON(w, http.StatusOK, s.renderMedia(m))
	}
}

func (s *Server) find(id string) *Status {
	for _, st := range s.statuses {
		if st.ID == id && !st.Deleted {
			return st
		}
	}
	return nil
}

func (s *Server) render(st *Status) map[string]any {
	media := []map[string]any{}
	for _, id := range st.MediaIDs {
		media = append(media, s.renderMedia(s.media[id]))
	}
	var reply any
	if st.InReplyToID != "" {
		reply = st.InReplyToID
	}
	return map[string]any{
		"id": st.ID, "created_at": time.Now().UTC().Format(time.RFC3339), "in_reply_to_id": reply,
		"visibility": st.Visibility, "language": st.Language,
		"uri":     s.srv.URL + "/users/vigie/statuses/" + st.ID,
		"url":     s.srv.URL + "/@vigie/" + st.ID,
		"content": "<p>" + st.Text + "</p>", "media_attachments": media,
	}
}

func (s *Server) renderMedia(m *Media) map[string]any {
	var u any
	if m.pending == 0 {
		u = s.srv.URL + "/system/media_attachments/" + m.ID + ".png"
	}
	return map[string]any{"id": m.ID, "type": "image", "url": u, "preview_url": s.srv.URL + "/system/small/" + m.ID + ".png", "description": m.Description}
}

// params holds form or JSON parameters; arrays keep every value.
type params map[string][]string

func (p params) get(k string) string {
	if v := p[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// readParams reads the form or JSON body, as Mastodon accepts both.
func readParams(r *http.Request) (params, error) {
	out := params{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var m map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				out[k] = []string{v}
			case []any:
				for _, e := range v {
					out[k] = append(out[k], fmt.Sprint(e))
				}
			}
		}
		return out, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, v := range r.PostForm {
		out[strings.TrimSuffix(k, "[]")] = v
	}
	return out, nil
}

func fail(w http.ResponseWriter, f Failure) {
	msg := f.Message
	switch {
	case f.Status == http.StatusTooManyRequests:
		if !f.Reset.IsZero() {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", f.Reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
		}
		if msg == "" {
			msg = "Too many requests"
		}
	case f.Status == http.StatusUnauthorized && msg == "":
		msg = "The access token is invalid"
	case f.Status == http.StatusForbidden && msg == "":
		msg = "This action is outside the authorized scopes"
	case f.Status == http.StatusUnprocessableEntity && msg == "":
		msg = "Validation failed: Text can't be blank"
	case f.Status >= 502:
		// The instance's nginx answers gateway errors in HTML.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><center><h1>%[1]d %[2]s</h1></center><hr><center>nginx</center></body></html>\n", f.Status, http.StatusText(f.Status))
		return
	case msg == "":
		msg = http.StatusText(f.Status)
	}
	apiError(w, f.Status, msg)
}

func apiError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
