package install

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// TestLayoutMemoryPerDirectory resolves packages made mostly of
// Directory rows (testdata/crafted/valid) and bounds the memory per row
// the layout holds and allocates:
//
//   - msi-directory-chain.msi, a chain of 10,000 (10,009 rows): the node
//     (120 bytes; 152 while its error and path lengths took 16 and 8
//     bytes each), its key in the index of Directory ids and its
//     canonical folder. It measured 229 bytes held and 315 allocated;
//     261 and 407 before, the index of ids grown step by step and each
//     DefaultDir split into a new slice.
//   - msi-duplicate-long-keys.msi, 6,009 rows whose keys are one 24 KiB
//     text: the rows' room in the slice of nodes (120 bytes), no more.
//     It measured 115 bytes held and 123 allocated; 152 and 160 with
//     the index of ids sized for every row, as if each key were short (a
//     map of 6,009 slots left empty; at 5 MB, 6 MiB more peak RSS).
func TestLayoutMemoryPerDirectory(t *testing.T) {
	for _, tc := range []struct {
		pkg         string
		held, alloc uint64 // bounds per Directory row
	}{
		{"msi-directory-chain.msi", 245, 360},
		{"msi-duplicate-long-keys.msi", 130, 140},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", tc.pkg))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tab, err := db.Table("Directory")
			if err != nil {
				t.Fatal(err)
			}
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
			rows := uint64(tab.Len())
			t.Logf("%d Directory rows: %d bytes held, %d allocated per row", rows, held/rows, alloc/rows)
			if held/rows > tc.held || alloc/rows > tc.alloc {
				t.Errorf("the layout holds %d and allocates %d bytes per Directory row, want at most %d and %d", held/rows, alloc/rows, tc.held, tc.alloc)
			}
			runtime.KeepAlive(lay)
		})
	}
}
