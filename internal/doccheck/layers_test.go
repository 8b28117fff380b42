package doccheck

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// layers says which packages of the module each library package may
// import, by import path relative to the module (a trailing "/..." takes
// the folder's packages too): dependencies point one way,
// cmd -> transform -> msi/* -> msi -> cfb, cab. Packages not listed
// (cmd, fuzz, bench, internal) may import any library package.
var layers = []struct {
	pkg   string
	allow []string
}{
	{"cfb", []string{"internal/..."}},
	{"cab", []string{"internal/..."}},
	{"msi", []string{"cfb", "internal/..."}},
	{"msi/authenticode", []string{"msi", "cfb", "internal/..."}},
	{"msi/idt", []string{"msi", "cfb", "internal/..."}},
	{"msi/install", []string{"msi", "cfb", "cab", "internal/..."}},
	{"msi/validate", []string{"msi", "cfb", "internal/..."}},
	{"msi/darwin", []string{"internal/..."}},
	{"msi/msilog", []string{"msi/darwin", "internal/..."}},
	{"msi/mst", []string{"msi", "cfb", "internal/..."}},
	{"transform/...", []string{"transform/internal/...", "msi", "msi/idt", "msi/install", "msi/authenticode", "msi/darwin", "cfb", "cab", "internal/..."}},
	{"msi/sbom", []string{"msi", "msi/install", "msi/authenticode", "cfb", "cab", "internal/..."}},
}

// matches reports whether rel matches the pattern p ("x" or "x/...").
func matches(p, rel string) bool {
	if base, ok := strings.CutSuffix(p, "/..."); ok {
		return rel == base || strings.HasPrefix(rel, base+"/")
	}
	return rel == p
}

// TestImportLayers checks every library package's imports (tests
// excluded) against layers, that no library package imports a command,
// and that msi does not depend on cab at all (install owns cabinets).
func TestImportLayers(t *testing.T) {
	_, mod := moduleRoot(t)
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", mod+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	rel := func(p string) (string, bool) {
		if p == mod {
			return "", true
		}
		return strings.CutPrefix(p, mod+"/")
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, _ := rel(f[0])
		for _, l := range layers {
			if !matches(l.pkg, pkg) {
				continue
			}
			checked++
			for _, imp := range f[1:] {
				r, ours := rel(imp)
				if !ours {
					continue
				}
				ok := false
				for _, a := range l.allow {
					ok = ok || matches(a, r)
				}
				if !ok {
					t.Errorf("%s imports %s: %s may import only %s", pkg, r, l.pkg, strings.Join(l.allow, ", "))
				}
			}
			break
		}
		for _, imp := range f[1:] {
			if r, ours := rel(imp); ours && matches("cmd/...", r) {
				t.Errorf("%s imports the command %s", pkg, r)
			}
		}
	}
	if checked < len(layers) {
		t.Errorf("only %d packages matched the %d layers", checked, len(layers))
	}
	deps, err := exec.Command("go", "list", "-deps", mod+"/msi").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, d := range strings.Fields(string(deps)) {
		if d == path.Join(mod, "cab") {
			t.Errorf("msi depends on cab (through %s's imports): cabinets belong to msi/install", mod+"/msi")
		}
	}
}

// TestReadmeLayout checks that the README's Layout section names every
// package folder of the module (as `dir/`), so that one ls answers
// "where does X live". Folders below bench/ and test helper packages
// (named *test) are covered by their parent's line.
func TestReadmeLayout(t *testing.T) {
	root, mod := moduleRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	sec := section(t, string(b), "layout")
	out, err := exec.Command("go", "list", mod+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	named := func(dir string) bool { return strings.Contains(sec, "`"+dir+"/`") }
	for _, p := range strings.Fields(string(out)) {
		dir, _ := strings.CutPrefix(p, mod+"/")
		if named(dir) {
			continue
		}
		covered := false
		if strings.HasPrefix(dir, "bench/") || strings.HasSuffix(dir, "test") {
			for d := path.Dir(dir); d != "." && !covered; d = path.Dir(d) {
				covered = named(d)
			}
		}
		if !covered {
			t.Errorf("README.md's Layout section does not name %s/", dir)
		}
	}
}
