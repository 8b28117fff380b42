package fuzz

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/jsonexport"
	"github.com/msikit/msikit/internal/safename"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
	"github.com/msikit/msikit/msi/mst"
	"github.com/msikit/msikit/msi/validate"
)

// buildBinaryRowsOneStream: the sample with a Binary row B whose stream
// holds 64 KiB, the row stored 20,000*scale times over (its cells
// repeated in the table stream). Every copy names the one stream
// Binary.B: whatever reads the stream of each row reads it 20,000 times
// (1.2 million at 5 MB: 78 GB).
func buildBinaryRowsOneStream(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	must(t, table(t, db, "Binary").Insert(str("B"), msi.BinaryValue()))
	data := bytes.Repeat([]byte("0123456789abcdef"), 4<<10)
	must(t, db.SetStream("Binary.B", bytes.NewReader(data), int64(len(data))))
	return repeatBinaryRow(t, db, 20000*scale)
}

// repeatBinaryRow saves db, whose Binary table has one row, with that row
// stored n times over (its cells repeated in the table stream).
func repeatBinaryRow(t testing.TB, db *msi.Database, n int) []byte {
	one := saveDB(t, db)
	db, err := msi.NewDatabase(bytes.NewReader(one), int64(len(one)))
	must(t, err)
	raw, _, err := db.RawTableStream("Binary")
	must(t, err)
	// Stored by column: the Name cell (a string reference), then the
	// Data cell (2 bytes).
	name := len(raw) - 2
	rows := append(bytes.Repeat(raw[:name], n), bytes.Repeat(raw[name:], n)...)
	return editStreams(t, one, map[string]func([]byte) []byte{"Binary": func([]byte) []byte { return rows }})
}

// Comparing the package with itself and with the sample reads the stream
// once, not once per row; the transform from the sample inserts the row's
// key once (mst.Write refused the second cell naming Binary.B when Diff
// wrote one per copy). Then
// importing the Binary table reads the cell files it names, not the
// stream of each row it replaces; the result holds the file's one row.
func checkBinaryRowsOneStream(t *testing.T, db *msi.Database) {
	testenv.CheckBudget(t, "Diff with itself", func() {
		c, err := mst.Diff(db, db)
		must(t, err)
		if !c.Empty() {
			t.Errorf("Diff of the package with itself: %d tables changed", len(c.Tables))
		}
	})
	testenv.CheckBudget(t, "Diff from the sample and Write", func() {
		c, err := mst.Diff(sampleDB(t), db)
		must(t, err)
		// One insert of the row's key (the copies a transform cannot
		// add are a note), so one cell names Binary.B.
		inserts := 0
		for _, tc := range c.Tables {
			if tc.Name == "Binary" {
				for range tc.Records() {
					inserts++
				}
			}
		}
		if inserts != 1 {
			t.Errorf("%d Binary records, want 1", inserts)
		}
		noted := false
		for _, d := range c.Unexpressible {
			noted = noted || d.Kind == "table" && d.Name == "Binary"
		}
		if !noted {
			t.Errorf("no note on the repeated Binary rows: %v", c.Unexpressible)
		}
		must(t, mst.Write(io.Discard, c, nil))
	})
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "Binary"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "Binary", "c"), []byte("cell"), 0o644))
	text := "Name\tData\r\ns72\tv0\r\nBinary\tName\r\nB\tc\r\n"
	testenv.CheckBudget(t, "Import", func() {
		_, err := idt.Import(db, strings.NewReader(text), os.DirFS(dir))
		must(t, err)
	})
	if n := table(t, db, "Binary").Len(); n != 1 {
		t.Errorf("Binary has %d rows after the import, want 1", n)
	}
}

// buildBinaryRowsLongKey: the sample with a Binary row keyed by a
// 64,000-byte text, with no stream (no stream name is that long), the
// row stored 20,000*scale times over. Each row's binary cell is named by
// its key: whatever builds the name of each row's stream copies the text
// as often (1.3 GB; 76 GB at 5 MB).
func buildBinaryRowsLongKey(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	must(t, table(t, db, "Binary").Insert(str(strings.Repeat("k", 64000)), msi.BinaryValue()))
	return repeatBinaryRow(t, db, 20000*scale)
}

// buildBinaryRowsUnsafeKey: the sample with a Binary row keyed "a:b",
// a name no file can have (':' names an NTFS alternate stream), the row
// stored 20,000*scale times over (1.2 million at 5 MB). Each copy is a
// binary cell export -d refuses as a file name: a list of one error per
// cell held 1.2 million errors and printed as many lines.
func buildBinaryRowsUnsafeKey(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	must(t, table(t, db, "Binary").Insert(str("a:b"), msi.BinaryValue()))
	return repeatBinaryRow(t, db, 20000*scale)
}

// The folder exports list a bounded number of the refused cells and
// count the rest, whatever the number of rows.
func checkBinaryRowsUnsafeKey(t *testing.T, db *msi.Database) {
	rows := table(t, db, "Binary").Len()
	for _, tc := range []struct {
		name   string
		export func(dir string) error
	}{
		{"ExportDir", func(dir string) error { return idt.ExportDir(dir, db, "Binary") }},
		{"jsonexport.WriteDir", func(dir string) error {
			return jsonexport.WriteDir(context.Background(), db, dir, []string{"Binary"})
		}},
	} {
		var err error
		testenv.CheckBudget(t, tc.name, func() {
			dir := filepath.Join(t.TempDir(), "out")
			err = tc.export(dir)
		})
		if !errors.Is(err, idt.ErrUnsafeName) {
			t.Fatalf("%s: %v, want ErrUnsafeName", tc.name, err)
		}
		list := err.(interface{ Unwrap() []error }).Unwrap()
		if len(list) > safename.MaxRefusalsListed+1 {
			t.Errorf("%s: %d errors for %d refused cells, want at most %d", tc.name, len(list), rows, safename.MaxRefusalsListed+1)
		}
		if got, want := safename.RefusalCount(err), rows; got != want {
			t.Errorf("%s: RefusalCount %d, want %d (one per row)", tc.name, got, want)
		}
	}
}

// The export's size and files are counted without a name per row: the
// cells' names are too long for files, and their text is counted.
// Validation checks the binary cells without their names (ICE03 reads
// each row's values).
func checkBinaryRowsLongKey(t *testing.T, db *msi.Database) {
	testenv.CheckBudget(t, "Validate", func() {
		fs, err := validate.Validate(db, nil)
		must(t, err)
		if len(fs) == 0 {
			t.Error("Validate found nothing in a table of duplicate keys")
		}
	})
	var size, files int64
	testenv.CheckBudget(t, "ExportSize and ExportFiles", func() {
		var err error
		size, err = idt.ExportSize(db, "Binary")
		must(t, err)
		files, err = idt.ExportFiles(db, "Binary")
		must(t, err)
	})
	rows := int64(table(t, db, "Binary").Len())
	if want := int64(len("Name\tData\r\ns72\tv0\r\nBinary\tName\r\n")) + rows*(3+64000+int64(len("Binary."))+64000); size != want || files != 1 {
		t.Errorf("ExportSize %d, ExportFiles %d; want %d and 1", size, files, want)
	}
}
