package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is an embedded static file served under a fingerprinted name, so
// browsers may cache it forever and still get a new version after upgrade.
type asset struct {
	body        []byte
	contentType string
	url         string
}

type assets struct {
	byName   map[string]*asset // "console.js"
	byHashed map[string]*asset // "console.3f2a….js"
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		x := &asset{body: body, contentType: ct, url: "/admin/static/" + hashed}
		a.byName[name], a.byHashed[hashed] = x, x
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	for _, need := range []string{"console.css", "console.js"} {
		if a.byName[need] == nil {
			return nil, fmt.Errorf("static file %s missing", need)
		}
	}
	return a, nil
}

// url returns the fingerprinted URL of a static file.
func (a *assets) url(name string) string {
	if x := a.byName[name]; x != nil {
		return x.url
	}
	return "/admin/static/" + name
}

func (c *Console) handleStatic(w http.ResponseWriter, r *http.Request) {
	x := c.assets.byHashed[r.PathValue("file")]
	if x == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", x.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(x.body)
}
