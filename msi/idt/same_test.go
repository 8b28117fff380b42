package idt

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/msi"
)

// Importing a table's own rows (in any order) changes nothing: the
// database stays unmodified, so a signed package can be written without
// dropping its signature. Any difference is a change, and a file that
// repeats a key is still refused.
func TestImportUnchangedTable(t *testing.T) {
	const head = "Key\tValue\r\ns72\tS0\r\nT\tKey\r\n"
	base := head + "A\tone\r\nB\ttwo\r\nC\t\r\n"
	tests := []struct {
		name     string
		idt      string
		modified bool
		fails    bool
	}{
		{"same rows", base, false, false},
		{"same rows, other order", head + "C\t\r\nB\ttwo\r\nA\tone\r\n", false, false},
		{"a value differs", head + "A\tone\r\nB\tTWO\r\nC\t\r\n", true, false},
		{"a null becomes a value", head + "A\tone\r\nB\ttwo\r\nC\tx\r\n", true, false},
		{"a row fewer", head + "A\tone\r\nB\ttwo\r\n", true, false},
		{"a row more", base + "D\tfour\r\n", true, false},
		{"a key repeated, same count", head + "A\tone\r\nA\tone\r\nB\ttwo\r\n", true, true},
		// The rows before a refused one are the table's: nothing changes,
		// but the refusal is still an error.
		{"same rows, then a null key", base + "\tfour\r\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openSample(t)
			// Start from a known table, then from a freshly opened state.
			if _, err := Import(db, strings.NewReader(base), nil); err != nil {
				t.Fatal(err)
			}
			tmp, _ := saveReopen(t, db, "db.msi")
			if tmp.Modified() {
				t.Fatal("a freshly opened database reports Modified")
			}
			_, err := Import(tmp, strings.NewReader(tt.idt), nil)
			if (err != nil) != tt.fails {
				t.Fatalf("ImportIDT: err %v, want failure %v", err, tt.fails)
			}
			if tmp.Modified() != tt.modified {
				t.Errorf("Modified() = %v, want %v", tmp.Modified(), tt.modified)
			}
		})
	}
}

// goneFS is a file system whose file gone can be found (Stat) but not
// opened, as when a file is removed between Import's check that the
// binary cell files exist and its comparison of their contents.
type goneFS struct {
	fstest.MapFS
	gone string
}

