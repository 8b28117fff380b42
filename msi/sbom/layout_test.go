package sbom

import (
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// readAllocPerDirectory bounds what Read allocates per Directory row of a
// package whose Directory tree is most of it (testdata/crafted/valid
// msi-directory-chain.msi: a chain of 10,000 above the folder of eight
// files). It measured 365 bytes: the tree is resolved once, for listing
// the files and extracting them (install.Plan); 681 when install.Files
// and install.Extract resolved it each (twice the time, and the second
// resolution raised the peak of the heap by a third).
const readAllocPerDirectory = 500

// TestReadResolvesTheTreeOnce bounds what Read allocates per Directory
// row.
func TestReadResolvesTheTreeOnce(t *testing.T) {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-directory-chain.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Read(db, nil); err != nil { // the tables, loaded
		t.Fatal(err)
	}
	tab, err := db.Table("Directory")
	if err != nil {
		t.Fatal(err)
	}
	rows := uint64(tab.Len())
	_, alloc := testenv.Measure(func() {
		if _, err := Read(db, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%d Directory rows: %d bytes allocated per row", rows, alloc/rows)
	if alloc/rows > readAllocPerDirectory {
		t.Errorf("Read allocates %d bytes per Directory row, want at most %d", alloc/rows, readAllocPerDirectory)
	}
}
