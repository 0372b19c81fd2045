package statuspage

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// entry is one immutable, precompressed representation. Header values are
// prepared once as slices so serving a request allocates almost nothing.
type entry struct {
	body, gz, br []byte
	etag         string
	ctype        string
	cache        string
	hdr          struct {
		ctype, cache               []string
		etag, etagGz, etagBr       []string
		length, lengthGz, lengthBr []string
	}
}

// Compressors are reused across rebuilds: a brotli writer allocates
// megabytes of window and hash tables.
var (
	gzipPool = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
		return w
	}}
	brotliPool = sync.Pool{New: func() any { return brotli.NewWriterLevel(io.Discard, brotliLevel) }}
)

// brotliLevel trades a little size for much less CPU than level 11.
const brotliLevel = 9

var (
	hdrGzip    = []string{"gzip"}
	hdrBr      = []string{"br"}
	hdrNosniff = []string{"nosniff"}
)

func (e *entry) prepare() {
	e.hdr.ctype, e.hdr.cache = []string{e.ctype}, []string{e.cache}
	e.hdr.etag, e.hdr.length = []string{`"` + e.etag + `"`}, []string{strconv.Itoa(len(e.body))}
	if e.gz != nil {
		e.hdr.etagGz, e.hdr.lengthGz = []string{`"` + e.etag + `-gz"`}, []string{strconv.Itoa(len(e.gz))}
		e.hdr.etagBr, e.hdr.lengthBr = []string{`"` + e.etag + `-br"`}, []string{strconv.Itoa(len(e.br))}
	}
}

func newEntry(body []byte, ctype, cache string) (*entry, error) {
	sum := sha256.Sum256(body)
	e := &entry{body: body, ctype: ctype, cache: cache, etag: hex.EncodeToString(sum[:12])}
	if len(body) < 256 {
		e.prepare()
		return e, nil
	}
	var gz bytes.Buffer
	zw := gzipPool.Get().(*gzip.Writer)
	defer gzipPool.Put(zw)
	zw.Reset(&gz)
	if _, err := zw.Write(body); err != nil {
		return nil, fmt.Errorf("statuspage: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("statuspage: gzip: %w", err)
	}
	var br bytes.Buffer
	bw := brotliPool.Get().(*brotli.Writer)
	defer brotliPool.Put(bw)
	bw.Reset(&br)
	if _, err := bw.Write(body); err != nil {
		return nil, fmt.Errorf("statuspage: brotli: %w", err)
	}
	if err := bw.Close(); err != nil {
		return nil, fmt.Errorf("statuspage: brotli: %w", err)
	}
	e.gz, e.br = gz.Bytes(), br.Bytes()
	e.prepare()
	return e, nil
}

// Snapshot is the whole public site at one moment.
type Snapshot struct {
	Version int64
	Built   time.Time
	Stale   bool
	entries map[string]*entry
	// live holds the live-region HTML per language; frames the complete SSE
	// event carrying it, encoded once for every connection.
	live   map[string][]byte
	frames map[string][]byte
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

// variant is the representation of an entry a request gets: its body,
// Content-Encoding (nil for none), ETag and Content-Length header values.
type variant struct {
	body              []byte
	enc, etag, length []string
}

// pick chooses the representation for an Accept-Encoding header and
// extends vary (nil for none) with Accept-Encoding when there is a choice.
func (e *entry) pick(acceptEncoding string, vary []string) (variant, []string) {
	v := variant{body: e.body, etag: e.hdr.etag, length: e.hdr.length}
	if e.gz == nil {
		return v, vary
	}
	switch {
	case acceptsEncoding(acceptEncoding, "br"):
		v = variant{body: e.br, enc: hdrBr, etag: e.hdr.etagBr, length: e.hdr.lengthBr}
	case acceptsEncoding(acceptEncoding, "gzip"):
		v = variant{body: e.gz, enc: hdrGzip, etag: e.hdr.etagGz, length: e.hdr.lengthGz}
	}
	if vary == nil {
		return v, varyEncoding
	}
	return v, varyLangEncoding
}

// serve writes entry e for r, honouring Accept-Encoding and If-None-Match.
// vary is the Vary header to send (nil for none).
func serve(w http.ResponseWriter, r *http.Request, e *entry, vary []string) {
	h := w.Header()
	v, vary := e.pick(r.Header.Get("Accept-Encoding"), vary)
	body, enc, etag, length := v.body, v.enc, v.etag, v.length
	h["Content-Type"] = e.hdr.ctype
	h["Cache-Control"] = e.hdr.cache
	h["Etag"] = etag
	h["X-Content-Type-Options"] = hdrNosniff
	if vary != nil {
		h["Vary"] = vary
	}
	if enc != nil {
		h["Content-Encoding"] = enc
	}
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, etag[0]) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Length"] = length
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

var (
	varyEncoding     = []string{"Accept-Encoding"}
	varyLanguage     = []string{"Accept-Language"}
	varyLangEncoding = []string{"Accept-Language, Accept-Encoding"}
)

// acceptsEncoding reports whether an Accept-Encoding header accepts enc
// (a q=0 weight refuses it). It does not allocate.
func acceptsEncoding(header, enc string) bool {
	for header != "" {
		part := header
		if i := strings.IndexByte(header, ','); i >= 0 {
			part, header = header[:i], header[i+1:]
		} else {
			header = ""
		}
		name, params, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(name), enc) {
			params = strings.TrimSpace(params)
			return !(strings.HasPrefix(params, "q=0") && strings.Trim(params[3:], ".0 ") == "")
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
