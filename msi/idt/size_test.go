package idt

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// TestExportSize checks that ExportSize is the length of what Export
// writes, for every table and pseudo-table of the sample and the crafted
// well-formed packages (a string shared by thousands of cells, control
// characters in names, 50,000 empty tables).
func TestExportSize(t *testing.T) {
	files := []string{filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi")}
	if !testing.Short() {
		valid, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "*.msi"))
		files = append(files, valid...)
	}
	checkExportSize(t, files)
}

// TestExportSizeCorpus is TestExportSize on every corpus database.
func TestExportSizeCorpus(t *testing.T) {
	var files []string
	for _, f := range testenv.CorpusFiles(t) {
		if !testenv.IsCorrupt(f) {
			files = append(files, f)
		}
	}
	checkExportSize(t, files)
}

func checkExportSize(t *testing.T, files []string) {
	tables, dbs := 0, 0
	for _, f := range files {
		db, err := msi.Open(f)
		if err != nil {
			continue // not a database; the corpus tests say why
		}
		if db.Kind() == msi.PackageTransform {
			db.Close()
			continue
		}
		dbs++
		got, want := map[string]int64{}, map[string]int64{}
		for _, table := range Tables(db) {
			var c countWriter
			werr := Export(&c, db, table, nil)
			n, err := ExportSize(db, table)
			if (err != nil) != (werr != nil) {
				t.Errorf("%s: table %s: ExportSize error %v, Export error %v", filepath.Base(f), table, err, werr)
				continue
			}
			got[table], want[table] = n, c.n
			tables++
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: (-written +ExportSize):\n%s", filepath.Base(f), diff)
		}
		var text int64
		for _, n := range want {
			text += n
		}
		if text <= 16<<20 {
			checkExportFiles(t, f, db)
		}
		db.Close()
	}
	if dbs == 0 {
		t.Fatal("no database opened")
	}
	t.Logf("%d tables of %d databases", tables, dbs)
}

// BenchmarkExportSize counts the text of the sample's tables and of the
// crafted table of 2,000 cells sharing one 64 KiB string (128 MiB of
// text from an 80 KB package): the count costs a look per cell, not the
// text.
func BenchmarkExportSize(b *testing.B) {
	for _, c := range []struct{ name, file, table string }{
		{"sample-File", "sample.msi", "File"},
		{"shared-64k-string", "crafted/valid/msi-json-shared-64k-string.msi", "Blob"},
	} {
		b.Run(c.name, func(b *testing.B) {
			db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", filepath.FromSlash(c.file)))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			t, err := db.Table(c.table)
			if err != nil {
				b.Fatal(err)
			}
			size, err := ExportSize(db, c.table)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(size) // the text counted, not written
			for b.Loop() {
				if _, err := ExportSize(db, c.table); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(t.Len()), "ns/row")
		})
	}
}

// checkExportFiles checks that ExportFiles is the number of files
// ExportDir writes for each table of db (its IDT file and those in the
// table's folder; none for a table whose name it refuses). Databases of
// more than 1,000 tables are left out (the 50,000 empty tables of one
// crafted package take 12 s to write on disk, and count as any other), and
// so are those of more than 16 MiB of text (checkExportSize).
func checkExportFiles(t *testing.T, file string, db *msi.Database) {
	t.Helper()
	if len(Tables(db)) > 1000 {
		return
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := ExportDir(dir, db); err != nil && !errors.Is(err, ErrUnsafeName) {
		return // nothing written; the export's own tests check why
	}
	got, want := map[string]int64{}, map[string]int64{}
	for _, table := range Tables(db) {
		n, err := ExportFiles(db, table)
		if err != nil {
			t.Errorf("%s: table %s: ExportFiles: %v", filepath.Base(file), table, err)
			continue
		}
		got[table] = n
		written := int64(0)
		if _, err := os.Lstat(filepath.Join(dir, table+".idt")); err == nil {
			written++
		}
		if cells, err := os.ReadDir(filepath.Join(dir, table)); err == nil {
			written += int64(len(cells))
		}
		want[table] = written
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: (-written +ExportFiles):\n%s", filepath.Base(file), diff)
	}
	os.RemoveAll(dir)
}

// TestExportSizeLongBinaryKeys: ExportSize and ExportFiles count the
// stream names of binary cells without building them from the rows'
// keys. 20,000 rows keyed by one 1 MiB pooled text (and a number) built
// 20 GB of names for each count.
func TestExportSizeLongBinaryKeys(t *testing.T) {
	const rows = 20000
	long := strings.Repeat("K", 1<<20)
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := db.CreateTable("T", []msi.Column{
		{Name: "K", Type: msi.ColString, Key: true},
		{Name: "N", Type: msi.ColInt16, Key: true},
		{Name: "B", Type: msi.ColBinary, Nullable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if err := tab.Insert(msi.StrValue(long), msi.IntValue(int32(i)), msi.BinaryValue()); err != nil {
			t.Fatal(err)
		}
	}
	var size, files int64
	testenv.CheckBudget(t, "ExportSize and ExportFiles of 20,000 rows keyed by a 1 MiB text", func() {
		if size, err = ExportSize(db, "T"); err != nil {
			t.Fatal(err)
		}
		if files, err = ExportFiles(db, "T"); err != nil {
			t.Fatal(err)
		}
	})
	want := int64(len("K\tN\tB\r\ns0\ti2\tV0\r\nT\tK\tN\r\n"))
	for i := range rows {
		n := int64(len(strconv.Itoa(i)))
		want += 2 + 2 + int64(len(long)) + n + int64(len("T.")+len(long)+len(".")) + n
	}
	if size != want {
		t.Errorf("ExportSize = %d, want %d", size, want)
	}
	if files != 1 {
		t.Errorf("ExportFiles = %d, want 1 (the IDT file; the cells' names are too long for files)", files)
	}
}
