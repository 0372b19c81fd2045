package statuspage

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/andybalholm/brotli"
)

// entry is one immutable, precompressed representation.
type entry struct {
	body, gz, br []byte
	etag         string
	ctype        string
	cache        string
}

func newEntry(body []byte, ctype, cache string) (*entry, error) {
	sum := sha256.Sum256(body)
	e := &entry{body: body, ctype: ctype, cache: cache, etag: hex.EncodeToString(sum[:12])}
	if len(body) < 256 {
		return e, nil
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := zw.Write(body); err != nil {
		return nil, fmt.Errorf("statuspage: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("statuspage: gzip: %w", err)
	}
	var br bytes.Buffer
	bw := brotli.NewWriterLevel(&br, 9)
	if _, err := bw.Write(body); err != nil {
		return nil, fmt.Errorf("statuspage: brotli: %w", err)
	}
	if err := bw.Close(); err != nil {
		return nil, fmt.Errorf("statuspage: brotli: %w", err)
	}
	e.gz, e.br = gz.Bytes(), br.Bytes()
	return e, nil
}

// Snapshot is the whole public site at one moment.
type Snapshot struct {
	Version int64
	Built   time.Time
	Stale   bool
	entries map[string]*entry
	// live holds the live-region HTML per language, for SSE.
	live map[string][]byte
	// langs are the page languages, default first.
	langs []string
}

// Paths lists the snapshot's paths (for the static export).
func (s *Snapshot) Paths() []string {
	out := make([]string, 0, len(s.entries))
	for p := range s.entries {
		out = append(out, p)
	}
	return out
}

// Body returns the uncompressed body and content type of path.
func (s *Snapshot) Body(path string) ([]byte, string, bool) {
	e, ok := s.entries[path]
	if !ok {
		return nil, "", false
	}
	return e.body, e.ctype, true
}

// Cache policies: pages and APIs may be served stale by CDNs while they
// revalidate, and for a day if the origin fails.
const (
	cacheDynamic = "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400"
	cacheAsset   = "public, max-age=300, stale-while-revalidate=3600, stale-if-error=86400"
)

// serve writes entry e for r, honouring Accept-Encoding and If-None-Match.
func serve(w http.ResponseWriter, r *http.Request, e *entry, vary string) {
	h := w.Header()
	body, enc, tag := e.body, "", e.etag
	ae := r.Header.Get("Accept-Encoding")
	switch {
	case e.br != nil && acceptsEncoding(ae, "br"):
		body, enc, tag = e.br, "br", e.etag+"-br"
	case e.gz != nil && acceptsEncoding(ae, "gzip"):
		body, enc, tag = e.gz, "gzip", e.etag+"-gz"
	}
	etag := `"` + tag + `"`
	h.Set("Content-Type", e.ctype)
	h.Set("Cache-Control", e.cache)
	h.Set("ETag", etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if vary != "" {
		h.Set("Vary", vary)
	}
	if e.gz != nil {
		h.Add("Vary", "Accept-Encoding")
	}
	if enc != "" {
		h.Set("Content-Encoding", enc)
	}
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func acceptsEncoding(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), enc) {
			return !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") || strings.Contains(params, "q=0.")
		}
	}
	return false
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
