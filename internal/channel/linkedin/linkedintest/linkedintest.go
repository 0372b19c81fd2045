// Package linkedintest is an HTTP double of one LinkedIn organisation page
// on the versioned REST API, for tests, on loopback. It follows the
// documentation
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api,
// .../shares/images-api, .../shares/little-text-format,
// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling):
// Bearer tokens with the LinkedIn-Version (YYYYMM) and
// X-Restli-Protocol-Version: 2.0.0 headers; POST /rest/posts answering 201
// with the post URN in x-restli-id, refusing a repeated commentary with
// 422 DUPLICATE_POST; POST /rest/images?action=initializeUpload answering
// an upload URL and image URN, and PUT of the bytes to that URL; DELETE
// /rest/posts/{encoded urn} answering 204. Like LinkedIn, the double reads
// the commentary as little text: an unescaped reserved character cuts the
// published text short, which is how escaping mistakes show up in tests.
package linkedintest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// Post is a post the double accepted.
type Post struct {
	URN string
	// Commentary is the little text as sent; Text is what LinkedIn shows.
	Commentary string
	Text       string
	// Hashtags are the hashtags LinkedIn recognised, without "#".
	Hashtags []string
	// Image is the image URN, AltText its alt text.
	Image   string
	AltText string
	Deleted bool
	// Body is the request body as decoded JSON.
	Body map[string]any
}

// Image is an uploaded image.
type Image struct {
	URN  string
	Size int
	// Authorized records whether the PUT carried the Bearer token.
	Authorized bool
}

// Failure is a scripted error answer for one request.
type Failure struct {
	// Status is the HTTP status: 401, 403, 422, 429, 5xx…
	Status  int
	Code    string
	Message string
	// RetryAfter sets the Retry-After header.
	RetryAfter string
}

// Server is a fake LinkedIn API with one organisation page.
type Server struct {
	srv      *httptest.Server
	mu       sync.Mutex
	org      string
	token    string
	expired  bool
	script   []Failure
	posts    []*Post
	images   map[string]*Image
	uploads  map[string]string // upload path → image URN
	versions []string
	nextID   int64
}

// Start runs the double for the organisation id (digits) and token until
// t ends.
func Start(t testing.TB, org, token string) *Server {
	t.Helper()
	s := &Server{org: org, token: token, images: map[string]*Image{}, uploads: map[string]string{}, nextID: 7_200_000_000_000_000_000}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rest/posts", s.createPost)
	mux.HandleFunc("DELETE /rest/posts/{urn}", s.deletePost)
	mux.HandleFunc("POST /rest/images", s.initializeUpload)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/dms-uploads/") {
			s.upload(w, r)
			return
		}
		s.guard(mux).ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the API base URL to give the client.
func (s *Server) URL() string { return s.srv.URL }

// FailNext scripts the answers to the next API requests, one per request.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	s.script = append(s.script, f...)
	s.mu.Unlock()
}

// Expire makes the token expired (LinkedIn tokens last 60 days).
func (s *Server) Expire() { s.mu.Lock(); s.expired = true; s.mu.Unlock() }

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

// Image returns the uploaded image urn.
func (s *Server) Image(urn string) (Image, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	im, ok := s.images[urn]
	if !ok {
		return Image{}, false
	}
	return *im, true
}

// Versions lists the LinkedIn-Version header of every API request.
func (s *Server) Versions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.versions...)
}

var versionForm = regexp.MustCompile(`^20[0-9]{2}(0[1-9]|1[0-2])$`)

