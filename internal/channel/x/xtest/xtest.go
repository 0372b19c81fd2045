// Package xtest is an HTTP double of the X API v2 for one account, for
// tests, on loopback. It follows the documented contract
// (https://docs.x.com/x-api/posts/manage-tweets/quickstart,
// https://docs.x.com/x-api/media/upload-media,
// https://docs.x.com/x-api/media/metadata-create,
// https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code,
// https://docs.x.com/x-api/fundamentals/response-codes-and-errors):
// OAuth 2.0 Bearer user tokens, POST /2/oauth2/token with
// grant_type=refresh_token (HTTP Basic for a confidential client; the
// refresh token rotates), POST /2/tweets (201), DELETE /2/tweets/:id,
// POST /2/media/upload (multipart) and POST /2/media/metadata (alt
// text); errors as problem details, 403 for duplicate content, and
// x-rate-limit-limit/remaining/reset (epoch seconds) on every answer.
package xtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Config is the app and the account's initial tokens.
type Config struct {
	ClientID     string
	ClientSecret string // empty for a public client
	AccessToken  string
	RefreshToken string
}

// Post is a post the double accepted.
type Post struct {
	ID        string
	Text      string
	InReplyTo string
	MediaIDs  []string
	Deleted   bool
}

// Media is an uploaded image.
type Media struct {
	ID, Category, Type string
	Size               int
	AltText            string
}

// Failure is a scripted answer for one request.
type Failure struct {
	// Status is the HTTP status: 429 (with Reset), 400, 401, 403, 5xx.
	Status int
	// Reset is x-rate-limit-reset for a 429.
	Reset time.Time
	// Detail replaces the default problem detail.
	Detail string
}

// Server is a fake X API for one account.
type Server struct {
	srv       *httptest.Server
	mu        sync.Mutex
	cfg       Config
	script    []Failure
	posts     []*Post
	media     map[string]*Media
	nextID    int64
	requests  int
	refreshes int
}

// Start runs the double until t ends.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	s := &Server{cfg: cfg, media: map[string]*Media{}, nextID: 1_900_000_000_000_000_000}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2/oauth2/token", s.token)
	mux.HandleFunc("POST /2/tweets", s.authed(s.createTweet))
	mux.HandleFunc("DELETE /2/tweets/{id}", s.authed(s.deleteTweet))
	mux.HandleFunc("POST /2/media/upload", s.authed(s.upload))
	mux.HandleFunc("POST /2/media/metadata", s.authed(s.metadata))
	s.srv = httptest.NewServer(s.guard(mux))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the API base URL to give the client.
func (s *Server) URL() string { return s.srv.URL }

// FailNext scripts the answers to the next requests, one per request.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	s.script = append(s.script, f...)
	s.mu.Unlock()
}

// ExpireAccess makes the current access token answer 401.
func (s *Server) ExpireAccess() { s.mu.Lock(); s.cfg.AccessToken = ""; s.mu.Unlock() }

// RevokeRefresh makes the current refresh token invalid.
func (s *Server) RevokeRefresh() { s.mu.Lock(); s.cfg.RefreshToken = ""; s.mu.Unlock() }

// Tokens returns the current valid pair.
func (s *Server) Tokens() (access, refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.AccessToken, s.cfg.RefreshToken
}

// Refreshes counts successful token refreshes.
func (s *Server) Refreshes() int { s.mu.Lock(); defer s.mu.Unlock(); return s.refreshes }

// Posts returns the created posts in order, deleted ones flagged.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Post, len(s.posts))
	for i, p := range s.posts {
		out[i] = *p
	}
	return out
}

// Media returns the uploaded media id.
func (s *Server) Media(id string) (Media, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[id]
	if !ok {
		return Media{}, false
	}
	return *m, true
}

