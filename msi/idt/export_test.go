package idt

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/msikit/msikit/msi"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// msiinfoFixups turns msiinfo's output into what msikit writes where
// msiinfo is wrong; every case is listed with its evidence in
// testdata/known-msiinfo-differences.md.
func msiinfoFixups(table string, out []byte) []byte {
	if table == ForceCodepageTable {
		// msiinfo writes the C string terminator after the line (difference 1).
		return bytes.TrimSuffix(out, []byte{0})
	}
	lines := strings.Split(string(out), "\r\n")
	if len(lines) < 4 {
		return out
	}
	// Difference 2: msiinfo reads the 2-byte cells of 1-byte integer
	// columns ("i1"/"I1") but undoes the sign flip of a 4-byte cell. Undo
	// its flip and apply the 2-byte one.
	var i1 []int
	for i, typ := range strings.Split(lines[1], "\t") {
		if typ == "i1" || typ == "I1" {
			i1 = append(i1, i)
		}
	}
	if len(i1) == 0 {
		return out
	}
	for n := 3; n < len(lines); n++ {
		f := strings.Split(lines[n], "\t")
		for _, i := range i1 {
			if i >= len(f) || f[i] == "" {
				continue
			}
			v, err := strconv.ParseInt(f[i], 10, 32)
			if err != nil {
				continue
			}
			raw := uint32(v) ^ 0x80000000 // the stored 2-byte cell
			f[i] = strconv.Itoa(int(int16(uint16(raw) ^ 0x8000)))
		}
		lines[n] = strings.Join(f, "\t")
	}
	return []byte(strings.Join(lines, "\r\n"))
}

// corpusDatabases opens every corpus file that msiinfo also reads as a
// database, skipping transforms (whose "tables" are change records that
// msiinfo misreads as a database; see known-msiinfo-differences.md).
func exportParityFiles(t *testing.T) []string {
	files := testenv.CorpusFiles(t)
	var out []string
	for _, f := range files {
		if testenv.IsCorrupt(f) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// TestExportMatchesMsiinfo exports every table (and the two
// pseudo-tables) of every corpus database and compares the bytes with
// `msiinfo export`, including the binary cell files both write.
func TestExportMatchesMsiinfo(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	files := exportParityFiles(t)
	var tablesCompared, filesCompared, translated atomic.Int64
	t.Cleanup(func() {
		t.Logf("%d files, %d tables byte-identical to msiinfo export (%d of them after undoing the control character translation), %d binary cell files identical",
			len(files), tablesCompared.Load(), translated.Load(), filesCompared.Load())
	})
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel() // msiinfo runs are the cost; use both cores
			db, err := msi.Open(file)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
			ours := t.TempDir()
			// theirs is where msiinfo export writes binary cells.
			theirs := t.TempDir()

			names := Tables(db)
			if db.Kind() == msi.PackageTransform {
				// Only the pseudo-tables are meaningful for a transform.
				names = names[:2]
			} else {
				out, err := testenv.Msiinfo(t, msiinfo, theirs, "tables", file)
				if err != nil {
					t.Fatalf("msiinfo tables: %v", err)
				}
				want := strings.Fields(string(out))
				if diff := cmp.Diff(want, names); diff != "" {
					t.Errorf("table list differs from msiinfo tables (-msiinfo +ours):\n%s", diff)
				}
				// The system tables export as well.
				names = append(names, "_Tables", "_Columns")
			}
			for _, table := range names {
				want, err := testenv.Msiinfo(t, msiinfo, theirs, "export", file, table)
				if err != nil {
					t.Errorf("msiinfo export %s: %v", table, err)
					continue
				}
				want = msiinfoFixups(table, want)
				var got bytes.Buffer
				if err := Export(&got, db, table, &ExportOptions{BinaryDir: ours}); err != nil {
					t.Errorf("Export(%s): %v", table, err)
					continue
				}
				if raw := rawControlChars(got.Bytes()); !bytes.Equal(raw, got.Bytes()) {
					// msiinfo writes control characters raw, msikit as
					// the Archive File Format translates them
					// (known-msiinfo-differences.md, difference 3).
					translated.Add(1)
					got.Reset()
					got.Write(raw)
				}
				if !bytes.Equal(want, got.Bytes()) {
					t.Errorf("table %s differs from msiinfo export (-msiinfo +ours):\n%s", table,
						cmp.Diff(strings.Split(string(want), "\r\n"), strings.Split(got.String(), "\r\n")))
					continue
				}
				tablesCompared.Add(1)
			}
			// The binary cell files must match too.
			n, err := compareTrees(theirs, ours)
			if err != nil {
				t.Error(err)
			}
			filesCompared.Add(int64(n))
		})
	}
}

// compareTrees checks that two folders hold the same files with the same
// bytes and returns how many files it compared.
func compareTrees(want, got string) (int, error) {
	list := func(root string) (map[string][]byte, error) {
		m := map[string][]byte{}
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			m[rel] = b
			return err
		})
		return m, err
	}
	w, err := list(want)
	if err != nil {
		return 0, err
	}
	g, err := list(got)
	if err != nil {
		return 0, err
	}
	var bad []string
	for name, b := range w {
		if gb, ok := g[name]; !ok {
			bad = append(bad, "missing "+name)
		} else if !bytes.Equal(b, gb) {
			bad = append(bad, "differs "+name)
		}
	}
	for name := range g {
		if _, ok := w[name]; !ok {
			bad = append(bad, "extra "+name)
		}
	}
	if len(bad) > 0 {
		return 0, &exec.Error{Name: "binary cell files", Err: errorString(strings.Join(bad, "; "))}
	}
	return len(w), nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// rawControlChars undoes the Archive File Format's control character
// translation in the rows of an IDT export (after the three header lines),
// giving what msiinfo writes.
func rawControlChars(idt []byte) []byte {
	head := 0
	for i := 0; i < 3; i++ {
		j := bytes.Index(idt[head:], []byte("\r\n"))
		if j < 0 {
			return idt
		}
		head += j + 2
	}
	return append(idt[:head:head], unescape(string(idt[head:]))...)
}

// ExportDir sees the database as edited: a stream set with SetStream is
// exported from its source before any save.
func TestExportSeesEdits(t *testing.T) {
	db := openSample(t)
	icon, err := db.Table("Icon")
	if err != nil {
		t.Fatal(err)
	}
	added := []byte("icon bytes set before saving")
	if err := icon.Insert(msi.StrValue("added.ico"), msi.BinaryValue()); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStream("Icon.added.ico", bytes.NewReader(added), int64(len(added))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := ExportDir(dir, db, "Icon"); err != nil {
		t.Fatalf("ExportDir with a set stream: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "Icon", "Icon.added.ico")); err != nil || !bytes.Equal(got, added) {
		t.Errorf("exported binary cell: %q, %v; want %q", got, err, added)
	}
}
