package doccheck

import (
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// moduleRoot returns the directory holding go.mod, found upwards from the
// test's working directory (the package directory).
func moduleRoot(t *testing.T) (dir, path string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
					return dir, f[1]
				}
			}
			t.Fatalf("%s/go.mod: no module line", dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// pkgDir is one package directory of the module.
type pkgDir struct {
	dir        string // absolute
	rel        string // slash-separated, relative to the module root
	importPath string
}

// packageDirs lists every directory of the module with non-test Go files,
// skipping what the go command skips (testdata, and names starting with
// "." or "_").
func packageDirs(t *testing.T) []pkgDir {
	t.Helper()
	root, modPath := moduleRoot(t)
	var dirs []pkgDir
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if p != root {
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir // a nested module
			}
		}
		matches, _ := filepath.Glob(filepath.Join(p, "*.go"))
		hasCode := false
		for _, m := range matches {
			if !strings.HasSuffix(m, "_test.go") {
				hasCode = true
			}
		}
		if !hasCode {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		ip := modPath
		if rel != "." {
			ip += "/" + rel
		}
		dirs = append(dirs, pkgDir{dir: p, rel: rel, importPath: ip})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no packages found")
	}
	return dirs
}

// parsePackage parses the package's non-test files for every platform
// (files excluded only by a "//go:build ignore" line are left out).
func parsePackage(t *testing.T, d pkgDir) (*token.FileSet, []*ast.File) {
	t.Helper()
	bp, err := build.ImportDir(d.dir, build.ImportComment)
	if err != nil {
		if _, ok := err.(*build.NoGoError); !ok {
			t.Fatalf("%s: %v", d.rel, err)
		}
	}
	names := append([]string(nil), bp.GoFiles...)
	names = append(names, bp.CgoFiles...)
	for _, n := range bp.IgnoredGoFiles {
		if !strings.HasSuffix(n, "_test.go") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	fset := token.NewFileSet()
	var files []*ast.File
	for _, n := range names {
		f, err := parser.ParseFile(fset, filepath.Join(d.dir, n), nil, parser.ParseComments)
		if err != nil {
			t.Fatalf("%s: %v", d.rel, err)
		}
		if ignoredFile(f) {
			continue
		}
		files = append(files, f)
	}
	return fset, files
}

// ignoredFile reports whether f carries a "//go:build ignore" constraint.
func ignoredFile(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		for _, c := range cg.List {
			if strings.TrimSpace(c.Text) == "//go:build ignore" {
				return true
			}
		}
	}
	return false
}

func isInternal(rel string) bool {
	for _, elem := range strings.Split(rel, "/") {
		if elem == "internal" {
			return true
		}
	}
	return false
}

// TestDocGo checks that every package has a doc.go holding the package
// comment, and that no other file carries a second package comment.
func TestDocGo(t *testing.T) {
	for _, d := range packageDirs(t) {
		t.Run(d.rel, func(t *testing.T) {
			fset, files := parsePackage(t, d)
			var withDoc []string
			for _, f := range files {
				if f.Doc != nil {
					withDoc = append(withDoc, filepath.Base(fset.File(f.Pos()).Name()))
				}
			}
			if diff := cmp.Diff([]string{"doc.go"}, withDoc); diff != "" {
				t.Errorf("%s: files with a package comment (-want +got):\n%s", d.rel, diff)
			}
		})
	}
}

