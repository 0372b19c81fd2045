// Package facebooktest is an HTTP double of one Facebook Page on the Graph
// API, for tests, on loopback. It follows the documented endpoints
// (https://developers.facebook.com/docs/pages-api/posts,
// https://developers.facebook.com/docs/graph-api/reference/page/photos,
// https://developers.facebook.com/docs/graph-api/guides/error-handling):
// a Page access token as a Bearer header, POST /{version}/{page-id}/feed
// (form: message, link) answering {"id": "pageid_postid"}, POST
// /{version}/{page-id}/photos (multipart: source, caption, published,
// alt_text_custom) answering {"id", "post_id"}, DELETE
// /{version}/{post-id} answering {"success": true}, and errors as the
// Graph error object {"error": {"message", "type", "code",
// "error_subcode", "fbtrace_id"}}.
package facebooktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Post is a post the double accepted.
type Post struct {
	ID      string
	Message string
	Link    string
	// Photo is set for a photo post.
	Photo *Photo
	// Deleted is set once the post was deleted.
	Deleted bool
}

// Photo is an uploaded photo.
type Photo struct {
	ID          string
	ContentType string
	Size        int
	Alt         string
	Published   string
}

// Failure is a scripted Graph error for one request.
type Failure struct {
	// Status is the HTTP status (Graph answers most errors with 400, 403
	// for some permissions, 500 for codes 1 and 2).
	Status  int
	Code    int
	Subcode int
	Message string
	// Transient sets is_transient.
	Transient bool
	// Header holds extra answer headers (X-Business-Use-Case-Usage,
	// X-Page-Usage, X-App-Usage, Retry-After).
	Header http.Header
}

// Server is a fake Graph API with one Page.
type Server struct {
	srv      *httptest.Server
	mu       sync.Mutex
	pageID   string
	version  string
	token    string
	script   []Failure
	posts    []*Post
	requests int
	nextID   int64
}

// Start runs the double for the Page pageID, API version (as "v25.0")
// and Page token until t ends.
func Start(t testing.TB, pageID, version, token string) *Server {
	t.Helper()
	s := &Server{pageID: pageID, version: version, token: token, nextID: 1_000_000_000}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{version}/{page}/feed", s.postFeed)
	mux.HandleFunc("POST /{version}/{page}/photos", s.postPhoto)
	mux.HandleFunc("DELETE /{version}/{id}", s.deletePost)
	s.srv = httptest.NewServer(s.guard(mux))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the Graph API base URL to give the client.
func (s *Server) URL() string { return s.srv.URL }

// FailNext scripts the answers to the next requests, one per request.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	s.script = append(s.script, f...)
	s.mu.Unlock()
}

// Expire makes the token expired: every request then answers error 190
// subcode 463, as Meta does.
func (s *Server) Expire() { s.mu.Lock(); s.token = ""; s.mu.Unlock() }

// Posts returns the created posts in order, deleted ones flagged.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Post, len(s.posts))
	for i, p := range s.posts {
		out[i] = *p
		if p.Photo != nil {
			ph := *p.Photo
			out[i].Photo = &ph
		}
	}
	return out
}

// Requests counts every request received.
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.requests }

func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		var f *Failure
		if len(s.script) > 0 {
			f = &s.script[0]
			s.script = s.script[1:]
		}
		token := s.token
		s.mu.Unlock()
		w.Header().Set("X-App-Usage", `{"call_count":1,"total_cputime":1,"total_time":1}`)
		switch {
		case f != nil:
			for k, v := range f.Header {
				w.Header()[k] = v
			}
			status := f.Status
			if status == 0 {
				status = http.StatusBadRequest
			}
			graphError(w, status, f.Code, f.Subcode, f.Message, f.Transient)
		case r.URL.Query().Has("access_token"):
			// Meta accepts it, but a token in a URL ends up in logs.
			graphError(w, http.StatusBadRequest, 100, 0, "test double: send the token in the Authorization header", false)
		case token == "":
			graphError(w, http.StatusBadRequest, 190, 463, "Error validating access token: Session has expired.", false)
		case r.Header.Get("Authorization") != "Bearer "+token:
			graphError(w, http.StatusBadRequest, 190, 467, "Invalid OAuth access token - Cannot parse access token", false)
		case !strings.HasPrefix(r.URL.Path, "/"+s.version+"/"):
			graphError(w, http.StatusBadRequest, 2635, 0, "Unknown API version", false)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (s *Server) postFeed(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("page") != s.pageID {
		graphError(w, http.StatusBadRequest, 100, 33, "Unsupported post request. Object does not exist", false)
		return
	}
	if err := r.ParseForm(); err != nil {
		graphError(w, http.StatusBadRequest, 100, 0, "Invalid parameter", false)
		return
	}
	msg, link := r.PostForm.Get("message"), r.PostForm.Get("link")
	if strings.TrimSpace(msg) == "" && link == "" {
		graphError(w, http.StatusBadRequest, 100, 0, "(#100) Missing message or attachment", false)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.posts); n > 0 && !s.posts[n-1].Deleted && s.posts[n-1].Message == msg && s.posts[n-1].Photo == nil {
		graphError(w, http.StatusBadRequest, 506, 1455006, "Duplicate status message", false)
		return
	}
	s.nextID++
	p := &Post{ID: fmt.Sprintf("%s_%d", s.pageID, s.nextID), Message: msg, Link: link}
	s.posts = append(s.posts, p)
	writeJSON(w, http.StatusOK, map[string]string{"id": p.ID})
}

func (s *Server) postPhoto(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("page") != s.pageID {
		graphError(w, http.StatusBadRequest, 100, 33, "Unsupported post request. Object does not exist", false)
		return
	}
	if err := r.ParseMultipartForm(16 << 20); err != nil {
		graphError(w, http.StatusBadRequest, 324, 0, "(#324) Requires upload file", false)
		return
	}
	f, fh, err := r.FormFile("source")
	if err != nil {
		graphError(w, http.StatusBadRequest, 324, 0, "(#324) Requires upload file", false)
		return
	}
	data, _ := io.ReadAll(f)
	ct := fh.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "image/") || len(data) == 0 {
		graphError(w, http.StatusBadRequest, 324, 0, "(#324) Missing or invalid image file", false)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	ph := &Photo{ID: fmt.Sprint(s.nextID), ContentType: ct, Size: len(data), Alt: r.FormValue("alt_text_custom"), Published: r.FormValue("published")}
	s.nextID++
	p := &Post{ID: fmt.Sprintf("%s_%d", s.pageID, s.nextID), Message: r.FormValue("caption"), Photo: ph}
	s.posts = append(s.posts, p)
	writeJSON(w, http.StatusOK, map[string]string{"id": ph.ID, "post_id": p.ID})
}

func (s *Server) deletePost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	for _, p := range s.posts {
		if p.ID == id && !p.Deleted {
			p.Deleted = true
			writeJSON(w, http.StatusOK, map[string]bool{"success": true})
			return
		}
	}
	graphError(w, http.StatusBadRequest, 100, 33, fmt.Sprintf("Unsupported delete request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id), false)
}

func graphError(w http.ResponseWriter, status, code, subcode int, msg string, transient bool) {
	typ := "OAuthException"
	if msg == "" {
		msg = fmt.Sprintf("(#%d) %s", code, http.StatusText(status))
	}
	body := map[string]any{"message": msg, "type": typ, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
	if subcode != 0 {
		body["error_subcode"] = subcode
	}
	if transient {
		body["is_transient"] = true
	}
	writeJSON(w, status, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
