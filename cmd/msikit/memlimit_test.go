package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The soft memory limit grows with the files named on the command line
// as inputs (an output, existing or not, counts nothing) and is off when
// an input is a folder.
func TestSoftMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.msi"), filepath.Join(dir, "b.idt")
	if err := os.WriteFile(a, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, make([]byte, 3000), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args  []string
		limit int64
		ok    bool
	}{
		{[]string{"info"}, softMemoryBase, true},
		{[]string{"audit", a}, softMemoryBase + 8<<20, true},
		{[]string{"import", a, b, "-o", filepath.Join(dir, "new.msi")}, softMemoryBase + 8*(1<<20+3000), true},
		// Outputs count nothing, existing or not, file or folder.
		{[]string{"import", a, b, "-o", a + ".out"}, softMemoryBase + 8*(1<<20+3000), true},
		{[]string{"import", b, "-o", a, b}, softMemoryBase + 8*2*3000, true},
		{[]string{"import", b, "--output=" + a, b}, softMemoryBase + 8*2*3000, true},
		{[]string{"sbom", "-o", dir, a}, softMemoryBase + 8<<20, true},
		{[]string{"extract", a, "-d", dir}, softMemoryBase + 8<<20, true},
		{[]string{"extract", a, "--dir=" + dir}, softMemoryBase + 8<<20, true},
		// A folder as input: none.
		{[]string{"verify", dir}, 0, false},
	} {
		limit, ok := softMemoryLimit(tc.args)
		if limit != tc.limit || ok != tc.ok {
			t.Errorf("%q: %d, %v; want %d, %v", tc.args, limit, ok, tc.limit, tc.ok)
		}
	}
}
