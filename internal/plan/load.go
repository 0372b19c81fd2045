package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// Size limits for plan sources.
const (
	MaxFileSize  = 4 << 20
	MaxTotalSize = 16 << 20
	maxFiles     = 256
)

// File is one source file of a plan.
type File struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// Load reads a plan from a YAML file or from a directory whose *.yaml and
// *.yml files (sorted by name, not recursive) are merged. The error is for
// I/O failures; problems with the plan itself are diagnostics, and the plan
// is nil when there is any error among them.
func Load(p string) (*Plan, Diagnostics, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, nil, fmt.Errorf("plan: %w", err)
	}
	if !fi.IsDir() {
		return LoadFS(os.DirFS(filepath.Dir(p)), filepath.Base(p), p)
	}
	return LoadFS(os.DirFS(p), ".", p)
}

// LoadFS is Load on a file system. display, when given, replaces name in
// diagnostics (Load passes the path the user typed).
func LoadFS(fsys fs.FS, name string, display ...string) (*Plan, Diagnostics, error) {
	shown := name
	if len(display) > 0 && display[0] != "" {
		shown = display[0]
	}
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, nil, fmt.Errorf("plan: %w", err)
	}
	var names []string
	if fi.IsDir() {
		entries, err := fs.ReadDir(fsys, name)
		if err != nil {
			return nil, nil, fmt.Errorf("plan: read directory %s: %w", shown, err)
		}
		for _, e := range entries {
			ext := strings.ToLower(path.Ext(e.Name()))
			if e.Type().IsRegular() && (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(e.Name(), ".") {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		if len(names) == 0 {
			return nil, Diagnostics{{File: shown, Severity: SeverityError, Code: "empty-directory", Message: "no *.yaml or *.yml file in the plan directory"}}, nil
		}
		if len(names) > maxFiles {
			return nil, Diagnostics{{File: shown, Severity: SeverityError, Code: "too-many-files", Message: fmt.Sprintf("%d plan files; at most %d are read", len(names), maxFiles)}}, nil
		}
	} else {
		names = []string{""}
	}
	var (
		files []File
		diags Diagnostics
		total int64
	)
	for _, n := range names {
		fpath, label := name, shown
		if n != "" {
			fpath, label = path.Join(name, n), filepath.Join(shown, n)
		}
		data, tooBig, err := readCapped(fsys, fpath, MaxFileSize)
		if err != nil {
			return nil, nil, fmt.Errorf("plan: read %s: %w", label, err)
		}
		if tooBig {
			diags = append(diags, Diagnostic{File: label, Severity: SeverityError, Code: "file-too-large",
				Message: fmt.Sprintf("file is larger than %d MiB", MaxFileSize>>20), Hint: "split the plan into several files in a directory"})
			continue
		}
		total += int64(len(data))
		if total > MaxTotalSize {
			diags = append(diags, Diagnostic{File: label, Severity: SeverityError, Code: "plan-too-large",
				Message: fmt.Sprintf("plan files add up to more than %d MiB", MaxTotalSize>>20)})
			break
		}
		files = append(files, File{Name: label, Data: data})
	}
	if diags.HasErrors() {
		return nil, diags, nil
	}
	p, d := Parse(files)
	return p, d, nil
}

func readCapped(fsys fs.FS, name string, limit int64) ([]byte, bool, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > limit {
		return nil, true, nil
	}
	return data, false, nil
}

// Parse validates and merges plan files already in memory. It returns a nil
// plan when any diagnostic is an error.
func Parse(files []File) (*Plan, Diagnostics) {
	var diags Diagnostics
	if len(files) == 0 {
		return nil, Diagnostics{{Severity: SeverityError, Code: "empty-plan", Message: "no plan file given"}}
	}
	var root *node
	for _, f := range files {
		if d := checkEncoding(f); d != nil {
			diags = append(diags, *d)
			continue
		}
		n, d := parseYAML(f.Name, f.Data)
		diags = append(diags, d...)
		if n == nil {
			continue
		}
		if n.kind == kindNull {
			continue
		}
		if n.kind != kindMap {
			diags = append(diags, Diagnostic{File: f.Name, Line: n.pos.Line, Column: n.pos.Column, Severity: SeverityError, Code: "wrong-type", Message: "a plan file must be a mapping of keys (organisation:, team:, …)"})
			continue
		}
		if root == nil {
			root = n
			continue
		}
		mergeInto(root, n, "", &diags)
	}
	if diags.HasErrors() {
		diags.Sort()
		return nil, diags
	}
	if root == nil {
		return nil, Diagnostics{{File: files[0].Name, Severity: SeverityError, Code: "empty-plan", Message: "the plan is empty"}}
	}
	index := map[string]*node{}
	value := toValue(root, "", index)
	if len(index) >= maxNodes {
		return nil, Diagnostics{{File: files[0].Name, Line: 1, Column: 1, Severity: SeverityError, Code: "plan-too-large",
			Message: fmt.Sprintf("the plan expands to more than %d values", maxNodes), Hint: "check for aliases (*name) that repeat large anchors"}}
	}
	diags = append(diags, scanSecrets(index)...)
	sd, err := validateSchema(value, index)
	if err != nil {
		diags = append(diags, Diagnostic{File: files[0].Name, Severity: SeverityError, Code: "internal", Message: err.Error()})
	}
	diags = append(diags, dropCoveredBySecrets(sd, diags)...)
	p, err := decode(value)
	if err != nil {
		// Only reachable when the schema already reported the wrong type.
		if !diags.HasErrors() {
			diags = append(diags, Diagnostic{File: files[0].Name, Severity: SeverityError, Code: "decode", Message: err.Error()})
		}
		diags.Sort()
		return nil, diags
	}
	p.Sources = files
	// Semantic checks also run when the schema found errors, as long as the
	// plan decoded, so one lint run shows every problem.
	c := &checker{plan: p, index: index}
	c.run()
	diags = append(diags, c.diags...)
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	p.hash = hashFiles(files)
	return p, diags
}

func checkEncoding(f File) *Diagnostic {
	data := f.Data
	if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		data = data[3:]
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return &Diagnostic{File: f.Name, Line: 1, Column: 1, Severity: SeverityError, Code: "encoding", Message: "file is UTF-16", Hint: "save it as UTF-8"}
	}
	if utf8.Valid(data) {
		if i := bytes.IndexByte(data, 0); i >= 0 {
			line, col := lineCol(data, i)
			return &Diagnostic{File: f.Name, Line: line, Column: col, Severity: SeverityError, Code: "encoding", Message: "file contains a NUL byte"}
		}
		return nil
	}
	i := 0
	for i < len(data) {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		i += size
	}
	line, col := lineCol(data, i)
	return &Diagnostic{File: f.Name, Line: line, Column: col, Severity: SeverityError, Code: "encoding",
		Message: fmt.Sprintf("invalid UTF-8 byte 0x%02X", data[i]), Hint: "save the file as UTF-8; this byte suggests Latin-1 or Windows-1252"}
}

func lineCol(data []byte, off int) (int, int) {
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, utf8.RuneCount(data[start:off]) + 1
}

func decode(v any) (*Plan, error) {
	buf, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	var p Plan
	// Unknown keys were reported by the schema; decoding ignores them so the
	// semantic checks can still run.
	if err := json.Unmarshal(buf, &p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: expected %s", te.Field, te.Type)
		}
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &p, nil
}

func hashFiles(files []File) string {
	h := sha256.New()
	var n [8]byte
	for _, f := range files {
		name := filepath.Base(f.Name)
		binary.BigEndian.PutUint64(n[:], uint64(len(name)))
		h.Write(n[:])
		h.Write([]byte(name))
		binary.BigEndian.PutUint64(n[:], uint64(len(f.Data)))
		h.Write(n[:])
		h.Write(f.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Hash identifies the plan's sources (base names and bytes); equal hashes
// mean the same plan, wherever it was loaded from.
func (p *Plan) Hash() string {
	if p.hash == "" {
		p.hash = hashFiles(p.Sources)
	}
	return p.hash
}
