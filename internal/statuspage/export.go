package statuspage

import (
	"fmt"
	"os"
	"path/filepath"
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