func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		remaining := max(0, 100-s.requests)
		var f *Failure
		if len(s.script) > 0 {
			f = &s.script[0]
			s.script = s.script[1:]
		}
		s.mu.Unlock()
		h := w.Header()
		h.Set("x-rate-limit-limit", "100")
		h.Set("x-rate-limit-remaining", strconv.Itoa(remaining))
		h.Set("x-rate-limit-reset", strconv.FormatInt(time.Now().Add(15*time.Minute).Unix(), 10))
		if f != nil {
			fail(w, *f)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		oauthError(w, 400, "invalid_request", "Missing required parameter [grant_type].")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, secret, basic := r.BasicAuth()
	switch {
	case s.cfg.ClientSecret != "" && (!basic || id != s.cfg.ClientID || secret != s.cfg.ClientSecret):
		oauthError(w, 401, "unauthorized_client", "Missing valid authorization header")
		return
	case s.cfg.ClientSecret == "" && r.PostForm.Get("client_id") != s.cfg.ClientID:
		oauthError(w, 400, "invalid_request", "Missing required parameter [client_id].")
		return
	case r.PostForm.Get("grant_type") != "refresh_token":
		oauthError(w, 400, "invalid_request", "Value passed for the grant type was invalid.")
		return
	case s.cfg.RefreshToken == "" || r.PostForm.Get("refresh_token") != s.cfg.RefreshToken:
		oauthError(w, 400, "invalid_request", "Value passed for the token was invalid.")
		return
	}
	s.refreshes++
	s.cfg.AccessToken = fmt.Sprintf("access-%d-bWRWa3gzdnk3WHRGU1o0bmRRcTJ5VUxW", s.refreshes)
	s.cfg.RefreshToken = fmt.Sprintf("refresh-%d-WWh3WHRGU1o0bmRRcTJ5VUxWX1lZ", s.refreshes)
	writeJSON(w, 200, map[string]any{"token_type": "bearer", "expires_in": 7200, "access_token": s.cfg.AccessToken,
		"scope": "tweet.read tweet.write users.read media.write offline.access", "refresh_token": s.cfg.RefreshToken})
}

// authed checks the Bearer token before h runs, holding s.mu.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cfg.AccessToken == "" || r.Header.Get("Authorization") != "Bearer "+s.cfg.AccessToken {
			problem(w, 401, "Unauthorized", "Unauthorized", "about:blank")
			return
		}
		h(w, r)
	}
}

func (s *Server) createTweet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text  string `json:"text"`
		Reply *struct {
			InReplyToTweetID string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
		Media *struct {
			MediaIDs []string `json:"media_ids"`
		} `json:"media"`
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in) != nil {
		invalid(w, "The request body is not valid JSON.")
		return
	}
	p := &Post{Text: in.Text}
	if in.Media != nil {
		p.MediaIDs = in.Media.MediaIDs
	}
	if in.Reply != nil {
		p.InReplyTo = in.Reply.InReplyToTweetID
	}
	switch {
	case strings.TrimSpace(in.Text) == "" && len(p.MediaIDs) == 0:
		invalid(w, "The `text` field is required when no media is attached.")
		return
	case utf8.RuneCountInString(in.Text) > 280:
		invalid(w, "Tweet text is too long.")
		return
	case p.InReplyTo != "" && s.find(p.InReplyTo) == nil:
		problem(w, 403, "Forbidden", "You attempted to reply to a Tweet that is deleted or not visible to you.", "about:blank")
		return
	}
	for _, id := range p.MediaIDs {
		if _, ok := s.media[id]; !ok {
			invalid(w, "Your media IDs are invalid.")
			return
		}
	}
	for _, old := range s.posts {
		if !old.Deleted && old.Text == p.Text && p.Text != "" {
			problem(w, 403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.", "about:blank")
			return
		}
	}
	s.nextID++
	p.ID = strconv.FormatInt(s.nextID, 10)
	s.posts = append(s.posts, p)
	writeJSON(w, 201, map[string]any{"data": map[string]any{"id": p.ID, "text": p.Text, "edit_history_tweet_ids": []string{p.ID}}})
}

