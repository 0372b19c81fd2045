package probe_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoForbiddenImports keeps probes independent of the evaluator and of
// the product's surfaces: they report facts and must stay reusable.
func TestNoForbiddenImports(t *testing.T) {
	const module = "github.com/vigie-hq/vigie/internal/"
	allowed := map[string]bool{module + "detect/probe/probetest": true}
	for _, dir := range []string{".", "probetest"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") && dir != "." {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if strings.HasPrefix(path, module) && path != module+"detect/probe" && !allowed[path] {
					t.Errorf("%s imports %s", f, path)
				}
			}
		}
	}
}
