package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The soft memory limit grows with the files named on the command line
// and is off when one names a folder.
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
		{[]string{"sbom", "-o", dir, a}, 0, false},
		{[]string{"extract", a, "-d", dir}, 0, false},
	} {
		limit, ok := softMemoryLimit(tc.args)
		if limit != tc.limit || ok != tc.ok {
			t.Errorf("%q: %d, %v; want %d, %v", tc.args, limit, ok, tc.limit, tc.ok)
		}
	}
}