func (s *Server) deleteTweet(w http.ResponseWriter, r *http.Request) {
	p := s.find(r.PathValue("id"))
	if p == nil {
		problem(w, 404, "Not Found Error", "Could not find tweet with id: ["+r.PathValue("id")+"].", "https://api.twitter.com/2/problems/resource-not-found")
		return
	}
	p.Deleted = true
	writeJSON(w, 200, map[string]any{"data": map[string]bool{"deleted": true}})
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(16 << 20); err != nil {
		invalid(w, "The media upload must be multipart/form-data or JSON.")
		return
	}
	f, fh, err := r.FormFile("media")
	if err != nil {
		invalid(w, "The `media` field is required.")
		return
	}
	data, _ := io.ReadAll(f)
	cat, typ := r.FormValue("media_category"), r.FormValue("media_type")
	if typ == "" {
		typ = fh.Header.Get("Content-Type")
	}
	switch {
	case cat != "tweet_image" && cat != "dm_image" && cat != "subtitles":
		invalid(w, "The `media_category` field must be one of [tweet_image, dm_image, subtitles].")
		return
	case !strings.HasPrefix(typ, "image/") || len(data) == 0:
		invalid(w, "The media type is not supported.")
		return
	case len(data) > 5<<20:
		invalid(w, "File size exceeds 5242880 bytes.")
		return
	}
	s.nextID++
	m := &Media{ID: strconv.FormatInt(s.nextID, 10), Category: cat, Type: typ, Size: len(data)}
	s.media[m.ID] = m
	writeJSON(w, 200, map[string]any{"data": map[string]any{"id": m.ID, "media_key": "3_" + m.ID, "size": m.Size, "expires_after_secs": 86400}})
}

func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ID       string `json:"id"`
		Metadata struct {
			AltText *struct {
				Text string `json:"text"`
			} `json:"alt_text"`
		} `json:"metadata"`
	}
	if json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in) != nil {
		invalid(w, "The request body is not valid JSON.")
		return
	}
	m, ok := s.media[in.ID]
	switch {
	case !ok:
		problem(w, 404, "Not Found Error", "Could not find media with id: ["+in.ID+"].", "https://api.twitter.com/2/problems/resource-not-found")
		return
	case in.Metadata.AltText == nil || in.Metadata.AltText.Text == "":
		invalid(w, "The `metadata.alt_text.text` field is required.")
		return
	case utf8.RuneCountInString(in.Metadata.AltText.Text) > 1000:
		invalid(w, "The `metadata.alt_text.text` field must be at most 1000 characters.")
		return
	}
	m.AltText = in.Metadata.AltText.Text
	writeJSON(w, 200, map[string]any{"data": map[string]any{"id": m.ID, "associated_metadata": map[string]any{"alt_text": map[string]string{"text": m.AltText}}}})
}

func (s *Server) find(id string) *Post {
	for _, p := range s.posts {
		if p.ID == id && !p.Deleted {
			return p
		}
	}
	return nil
}

func fail(w http.ResponseWriter, f Failure) {
	switch {
	case f.Status == http.StatusTooManyRequests:
		if !f.Reset.IsZero() {
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("x-rate-limit-reset", strconv.FormatInt(f.Reset.Unix(), 10))
		}
		problem(w, 429, "Too Many Requests", cmp.Or(f.Detail, "Too Many Requests"), "about:blank")
	case f.Status == http.StatusBadRequest:
		invalid(w, cmp.Or(f.Detail, "One or more parameters to your request was invalid."))
	case f.Status == http.StatusServiceUnavailable:
		problem(w, 503, "Service Unavailable", cmp.Or(f.Detail, "Service Unavailable"), "https://api.twitter.com/2/problems/service-unavailable")
	default:
		problem(w, f.Status, http.StatusText(f.Status), cmp.Or(f.Detail, http.StatusText(f.Status)), "about:blank")
	}
}

func invalid(w http.ResponseWriter, msg string) {
	writeJSON(w, 400, map[string]any{
		"errors": []map[string]string{{"message": msg}},
		"title":  "Invalid Request", "detail": "One or more parameters to your request was invalid.",
		"type": "https://api.twitter.com/2/problems/invalid-request",
	})
}

func problem(w http.ResponseWriter, status int, title, detail, typ string) {
	writeJSON(w, status, map[string]any{"title": title, "detail": detail, "type": typ, "status": status})
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
