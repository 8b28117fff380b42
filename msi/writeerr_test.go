package msi

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
)

// armedReaderAt fails the reads that touch [lo, hi) once *armed is set.
type armedReaderAt struct {
	r      io.ReaderAt
	lo, hi int64
	armed  *bool
}

func (a armedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if *a.armed && off < a.hi && off+int64(len(p)) > a.lo {
		return 0, errDiskGone
	}
	return a.r.ReadAt(p, off)
}

// TestWriteNamesTableOfFailedRead: when the source file fails under a
// table stream that a write copies as it was read, the error names the
// table, and the column and row at the offset, not the stream's encoded
// name ("cfb: reading source of \"䡀...\""), and wraps the cause.
func TestWriteNamesTableOfFailedRead(t *testing.T) {
	data, err := os.ReadFile(coreSample)
	if err != nil {
		t.Fatal(err)
	}
	// Where the File table's bytes are in the file: its first mini
	// sector, found by its contents.
	cf, err := cfb.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := EncodeStreamName("File", true)
	if err != nil {
		t.Fatal(err)
	}
	var content []byte
	for _, e := range cf.Root.Children {
		if slices.Equal(e.RawName, raw) {
			s, err := e.Open()
			if err != nil {
				t.Fatal(err)
			}
			content, _ = io.ReadAll(io.NewSectionReader(s, 0, s.Size()))
		}
	}
	head := content[:min(len(content), 64)]
	if len(head) < 16 || bytes.Count(data, head) != 1 {
		t.Fatalf("the File table's first %d bytes are not found once in the sample", len(head))
	}
	lo := int64(bytes.Index(data, head))
	armed := false
	db, err := NewDatabase(armedReaderAt{bytes.NewReader(data), lo, lo + 1, &armed}, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A change elsewhere: the File table is copied, after the plan has
	// read every table.
	if err := db.SetStream("New.bin", strings.NewReader("new"), 3); err != nil {
		t.Fatal(err)
	}
	planHook = func(*writePlan) { armed = true }
	defer func() { planHook = nil }()
	var buf bytes.Buffer
	n, err := db.Write(&buf, nil)
	var we *StreamWriteError
	if !errors.As(err, &we) {
		t.Fatalf("Write: %v, want a *StreamWriteError", err)
	}
	type named struct {
		Table, Stream, Column string
		Row                   int
		Offset                int64
	}
	if diff := cmp.Diff(named{"File", "File", "File", 1, 0}, named{we.Table, we.Stream, we.Column, we.Row, we.Offset}); diff != "" {
		t.Errorf("error %q names (-want +got):\n%s", err, diff)
	}
	if !errors.Is(err, errDiskGone) || !strings.HasPrefix(err.Error(), "msi: writing table File: column File, row 1 (offset 0): ") {
		t.Errorf("error %q: want it to name table File and wrap the cause", err)
	}
	if strings.Contains(err.Error(), string(utf16.Decode(raw))) {
		t.Errorf("error %q names the encoded stream name", err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("Write returned n = %d, wrote %d", n, buf.Len())
	}

	// The column and row of other offsets, by the table's layout (8
	// columns, string references 2 bytes wide, the rows of each column
	// one after another).
	tbl, err := db.Table("File")
	if err != nil {
		t.Fatal(err)
	}
	rows := int64(tbl.Len())
	for _, tt := range []struct {
		off    int64
		column string
		row    int
	}{
		{1, "File", 1},
		{2 * rows, "Component_", 1},
		{2*rows + 2*(rows-1), "Component_", int(rows)},
		{6 * rows, "FileSize", 1},
		{6*rows + 4, "FileSize", 2},
	} {
		e := db.streamWriteError(&cfb.StreamError{Op: "read", Path: "x", RawName: raw, Root: true, Offset: tt.off, Err: errDiskGone}, &writePlan{})
		if e.Column != tt.column || e.Row != tt.row {
			t.Errorf("offset %d: column %q row %d, want %q row %d", tt.off, e.Column, e.Row, tt.column, tt.row)
		}
	}
}

// TestWriteCountsBytesWritten: Write returns the bytes it wrote, as
// io.WriterTo does: when the writer fails part way, and to files whose
// offset is not that count (one opened to append, /dev/null), for which
// it returned the offset's change (the file's old size too, or 0).
func TestWriteCountsBytesWritten(t *testing.T) {
	for _, limit := range []int{100, 4096, 300000} {
		db := editedSample(t)
		w := &failWriter{n: limit, err: syscall.ENOSPC}
		n, err := db.WriteTo(w)
		if err == nil || n != int64(limit) {
			t.Errorf("writer failing after %d bytes: n = %d, err %v", limit, n, err)
		}
	}
	dir := t.TempDir()
	appendTo := filepath.Join(dir, "append.msi")
	if err := os.WriteFile(appendTo, []byte("old contents"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		flag int
	}{
		{appendTo, os.O_WRONLY | os.O_APPEND},
		{os.DevNull, os.O_WRONLY},
		{filepath.Join(dir, "new.msi"), os.O_WRONLY | os.O_CREATE},
	} {
		db := editedSample(t)
		var want bytes.Buffer
		if _, err := db.WriteTo(&want); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(tt.name, tt.flag, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		n, err := db.WriteTo(f)
		f.Close()
		if err != nil || n != int64(want.Len()) {
			t.Errorf("%s: n = %d, err %v; want %d bytes", tt.name, n, err, want.Len())
		}
	}
}
