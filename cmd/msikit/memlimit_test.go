package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The soft memory limit grows with the files named on the command line
// as inputs (an output, existing or not, counts nothing); a folder counts
// as its largest file, what one package of a batch reads.
func TestSoftMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.msi"), filepath.Join(dir, "b.idt")
	if err := os.WriteFile(a, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, make([]byte, 3000), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	// A file in a subfolder counts nothing (batches read a folder's own
	// files), and a link counts as what it names.
	if err := os.WriteFile(filepath.Join(sub, "big.msi"), make([]byte, 5<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	links := filepath.Join(dir, "links")
	if err := os.Mkdir(links, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(a, filepath.Join(links, "a.msi")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sub, filepath.Join(links, "sub")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		limit  int64
		folder bool
	}{
		{[]string{"info"}, softMemoryBase, false},
		{[]string{"audit", a}, softMemoryBase + 8<<20, false},
		{[]string{"import", a, b, "-o", filepath.Join(dir, "new.msi")}, softMemoryBase + 8*(1<<20+3000), false},
		// Outputs count nothing, existing or not, file or folder.
		{[]string{"import", a, b, "-o", a + ".out"}, softMemoryBase + 8*(1<<20+3000), false},
		{[]string{"import", b, "-o", a, b}, softMemoryBase + 8*2*3000, false},
		{[]string{"import", b, "--output=" + a, b}, softMemoryBase + 8*2*3000, false},
		{[]string{"sbom", "-o", dir, a}, softMemoryBase + 8<<20, false},
		{[]string{"extract", a, "-d", dir}, softMemoryBase + 8<<20, false},
		{[]string{"extract", a, "--dir=" + dir}, softMemoryBase + 8<<20, false},
		// A folder as input: its largest file.
		{[]string{"verify", dir}, softMemoryBase + 8<<20, true},
		{[]string{"rewrite", "--dry-run", links, b}, softMemoryBase + 8*(1<<20+3000), true},
		{[]string{"audit", t.TempDir()}, softMemoryBase, true},
	} {
		limit, folder := softMemoryLimit(tc.args)
		if limit != tc.limit || folder != tc.folder {
			t.Errorf("%q: %d, %v; want %d, %v", tc.args, limit, folder, tc.limit, tc.folder)
		}
	}
}

// Past 0.8 times a batch's limit, keepHeadroom keeps the limit 1.25 times
// what is live, not less, so that two heavy packages at once do not make
// the collector run without pause; below, the limit is the batch's.
func TestHeadroomLimit(t *testing.T) {
	const base = 200 << 20
	for _, tc := range []struct{ live, want int64 }{
		{0, base},
		{150 << 20, base},
		{160 << 20, base},
		{200 << 20, 250 << 20},
		{400 << 20, 500 << 20},
	} {
		if got := headroomLimit(base, tc.live); got != tc.want {
			t.Errorf("headroomLimit(%d, %d) = %d, want %d", base, tc.live, got, tc.want)
		}
	}
}
