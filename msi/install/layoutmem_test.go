package install

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// Bounds on what resolving a Directory chain costs per Directory row
// (testdata/crafted/valid/msi-directory-chain.msi: 10,009 rows, a chain
// of 10,000): the node (120 bytes; 152 while its error and path lengths
// took 16 and 8 bytes each), its key in the index of Directory ids and
// its canonical folder. It measured 229 bytes held and 315 allocated;
// 261 and 407 before, the index of ids grown step by step and each
// DefaultDir split into a new slice.
const (
	layoutHeldPerRow  = 245
	layoutAllocPerRow = 360
)

// TestLayoutMemoryPerDirectory resolves a deep Directory chain and
// bounds the memory per Directory row the layout holds and allocates.
func TestLayoutMemoryPerDirectory(t *testing.T) {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-directory-chain.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := newLayout(db, LayoutX64); err != nil { // the tables, loaded
		t.Fatal(err)
	}
	var lay *layout
	held := testenv.LiveBytes(func() any {
		if lay, err = newLayout(db, LayoutX64); err != nil {
			t.Fatal(err)
		}
		return lay
	})
	_, alloc := testenv.Measure(func() {
		if _, err := newLayout(db, LayoutX64); err != nil {
			t.Fatal(err)
		}
	})
	rows := uint64(len(lay.nodes))
	t.Logf("%d Directory rows: %d bytes held, %d allocated per row", rows, held/rows, alloc/rows)
	if held/rows > layoutHeldPerRow || alloc/rows > layoutAllocPerRow {
		t.Errorf("the layout holds %d and allocates %d bytes per Directory row, want at most %d and %d", held/rows, alloc/rows, layoutHeldPerRow, layoutAllocPerRow)
	}
	runtime.KeepAlive(lay)
}
