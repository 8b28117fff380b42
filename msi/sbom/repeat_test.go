package sbom

import (
	"errors"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// repeatedRowHeld bounds the heap an Inventory holds per File row of a
// package repeating one row as stored (testdata/crafted/valid
// msi-duplicate-rows.msi: app.exe 1,601 times, its cabinet holding one).
// Each copy is one File with its own path and its failure: 651 bytes,
// with the tables Read loads (762 while each copy's failure had an error
// of its own). When the failures of the copies were listed as files of
// their own (as if no File row named them), beside the copies, it was
// 1,214.
const repeatedRowHeld = 750

// TestRepeatedFileRows reads a package whose File table repeats the row
// of app.exe: the copy the cabinet holds is read, and each other copy is
// its own File, at its own path, with its failure; nothing else is
// listed.
func TestRepeatedFileRows(t *testing.T) {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-duplicate-rows.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := db.Table("File")
	if err != nil {
		t.Fatal(err)
	}
	rows := tab.Len()
	var inv *Inventory
	held := testenv.LiveBytes(func() any {
		if inv, err = Read(db, nil); err != nil {
			t.Fatal(err)
		}
		return inv
	})
	if len(inv.Files) != rows {
		t.Errorf("%d files listed, the File table has %d rows", len(inv.Files), rows)
	}
	read, failed := 0, 0
	paths := map[string]bool{}
	for _, f := range inv.Files {
		if f.Path == "" || paths[f.Path] {
			t.Errorf("File %q: install path %q, empty or met before", f.Key, f.Path)
		}
		paths[f.Path] = true
		var fe *install.FileError
		switch {
		case f.Read:
			read++
		case errors.As(f.ReadErr, &fe) && fe.Key == "app.exe":
			failed++
		default:
			t.Errorf("File %q (%s): not read, error %v", f.Key, f.Path, f.ReadErr)
		}
	}
	if failed != rows-17 || read != 17 {
		t.Errorf("%d files read, %d failed; want 17 and %d", read, failed, rows-17)
	}
	per := held / uint64(rows)
	t.Logf("%d File rows: %d bytes held, %d per row", rows, held, per)
	if per > repeatedRowHeld {
		t.Errorf("the inventory holds %d bytes per File row, want at most %d", per, repeatedRowHeld)
	}
	runtime.KeepAlive(inv)
}
