package statuspage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// filePath maps a URL path of the snapshot to a file path in an export:
// "/fr/" → "fr/index.html".
func filePath(urlPath string) string {
	p := strings.TrimPrefix(urlPath, "/")
	if p == "" || strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	return filepath.FromSlash(p)
}

// WriteDir writes the snapshot as static files any web server or object
// store can serve: a page per language (and index.html in the default
// language), the /api/v2 documents, feeds, badge and assets, each with
// precompressed .gz and .br siblings (nginx gzip_static / brotli_static).
// Files are replaced atomically; unchanged files are left alone.
func (s *Snapshot) WriteDir(dir string) (written int, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("statuspage: export: %w", err)
	}
	files := map[string][]byte{}
	for path, e := range s.entries {
		files[filePath(path)] = e.body
		if e.gz != nil {
			files[filePath(path)+".gz"] = e.gz
			files[filePath(path)+".br"] = e.br
		}
	}
	if def, ok := s.entries["/"+s.langs[0]+"/"]; ok {
		files["index.html"] = def.body
		if def.gz != nil {
			files["index.html.gz"], files["index.html.br"] = def.gz, def.br
		}
	}
	for rel, body := range files {
		dst := filepath.Join(dir, rel)
		if old, err := os.ReadFile(dst); err == nil && string(old) == string(body) {
			continue
		}
		if err := writeAtomic(dst, body); err != nil {
			return written, err
		}
		written++
	}
	return written, nil
}

func writeAtomic(dst string, body []byte) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("statuspage: export: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".export-*")
	if err != nil {
		return fmt.Errorf("statuspage: export: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		return fmt.Errorf("statuspage: export %s: %w", dst, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("statuspage: export %s: %w", dst, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("statuspage: export %s: %w", dst, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("statuspage: export %s: %w", dst, err)
	}
	return nil
}

// Bucket stores objects: an S3-compatible bucket the export is mirrored to.
type Bucket interface {
	Put(ctx context.Context, key string, body []byte, contentType, cacheControl string) error
}

type object struct {
	body         []byte
	ctype, cache string
}

// objects lists the export as object-store keys with uncompressed bodies:
// object stores do not negotiate encodings, and every client reads
// identity bodies.
func (s *Snapshot) objects() map[string]object {
	out := map[string]object{}
	for path, e := range s.entries {
		out[filepath.ToSlash(filePath(path))] = object{e.body, e.ctype, e.cache}
	}
	if def, ok := s.entries["/"+s.langs[0]+"/"]; ok {
		out["index.html"] = object{def.body, def.ctype, def.cache}
	}
	return out
}

// Upload puts the objects of the snapshot that changed since the last
// upload into b; known maps each key to the SHA-256 of what the bucket
// holds and is updated as objects land. Pages go last, so a page never
// links to an asset that is not there yet. It stops at the first error,
// keeping what was uploaded.
func (s *Snapshot) Upload(ctx context.Context, b Bucket, known map[string]string) (int, error) {
	objs := s.objects()
	keys := make([]string, 0, len(objs))
	for k := range objs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		pi, pj := strings.HasSuffix(keys[i], ".html"), strings.HasSuffix(keys[j], ".html")
		if pi != pj {
			return pj
		}
		return keys[i] < keys[j]
	})
	n := 0
	for _, k := range keys {
		o := objs[k]
		sum := sha256.Sum256(o.body)
		h := hex.EncodeToString(sum[:])
		if known[k] == h {
			continue
		}
		if err := b.Put(ctx, k, o.body, o.ctype, o.cache); err != nil {
			return n, fmt.Errorf("statuspage: upload %s: %w", k, err)
		}
		known[k] = h
		n++
	}
	return n, nil
}
