package idt

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/msi"
)

// writeCellFolder writes dir/Binary.idt with n rows, row i naming its own
// one-byte cell file in dir/Binary (the layout bench/cellsgen writes).
func writeCellFolder(t testing.TB, dir string, n int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "Binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "Binary.idt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	w.WriteString("Name\tData\r\ns72\tv0\r\nBinary\tName\r\n")
	for i := range n {
		fmt.Fprintf(w, "b%x\t%x\r\n", i, i)
		if err := os.WriteFile(filepath.Join(dir, "Binary", fmt.Sprintf("%x", i)), []byte{byte(i)}, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// A folder of distinct one-byte cell files costs each file one open
// through a handle on its folder, which checks it and reads it, and
// keeps each file's byte in shared chunks, read through readers from
// slabs: ImportFile of 4,000 such files and reading every stream once
// allocate at most maxAllocs objects and keep at most maxBytes bytes per
// cell (the row, its stream and its file: 13 and 474 measured). A stat
// to check each file, its lazyFile kept as the stream's reader and a
// copy of each row's key cost 19 allocations and 544 bytes per cell;
// checking each path element with lstat on every stat and open, and a
// bytes.Reader per file, 34 and 623.
func TestImportCellFilesCost(t *testing.T) {
	const (
		n         = 4000
		maxAllocs = 15
		maxBytes  = 500
	)
	dir := t.TempDir()
	writeCellFolder(t, dir, n)
	db := openSample(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := ImportFile(db, filepath.Join(dir, "Binary.idt")); err != nil {
		t.Fatal(err)
	}
	var b [2]byte
	for i := range n {
		s, err := db.OpenStream(fmt.Sprintf("Binary.b%x", i))
		if err != nil {
			t.Fatal(err)
		}
		if k, err := s.ReadAt(b[:], 0); k != 1 || err != io.EOF || b[0] != byte(i) {
			t.Fatalf("stream Binary.b%x: %d bytes %q (%v), want %q", i, k, b[:k], err, []byte{byte(i)})
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(db)
	allocs := float64(after.Mallocs-before.Mallocs) / n
	kept := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
	t.Logf("per cell: %.1f allocations, %.0f bytes kept", allocs, kept)
	if allocs > maxAllocs {
		t.Errorf("%.1f allocations per cell, want at most %d", allocs, maxAllocs)
	}
	if kept > maxBytes {
		t.Errorf("%.0f bytes kept per cell, want at most %d", kept, maxBytes)
	}
}

// ImportFile refuses a symbolic link anywhere below the IDT file's
// folder, even one to a file beside it (a folder handle would follow
// it), and a cell file replaced after the import checked it is not read
// into the package.
func TestImportFileNoLinks(t *testing.T) {
	body := "Name\tData\r\ns72\tv0\r\n%s\tName\r\nx\tf\r\n"
	for _, tt := range []struct {
		name  string
		table string
		setup func(dir string) error
	}{
		{"cell file to a file beside it", "Binary", func(dir string) error {
			os.WriteFile(filepath.Join(dir, "Binary", "g"), []byte("g"), 0o644)
			return os.Symlink("g", filepath.Join(dir, "Binary", "f"))
		}},
		{"table folder", "Binary", func(dir string) error {
			os.Remove(filepath.Join(dir, "Binary"))
			os.MkdirAll(filepath.Join(dir, "other"), 0o755)
			os.WriteFile(filepath.Join(dir, "other", "f"), []byte("f"), 0o644)
			return os.Symlink("other", filepath.Join(dir, "Binary"))
		}},
		{"outer folder of a nested table", "a/b", func(dir string) error {
			os.MkdirAll(filepath.Join(dir, "real", "b"), 0o755)
			os.WriteFile(filepath.Join(dir, "real", "b", "f"), []byte("f"), 0o644)
			return os.Symlink("real", filepath.Join(dir, "a"))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "Binary"), 0o755)
			if err := tt.setup(dir); err != nil {
				t.Skip(err)
			}
			name := filepath.Join(dir, "t.idt")
			os.WriteFile(name, []byte(fmt.Sprintf(body, tt.table)), 0o644)
			db := openSample(t)
			if !db.HasTable(tt.table) {
				// A table named with "/" is one a package already has
				// (import makes no new one).
				if _, err := db.CreateTable(tt.table, []msi.Column{{Name: "Name", Type: msi.ColString, Size: 72, Key: true}, {Name: "Data", Type: msi.ColBinary, Nullable: true}}); err != nil {
					t.Fatal(err)
				}
			}
			_, err := ImportFile(db, name)
			if err == nil || !strings.Contains(err.Error(), "symbolic link") {
				t.Errorf("ImportFile: %v, want a refusal of the symbolic link", err)
			}
		})
	}
	t.Run("nested table", func(t *testing.T) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755)
		os.WriteFile(filepath.Join(dir, "a", "b", "f"), []byte("nested"), 0o644)
		name := filepath.Join(dir, "t.idt")
		os.WriteFile(name, []byte(fmt.Sprintf(body, "a/b")), 0o644)
		db := openSample(t)
		// A package may hold such a table (a compound file's names
		// should not hold "/", but hostile ones do); import creates no
		// new one of that name.
		if _, err := db.CreateTable("a/b", []msi.Column{{Name: "Name", Type: msi.ColString, Size: 72, Key: true}, {Name: "Data", Type: msi.ColBinary, Nullable: true}}); err != nil {
			t.Fatal(err)
		}
		if _, err := ImportFile(db, name); err != nil {
			t.Fatal(err)
		}
		s, err := db.OpenStream("a/b.x")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(s)
		if err != nil || string(got) != "nested" {
			t.Errorf("stream a/b.x: %q, %v; want %q", got, err, "nested")
		}
	})
	// A cell file replaced after the import checked it is never read
	// into the package: a small one was read by the check itself (the
	// package holds the bytes checked), a larger one is opened again by
	// its identity when the package is written (Save refuses it).
	for _, size := range []int{1, maxKeptCell + 1} {
		t.Run(fmt.Sprintf("file of %d bytes replaced after the check", size), func(t *testing.T) {
			dir := t.TempDir()
			writeCellFolder(t, dir, 1)
			cell := filepath.Join(dir, "Binary", "0")
			checked := bytes.Repeat([]byte{'c'}, size)
			if err := os.WriteFile(cell, checked, 0o644); err != nil {
				t.Fatal(err)
			}
			db := openSample(t)
			if _, err := ImportFile(db, filepath.Join(dir, "Binary.idt")); err != nil {
				t.Fatal(err)
			}
			other := filepath.Join(dir, "other")
			os.WriteFile(other, bytes.Repeat([]byte{'!'}, size), 0o644)
			if err := os.Rename(other, cell); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out.msi")
			err := db.Save(out, nil)
			if size > maxKeptCell {
				if err == nil || !strings.Contains(err.Error(), "changed") {
					t.Errorf("Save: %v, want a refusal of the changed file", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Save: %v", err)
			}
			saved, err := msi.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer saved.Close()
			s, err := saved.OpenStream("Binary.b0")
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(s)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(checked, got); diff != "" {
				t.Errorf("stream Binary.b0 (-checked +saved):\n%s", diff)
			}
		})
	}
}
