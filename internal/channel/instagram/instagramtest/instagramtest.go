// Package instagramtest is an HTTP double of one Instagram professional
// account on the Instagram Graph API, for tests, on loopback, and an
// image host that serves cards to it. It follows the documented content
// publishing flow
// (https://developers.facebook.com/docs/instagram-platform/content-publishing,
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media,
// .../ig-container, .../ig-user/content_publishing_limit, .../error-codes):
// a Bearer access token; GET /{version}/{ig-user-id}/content_publishing_limit
// answering {"data": [{"quota_usage", "config": {"quota_total",
// "quota_duration"}}]}; POST /{version}/{ig-user-id}/media (form:
// image_url, caption, alt_text), for which the double fetches image_url
// as Meta does and accepts only JPEG; GET /{version}/{container-id}
// answering status_code IN_PROGRESS, FINISHED or ERROR; POST
// /{version}/{ig-user-id}/media_publish (creation_id), refused with code
// 9 subcode 2207042 once the quota is spent; GET /{version}/{media-id}
// answering its permalink; errors as the Graph error object.
package instagramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Media is a published post.
type Media struct {
	ID        string
	Caption   string
	Alt       string
	ImageURL  string
	ImageSize int
	Permalink string
}

// Container is a media container.
type Container struct {
	ID       string
	Caption  string
	Alt      string
	ImageURL string
	// Image holds the fetched bytes.
	Image []byte
	// Polls counts the status reads.
	Polls     int
	pending   int
	errStatus string
	published bool
}

// Failure is a scripted Graph error for one request.
type Failure struct {
	Status    int
	Code      int
	Subcode   int
	Message   string
	Transient bool
	Header    http.Header
}

// Server is a fake Instagram Graph API with one account.
type Server struct {
	srv        *httptest.Server
	mu         sync.Mutex
	igUserID   string
	version    string
	token      string
	script     []Failure
	on         map[string]Failure
	containers map[string]*Container
	media      []*Media
	quotaUsed  int
	quotaTotal int
	pending    int
	errStatus  string
	nextID     int64
	requests   []string
}

// Start runs the double for the account igUserID, API version and token
// until t ends. The quota is 100 posts, none used.
func Start(t testing.TB, igUserID, version, token string) *Server {
	t.Helper()
	s := &Server{igUserID: igUserID, version: version, token: token, containers: map[string]*Container{}, quotaTotal: 100, nextID: 17_900_000_000_000_000}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{version}/{ig}/content_publishing_limit", s.limit)
	mux.HandleFunc("POST /{version}/{ig}/media", s.createContainer)
	mux.HandleFunc("POST /{version}/{ig}/media_publish", s.publish)
	mux.HandleFunc("GET /{version}/{id}", s.get)
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

// FailOn scripts the answer to the next request whose path ends with
// suffix ("/media_publish"), whatever comes before it.
func (s *Server) FailOn(suffix string, f Failure) {
	s.mu.Lock()
	if s.on == nil {
		s.on = map[string]Failure{}
	}
	s.on[suffix] = f
	s.mu.Unlock()
}

// Expire makes the token expired (error 190, subcode 463).
func (s *Server) Expire() { s.mu.Lock(); s.token = ""; s.mu.Unlock() }

// SetQuota sets the posts published in the moving 24 hours and the limit.
func (s *Server) SetQuota(used, total int) {
	s.mu.Lock()
	s.quotaUsed, s.quotaTotal = used, total
	s.mu.Unlock()
}

// Process makes later containers answer IN_PROGRESS polls times before
// FINISHED.
func (s *Server) Process(polls int) { s.mu.Lock(); s.pending = polls; s.mu.Unlock() }

// FailProcessing makes later containers end in status_code ERROR with
// status as their explanation.
func (s *Server) FailProcessing(status string) { s.mu.Lock(); s.errStatus = status; s.mu.Unlock() }

// Media returns the published posts in order.
func (s *Server) Media() []Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Media, len(s.media))
	for i, m := range s.media {
		out[i] = *m
	}
	return out
}

// Containers returns the containers created, in no order.
func (s *Server) Containers() []Container {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Container
	for _, c := range s.containers {
		out = append(out, *c)
	}
	return out
}

// Requests lists "METHOD path" of every request, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		var f *Failure
		if len(s.script) > 0 {
			f = &s.script[0]
			s.script = s.script[1:]
		}
		for suffix, on := range s.on {
			if f == nil && strings.HasSuffix(r.URL.Path, suffix) {
				f = &on
				delete(s.on, suffix)
			}
		}
		token := s.token
		s.mu.Unlock()
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

func (s *Server) limit(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("ig") != s.igUserID {
		graphError(w, http.StatusBadRequest, 100, 33, "Object does not exist", false)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": []any{map[string]any{
		"quota_usage": s.quotaUsed, "config": map[string]int{"quota_total": s.quotaTotal, "quota_duration": 86400}}}})
}