func (g goneFS) Open(name string) (fs.File, error) {
	if name == g.gone {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return g.MapFS.Open(name)
}

// Importing a table with binary cells whose rows are the table's rows and
// whose files hold the bytes of the rows' streams changes nothing, as
// for a table without binary cells. A file that differs (by one byte, by
// its size), a null cell that names a file or the reverse, a stream the
// package lacks: each is a change, and the files' bytes are stored.
func TestImportUnchangedBinary(t *testing.T) {
	const head = "Key\tData\r\ns72\tV0\r\nT\tKey\r\n"
	// Big spans several comparison chunks, with one odd-sized tail.
	big := make([]byte, 3*compareChunk+17)
	for i := range big {
		big[i] = byte(i * 7)
	}
	oneOff := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 1
		return c
	}
	baseIDT := head + "A\tA.bin\r\nB\t\r\nC\tC.bin\r\n"
	baseFiles := fstest.MapFS{
		"T/A.bin": {Data: []byte("alpha")},
		"T/C.bin": {Data: big},
	}
	db := openSample(t)
	if _, err := Import(db, strings.NewReader(baseIDT), baseFiles); err != nil {
		t.Fatal(err)
	}
	_, pkg := saveReopen(t, db, "base.msi")

	tests := []struct {
		name     string
		idt      string
		files    map[string][]byte // T/<name> -> contents
		gone     string            // a file Stat finds but Open does not
		modified bool
		streams  map[string]string // stream -> contents after the import
	}{
		{"same rows and files", baseIDT, map[string][]byte{"A.bin": []byte("alpha"), "C.bin": big}, "", false,
			map[string]string{"T.A": "alpha", "T.C": string(big)}},
		{"same, other order and file names", head + "C\tc\r\nB\t\r\nA\ta\r\n", map[string][]byte{"a": []byte("alpha"), "c": big}, "", false,
			map[string]string{"T.A": "alpha", "T.C": string(big)}},
		{"one byte differs", baseIDT, map[string][]byte{"A.bin": []byte("alphA"), "C.bin": big}, "", true,
			map[string]string{"T.A": "alphA", "T.C": string(big)}},
		{"one byte differs in the last chunk", baseIDT, map[string][]byte{"A.bin": []byte("alpha"), "C.bin": oneOff(big, len(big)-1)}, "", true,
			map[string]string{"T.A": "alpha", "T.C": string(oneOff(big, len(big)-1))}},
		{"one byte differs in a middle chunk", baseIDT, map[string][]byte{"A.bin": []byte("alpha"), "C.bin": oneOff(big, compareChunk+1)}, "", true,
			map[string]string{"T.A": "alpha", "T.C": string(oneOff(big, compareChunk+1))}},
		{"a file one byte longer", baseIDT, map[string][]byte{"A.bin": []byte("alpha!"), "C.bin": big}, "", true,
			map[string]string{"T.A": "alpha!", "T.C": string(big)}},
		{"an empty file", baseIDT, map[string][]byte{"A.bin": {}, "C.bin": big}, "", true,
			map[string]string{"T.A": "", "T.C": string(big)}},
		{"a null cell names a file", head + "A\tA.bin\r\nB\tB.bin\r\nC\tC.bin\r\n",
			map[string][]byte{"A.bin": []byte("alpha"), "B.bin": {}, "C.bin": big}, "", true,
			map[string]string{"T.A": "alpha", "T.B": "", "T.C": string(big)}},
		{"a cell becomes null", head + "A\t\r\nB\t\r\nC\tC.bin\r\n", map[string][]byte{"C.bin": big}, "", true,
			map[string]string{"T.C": string(big)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := msi.Open(pkg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			files := fstest.MapFS{}
			for name, data := range tt.files {
				files["T/"+name] = &fstest.MapFile{Data: data}
			}
			if _, err := Import(db, strings.NewReader(tt.idt), files); err != nil {
				t.Fatalf("Import: %v", err)
			}
			if db.Modified() != tt.modified {
				t.Errorf("Modified() = %v, want %v", db.Modified(), tt.modified)
			}
			if diff := cmp.Diff(tt.streams, streamsOf(t, db, "T.")); diff != "" {
				t.Errorf("streams after the import (-want +got):\n%s", diff)
			}
		})
	}

	// A stream the package lacks for a non-null cell is a difference: the
	// import stores it.
	t.Run("stream missing", func(t *testing.T) {
		db, err := msi.Open(pkg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.DeleteStream("T.A"); err != nil {
			t.Fatal(err)
		}
		if _, err := Import(db, strings.NewReader(baseIDT), baseFiles); err != nil {
			t.Fatalf("Import: %v", err)
		}
		want := map[string]string{"T.A": "alpha", "T.C": string(big)}
		if diff := cmp.Diff(want, streamsOf(t, db, "T.")); diff != "" {
			t.Errorf("streams after the import (-want +got):\n%s", diff)
		}
	})

	// A file that is gone by the time it is compared is an *Error that
	// wraps fs.ErrNotExist, and nothing changes.
	t.Run("file gone", func(t *testing.T) {
		db, err := msi.Open(pkg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		_, err = Import(db, strings.NewReader(baseIDT), goneFS{baseFiles, "T/C.bin"})
		var ie *Error
		if !errors.As(err, &ie) || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Import: %v (%T), want an *Error wrapping fs.ErrNotExist", err, err)
		}
		if db.Modified() {
			t.Error("the database is modified after a failed import")
		}
	})
}

// streamsOf returns the streams of db whose names start with prefix, with
// their contents.
func streamsOf(t *testing.T, db *msi.Database, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range db.Streams() {
		if !strings.HasPrefix(s.Name, prefix) {
			continue
		}
		r, err := db.OpenStream(s.Name)
		if err != nil {
			t.Fatalf("OpenStream(%q): %v", s.Name, err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("reading %q: %v", s.Name, err)
		}
		out[s.Name] = string(b)
	}
	return out
}

// TestImportUnchangedSummary: importing the _SummaryInformation.idt that
// Export writes changes nothing, even where the package's times have
// fractions of a second (IDT times have whole seconds); changing a value,
// or a time by a second, does.
func TestImportUnchangedSummary(t *testing.T) {
	// The sample with a LastPrinted time 0.7311 s past a whole second.
	db := openSample(t)
	si, err := db.SummaryInfo()
	if err != nil {
		t.Fatal(err)
	}
	const fraction = 7_311_000 // 100 ns units
	si.SetFiletime(msi.PIDLastPrinted, 128463682240000000+fraction)
	if err := db.SetSummaryInfo(si); err != nil {
		t.Fatal(err)
	}
	_, path := saveReopen(t, db, "fraction.msi")
	exported := exportString(t, openPath(t, path), SummaryInformationTable)
	if !strings.Contains(exported, "\r\n11\t2008/02/01 19:37:04\r\n") {
		t.Fatalf("export has no LastPrinted (PID 11) of 2008/02/01 19:37:04:\n%s", exported)
	}
	for _, tc := range []struct {
		name     string
		idt      string
		modified bool
	}{
		{"as exported", exported, false},
		{"title changed", strings.Replace(exported, "\r\n2\t", "\r\n2\tchanged ", 1), true},
		{"a time a second later", strings.Replace(exported, "\r\n11\t2008/02/01 19:37:04", "\r\n11\t2008/02/01 19:37:05", 1), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.idt == exported && tc.modified {
				t.Fatal("the edit did not change the export")
			}
			db := openPath(t, path)
			if _, err := Import(db, strings.NewReader(tc.idt), nil); err != nil {
				t.Fatal(err)
			}
			if db.Modified() != tc.modified {
				t.Errorf("Modified() = %v after the import, want %v", db.Modified(), tc.modified)
			}
		})
	}
}

// openPath opens the package path for the test.
func openPath(t testing.TB, path string) *msi.Database {
	t.Helper()
	db, err := msi.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