// TestExportedDocs checks the doc comment of every exported identifier of
// every package: the public ones that go doc shows to users, and internal
// and main packages too, since their exported names are the API between
// our own packages.
func TestExportedDocs(t *testing.T) {
	checked, public := 0, 0
	for _, d := range packageDirs(t) {
		fset, files := parsePackage(t, d)
		if len(files) == 0 {
			continue
		}
		checked++
		if !isInternal(d.rel) && files[0].Name.Name != "main" {
			public++
		}
		t.Run(d.rel, func(t *testing.T) {
			p, err := doc.NewFromFiles(fset, files, d.importPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range findings(fset, p) {
				t.Error(f)
			}
		})
	}
	// The module has at least cfb, cab, msi, transform and fuzz; finding
	// fewer means the walk is broken, not that the docs are complete.
	if public < 5 {
		t.Fatalf("checked %d packages, %d of them public: the package walk found too few", checked, public)
	}
}

// findings returns one line per exported identifier of p that lacks a proper
// doc comment, as "file:line: kind Name: problem".
func findings(fset *token.FileSet, p *doc.Package) []string {
	var out []string
	report := func(pos token.Pos, what, problem string) {
		position := fset.Position(pos)
		out = append(out, filepath.Base(position.Filename)+":"+itoa(position.Line)+": "+what+": "+problem)
	}
	checkNamed := func(pos token.Pos, what, name, text string, articles bool) {
		if strings.TrimSpace(text) == "" {
			report(pos, what, "no doc comment")
			return
		}
		if !startsWithName(text, name, articles) {
			first, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
			report(pos, what, "doc comment does not start with "+name+": "+strconvQuote(first))
		}
	}
	checkValues := func(vals []*doc.Value, kind string) {
		for _, v := range vals {
			if v.Decl.Lparen.IsValid() {
				if strings.TrimSpace(v.Doc) != "" {
					continue // the group comment covers its members
				}
				for _, spec := range v.Decl.Specs {
					vs := spec.(*ast.ValueSpec)
					for _, n := range vs.Names {
						if !n.IsExported() {
							continue
						}
						if vs.Doc == nil && vs.Comment == nil {
							report(n.Pos(), kind+" "+n.Name, "no doc comment (neither on the group nor on the line)")
						}
					}
				}
				continue
			}
			for _, spec := range v.Decl.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					if n.IsExported() {
						checkNamed(n.Pos(), kind+" "+n.Name, n.Name, v.Doc, false)
					}
				}
			}
		}
	}
	checkFuncs := func(fns []*doc.Func, recv string) {
		for _, f := range fns {
			what := "func " + f.Name
			if recv != "" && f.Recv != "" {
				what = "method " + recv + "." + f.Name
			}
			checkNamed(f.Decl.Pos(), what, f.Name, f.Doc, false)
		}
	}

	checkValues(p.Consts, "const")
	checkValues(p.Vars, "var")
	checkFuncs(p.Funcs, "")
	for _, typ := range p.Types {
		checkNamed(typ.Decl.Pos(), "type "+typ.Name, typ.Name, typ.Doc, true)
		checkValues(typ.Consts, "const")
		checkValues(typ.Vars, "var")
		checkFuncs(typ.Funcs, "")
		checkFuncs(typ.Methods, typ.Name)
	}
	return out
}

// startsWithName reports whether the comment text begins with name as a
// whole word, optionally after an article when articles is set.
func startsWithName(text, name string, articles bool) bool {
	text = strings.TrimSpace(text)
	if articles {
		for _, a := range []string{"A ", "An ", "The "} {
			if strings.HasPrefix(text, a+name) && wordEnd(text[len(a)+len(name):]) {
				return true
			}
		}
	}
	return strings.HasPrefix(text, name) && wordEnd(text[len(name):])
}

// wordEnd reports whether rest starts where an identifier would end.
func wordEnd(rest string) bool {
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func strconvQuote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return `"` + s + `"`
}

// TestStartsWithName pins the matching rule the checks rely on, so a
// broken rule cannot make the checks pass vacuously.
func TestStartsWithName(t *testing.T) {
	tests := []struct {
		text, name string
		articles   bool
		want       bool
	}{
		{"Open opens a package.", "Open", false, true},
		{"OpenReader opens...", "Open", false, false},
		{"Open's result...", "Open", false, true},
		{"opens a package.", "Open", false, false},
		{"A Reader reads.", "Reader", true, true},
		{"A Reader reads.", "Reader", false, false},
		{"An Entry is...", "Entry", true, true},
		{"", "X", true, false},
		{"  Close releases.\n", "Close", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.text, func(t *testing.T) {
			if got := startsWithName(tt.text, tt.name, tt.articles); got != tt.want {
				t.Errorf("startsWithName(%q, %q, %v) = %v, want %v", tt.text, tt.name, tt.articles, got, tt.want)
			}
		})
	}
}

// TestFindings runs the checker over a small package with one identifier
// of each kind wrong, so that a checker finding nothing is a real result.
func TestFindings(t *testing.T) {
	const src = `// Package p is a fixture.
package p

// T is documented.
type T int

type U int

// Wrong comment for V.
func V() {}

// M is a method.
func (T) M() {}

func (T) N() {}

// NewT returns a T.
func NewT() T { return 0 }

// Errors of the package.
var (
	ErrA = 1
	ErrB = 2
)

var (
	ErrC = 3 // ErrC is on the line.
	ErrD = 4
)

const K = 1

// unexported is fine.
func unexported() {}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	p, err := doc.NewFromFiles(fset, []*ast.File{f}, "example.com/p")
	if err != nil {
		t.Fatal(err)
	}
	got := findings(fset, p)
	sort.Strings(got)
	want := []string{
		"p.go:10: func V: doc comment does not start with V: \"Wrong comment for V.\"",
		"p.go:15: method T.N: no doc comment",
		"p.go:28: var ErrD: no doc comment (neither on the group nor on the line)",
		"p.go:31: const K: no doc comment",
		"p.go:7: type U: no doc comment",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