func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.versions = append(s.versions, r.Header.Get("LinkedIn-Version"))
		var f *Failure
		if len(s.script) > 0 {
			f = &s.script[0]
			s.script = s.script[1:]
		}
		token, expired := s.token, s.expired
		s.mu.Unlock()
		switch {
		case f != nil:
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			msg := f.Message
			if msg == "" {
				msg = http.StatusText(f.Status)
			}
			if f.Code == "DUPLICATE_POST" {
				duplicate(w, "urn:li:share:1")
				return
			}
			apiError(w, f.Status, f.Code, 0, msg)
		case r.Header.Get("Authorization") != "Bearer "+token:
			apiError(w, http.StatusUnauthorized, "INVALID_ACCESS_TOKEN", 65600, "Invalid access token")
		case expired:
			apiError(w, http.StatusUnauthorized, "EXPIRED_ACCESS_TOKEN", 0, "The token used in the request has expired")
		case !versionForm.MatchString(r.Header.Get("LinkedIn-Version")):
			apiError(w, http.StatusBadRequest, "VERSION_MISSING", 0, "A version must be present. Please specify a version by adding the LinkedIn-Version header.")
		case r.Header.Get("X-Restli-Protocol-Version") != "2.0.0":
			apiError(w, http.StatusBadRequest, "", 0, "X-Restli-Protocol-Version 2.0.0 is required")
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (s *Server) createPost(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		apiError(w, http.StatusBadRequest, "", 0, "Invalid JSON")
		return
	}
	var req struct {
		Author       string `json:"author"`
		Commentary   string `json:"commentary"`
		Visibility   string `json:"visibility"`
		Distribution *struct {
			FeedDistribution               string `json:"feedDistribution"`
			TargetEntities                 []any  `json:"targetEntities"`
			ThirdPartyDistributionChannels []any  `json:"thirdPartyDistributionChannels"`
		} `json:"distribution"`
		Content *struct {
			Media struct {
				ID      string `json:"id"`
				AltText string `json:"altText"`
			} `json:"media"`
		} `json:"content"`
		LifecycleState            string `json:"lifecycleState"`
		IsReshareDisabledByAuthor *bool  `json:"isReshareDisabledByAuthor"`
	}
	raw, _ := json.Marshal(body)
	_ = json.Unmarshal(raw, &req)
	switch {
	case req.Author != "urn:li:organization:"+s.org:
		apiError(w, http.StatusForbidden, "ACCESS_DENIED", 100, "Not enough permissions to access: partnerApiPostsExternal.CREATE.20260501")
		return
	case req.Visibility != "PUBLIC" || req.LifecycleState != "PUBLISHED" || req.IsReshareDisabledByAuthor == nil ||
		req.Distribution == nil || req.Distribution.FeedDistribution != "MAIN_FEED" || req.Distribution.TargetEntities == nil || req.Distribution.ThirdPartyDistributionChannels == nil:
		validation(w, "/distribution", "MISSING_FIELD", "Field value is missing or invalid")
		return
	case len([]rune(req.Commentary)) > 3000:
		validation(w, "/commentary", "INVALID_VALUE", "Commentary is longer than 3000 characters")
		return
	}
	text, tags := Render(req.Commentary)
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &Post{Commentary: req.Commentary, Text: text, Hashtags: tags, Body: body}
	if req.Content != nil {
		im, ok := s.images[req.Content.Media.ID]
		if !ok || im.Size == 0 {
			validation(w, "/content/media/id", "INVALID_VALUE", "Media asset is not uploaded")
			return
		}
		p.Image, p.AltText = req.Content.Media.ID, req.Content.Media.AltText
	}
	for _, old := range s.posts {
		if !old.Deleted && old.Commentary == p.Commentary && old.Image == p.Image {
			duplicate(w, old.URN)
			return
		}
	}
	s.nextID++
	p.URN = fmt.Sprintf("urn:li:share:%d", s.nextID)
	s.posts = append(s.posts, p)
	w.Header().Set("x-restli-id", p.URN)
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) deletePost(w http.ResponseWriter, r *http.Request) {
	if !strings.Contains(r.URL.RawPath, "%3A") || r.Header.Get("X-RestLi-Method") != "DELETE" {
		apiError(w, http.StatusBadRequest, "", 0, "The post URN must be URL-encoded and X-RestLi-Method: DELETE set")
		return
	}
	urn := r.PathValue("urn")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.URN == urn && !p.Deleted {
			p.Deleted = true
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	apiError(w, http.StatusNotFound, "NOT_FOUND", 0, "Not Found")
}

func (s *Server) initializeUpload(w http.ResponseWriter, r *http.Request) {
	var req struct {
		InitializeUploadRequest struct {
			Owner string `json:"owner"`
		} `json:"initializeUploadRequest"`
	}
	if r.URL.Query().Get("action") != "initializeUpload" || json.NewDecoder(r.Body).Decode(&req) != nil {
		apiError(w, http.StatusBadRequest, "", 0, "Invalid request")
		return
	}
	if req.InitializeUploadRequest.Owner != "urn:li:organization:"+s.org {
		apiError(w, http.StatusForbidden, "ACCESS_DENIED", 100, "Not enough permissions to access: images.ACTION.initializeUpload")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	urn := fmt.Sprintf("urn:li:image:C4D10AQ%d", s.nextID)
	path := fmt.Sprintf("/dms-uploads/sp/v2/%d/uploaded-image/0", s.nextID)
	s.images[urn] = &Image{URN: urn}
	s.uploads[path] = urn
	writeJSON(w, http.StatusOK, map[string]any{"value": map[string]any{
		"uploadUrlExpiresAt": time.Now().Add(24 * time.Hour).UnixMilli(),
		"uploadUrl":          s.srv.URL + path + "?ca=vector_feedshare&cn=uploads&sync=0&v=beta&ut=0OjSmbLvkz4aA1",
		"image":              urn,
	}})
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	urn, ok := s.uploads[r.URL.Path]
	if r.Method != http.MethodPut || !ok || r.URL.Query().Get("ut") == "" {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	im := s.images[urn]
	im.Size, im.Authorized = len(data), r.Header.Get("Authorization") == "Bearer "+s.token
	w.WriteHeader(http.StatusCreated)
}

// Render reads little text as LinkedIn shows it: backslash escapes are
// removed, "#word" becomes a hashtag, and an unescaped reserved character
// other than "_" and "~" ends the text, as LinkedIn silently truncates
// there.
func Render(little string) (text string, hashtags []string) {
	var b strings.Builder
	rs := []rune(little)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\' && i+1 < len(rs):
			i++
			b.WriteRune(rs[i])
		case r == '#' && i+1 < len(rs) && (unicode.IsLetter(rs[i+1]) || unicode.IsDigit(rs[i+1])):
			j := i + 1
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			hashtags = append(hashtags, string(rs[i+1:j]))
			b.WriteString(string(rs[i:j]))
			i = j - 1
		case strings.ContainsRune(`\|{}@[]()<>#*`, r):
			return b.String(), hashtags
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), hashtags
}

func duplicate(w http.ResponseWriter, urn string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"errorDetailType": "com.linkedin.common.error.BadRequest",
		"message":         "com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of " + urn,
		"errorDetails":    map[string]any{"inputErrors": []any{map[string]any{"description": "Duplicate post is detected", "input": map[string]any{}, "code": "DUPLICATE_POST"}}},
		"status":          422,
	})
}

func validation(w http.ResponseWriter, field, code, msg string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"errorDetailType": "com.linkedin.common.error.BadRequest",
		"message":         msg,
		"errorDetails":    map[string]any{"inputErrors": []any{map[string]any{"description": msg, "input": map[string]any{"inputPath": map[string]string{"fieldPath": field}}, "code": code}}},
		"status":          422,
	})
}

func apiError(w http.ResponseWriter, status int, code string, serviceCode int, msg string) {
	body := map[string]any{"status": status, "message": msg}
	if code != "" {
		body["code"] = code
	}
	if serviceCode != 0 {
		body["serviceErrorCode"] = serviceCode
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
