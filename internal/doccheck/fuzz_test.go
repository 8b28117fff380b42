package doccheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestFuzzTargetsDocumented checks that SECURITY.md's fuzzing table names
// every native fuzz target of the module and that the README's count of
// them is the number there is, so a new target cannot go unlisted.
func TestFuzzTargetsDocumented(t *testing.T) {
	root, _ := moduleRoot(t)
	decl := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(\w+ \*testing\.F\)`)
	var targets []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllSubmatch(b, -1) {
			targets = append(targets, string(m[1]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(targets)
	if len(targets) == 0 {
		t.Fatal("no fuzz targets found")
	}
	sec, err := os.ReadFile(filepath.Join(root, "SECURITY.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range targets {
		if !strings.Contains(string(sec), "`"+name+"`") {
			t.Errorf("SECURITY.md does not list fuzz target %s", name)
		}
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	counts := regexp.MustCompile(`(\d+) fuzz targets`).FindAllSubmatch(readme, -1)
	if len(counts) == 0 {
		t.Fatal(`README.md: no "N fuzz targets" count`)
	}
	for _, m := range counts {
		if n, _ := strconv.Atoi(string(m[1])); n != len(targets) {
			t.Errorf("README.md says %d fuzz targets; there are %d: %s", n, len(targets), strings.Join(targets, " "))
		}
	}
}
