package install_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// TestExtractManyMissingCabinetsInBusyFolder: 32,767 Media rows naming
// 32,767 different external cabinets, none there, in a folder of 2,000
// other files (a downloads folder). Each name that has no file of its own
// is matched case-insensitively among the folder's entries; the folder
// was listed once per name (65 million entries, 43 s for msikit extract)
// and is now listed once. Each cabinet is reported missing.
func TestExtractManyMissingCabinetsInBusyFolder(t *testing.T) {
	db := openCrafted(t, "msi-media-32767-rows-50000-files.msi")
	media, err := db.Table("Media")
	if err != nil {
		t.Fatal(err)
	}
	// Row i covers the file of sequence 32766+i: one file per cabinet.
	var keys [][]msi.Value
	for row := range media.Rows() {
		keys = append(keys, row.Key())
	}
	for i, k := range keys {
		if err := media.Update(k, func(vals []msi.Value) error {
			vals[1] = msi.IntValue(int32(32767 + i))
			vals[3] = msi.StrValue(fmt.Sprintf("c%05d.cab", i))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	for i := range 2000 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("other%04d.txt", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var rep *install.Report
	testenv.CheckBudgetOf(t, "extract", 5*time.Second, 512<<20, func() {
		rep, err = install.Extract(db, &install.Options{SourceDir: dir}, func(*install.File, io.Reader) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.MissingCabinets) != len(keys) || rep.Extracted != 0 {
		t.Fatalf("%d cabinets missing, %d files extracted; want %d and 0", len(rep.MissingCabinets), rep.Extracted, len(keys))
	}
	for _, c := range rep.MissingCabinets {
		if !errors.Is(c, install.ErrCabinetMissing) {
			t.Fatalf("cabinet %s: %v, want ErrCabinetMissing", c.Name, c)
		}
	}
}