func (s *Server) createContainer(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("ig") != s.igUserID {
		graphError(w, http.StatusBadRequest, 100, 33, "Object does not exist", false)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("image_url") == "" {
		graphError(w, http.StatusBadRequest, 100, 0, "(#100) The parameter image_url is required", false)
		return
	}
	imageURL := r.PostForm.Get("image_url")
	if len([]rune(r.PostForm.Get("caption"))) > 2200 || len([]rune(r.PostForm.Get("alt_text"))) > 1000 {
		graphError(w, http.StatusBadRequest, 100, 0, "(#100) Param caption or alt_text is too long", false)
		return
	}
	// Meta cURLs the image: it must be public and JPEG.
	cl := &http.Client{Timeout: 5 * time.Second}
	resp, err := cl.Get(imageURL)
	if err != nil {
		graphError(w, http.StatusBadRequest, 9004, 2207052, "Media download has failed. The media URI doesn't meet our requirements.", false)
		return
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 9<<20))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		graphError(w, http.StatusBadRequest, 9004, 2207052, "Media download has failed. The media URI doesn't meet our requirements.", false)
		return
	}
	if !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) {
		graphError(w, http.StatusBadRequest, 9004, 2207026, "Unsupported image format: only JPEG is supported.", false)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	c := &Container{ID: fmt.Sprint(s.nextID), Caption: r.PostForm.Get("caption"), Alt: r.PostForm.Get("alt_text"), ImageURL: imageURL,
		Image: data, pending: s.pending, errStatus: s.errStatus}
	s.containers[c.ID] = c
	writeJSON(w, http.StatusOK, map[string]string{"id": c.ID})
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("ig") != s.igUserID {
		graphError(w, http.StatusBadRequest, 100, 33, "Object does not exist", false)
		return
	}
	_ = r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.containers[r.PostForm.Get("creation_id")]
	switch {
	case !ok:
		graphError(w, http.StatusBadRequest, 100, 0, "(#100) Param creation_id is not a valid container", false)
		return
	case c.pending > 0 || c.errStatus != "":
		graphError(w, http.StatusBadRequest, 9007, 2207027, "Media ID is not available", false)
		return
	case c.published:
		graphError(w, http.StatusBadRequest, 9007, 2207006, "The media has already been published", false)
		return
	case s.quotaUsed >= s.quotaTotal:
		graphError(w, http.StatusBadRequest, 9, 2207042, "Application request limit reached", false)
		return
	}
	c.published = true
	s.quotaUsed++
	s.nextID++
	m := &Media{ID: fmt.Sprint(s.nextID), Caption: c.Caption, Alt: c.Alt, ImageURL: c.ImageURL, ImageSize: len(c.Image),
		Permalink: fmt.Sprintf("https://www.instagram.com/p/C%dxyz/", s.nextID%100000)}
	s.media = append(s.media, m)
	writeJSON(w, http.StatusOK, map[string]string{"id": m.ID})
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	if c, ok := s.containers[id]; ok {
		c.Polls++
		out := map[string]string{"id": c.ID}
		switch {
		case c.published:
			out["status_code"] = "PUBLISHED"
		case c.errStatus != "":
			out["status_code"], out["status"] = "ERROR", c.errStatus
		case c.pending > 0:
			c.pending--
			out["status_code"] = "IN_PROGRESS"
		default:
			out["status_code"] = "FINISHED"
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	for _, m := range s.media {
		if m.ID == id {
			writeJSON(w, http.StatusOK, map[string]string{"id": m.ID, "permalink": m.Permalink})
			return
		}
	}
	graphError(w, http.StatusBadRequest, 100, 33, "Object does not exist", false)
}

// ImageHost is an image host on loopback that serves what it is given.
type ImageHost struct {
	srv    *httptest.Server
	mu     sync.Mutex
	images map[string][]byte
	err    error
}

// StartImageHost runs an image host until t ends.
func StartImageHost(t testing.TB) *ImageHost {
	t.Helper()
	h := &ImageHost{images: map[string][]byte{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		data, ok := h.images[r.URL.Path]
		h.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(data)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// Fail makes later Host calls fail with err.
func (h *ImageHost) Fail(err error) { h.mu.Lock(); h.err = err; h.mu.Unlock() }

// Host stores the picture and returns its URL.
func (h *ImageHost) Host(_ context.Context, data []byte) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return "", h.err
	}
	p := fmt.Sprintf("/cards/%d.jpg", len(h.images)+1)
	h.images[p] = append([]byte(nil), data...)
	return h.srv.URL + p, nil
}

func graphError(w http.ResponseWriter, status, code, subcode int, msg string, transient bool) {
	if msg == "" {
		msg = fmt.Sprintf("(#%d) %s", code, http.StatusText(status))
	}
	body := map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEfGhIjK"}
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
