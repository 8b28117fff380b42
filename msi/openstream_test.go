package msi

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// A stream set with SetStream and not yet saved reads the first size bytes
// of its source through every method of the reader OpenStream returns, and
// a source shorter than size is io.ErrUnexpectedEOF, not a shorter stream.
func TestOpenStreamSetSource(t *testing.T) {
	db, _ := coreOpenCopy(t, coreSample)
	data := []byte("0123456789abcdef")
	if err := db.SetStream("Binary.set", bytes.NewReader(data), 10); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStream("Binary.short", bytes.NewReader(data[:5]), 10); err != nil {
		t.Fatal(err)
	}
	s, err := db.OpenStream("Binary.set")
	if err != nil {
		t.Fatal(err)
	}
	if s.Size() != 10 {
		t.Fatalf("Size %d, want 10", s.Size())
	}
	all, err := io.ReadAll(s)
	if err != nil || string(all) != "0123456789" {
		t.Errorf("ReadAll: %q, %v", all, err)
	}
	b := make([]byte, 4)
	if n, err := s.ReadAt(b, 8); n != 2 || err != io.EOF || string(b[:n]) != "89" {
		t.Errorf("ReadAt past the end: %d %v %q", n, err, b[:n])
	}
	if _, err := s.Seek(3, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	if n, err := io.Copy(&w, s); n != 7 || err != nil || w.String() != "3456789" {
		t.Errorf("copy after Seek: %d %v %q", n, err, w.String())
	}
	short, err := db.OpenStream("Binary.short")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := short.ReadAt(make([]byte, 10), 0); !errors.Is(err, io.ErrUnexpectedEOF) || n != 5 {
		t.Errorf("short source: ReadAt %d, %v; want 5, io.ErrUnexpectedEOF", n, err)
	}
	if got, err := io.ReadAll(short); !errors.Is(err, io.ErrUnexpectedEOF) || string(got) != "01234" {
		t.Errorf("short source: ReadAll %q, %v; want \"01234\", io.ErrUnexpectedEOF", got, err)
	}
}

// A stream the database does not have is an error matching
// fs.ErrNotExist: never there, deleted, or named by a row whose key is too
// long for a stream name.
func TestOpenStreamNotExist(t *testing.T) {
	db := openSample(t)
	if _, err := db.OpenStream("Binary.nothing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing stream: %v, want fs.ErrNotExist", err)
	}
	names := db.Streams()
	if len(names) == 0 {
		t.Fatal("the sample has no stream")
	}
	if err := db.DeleteStream(names[0].Name); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OpenStream(names[0].Name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("deleted stream: %v, want fs.ErrNotExist", err)
	}
	long, err := Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-binary-rows-long-key.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer long.Close()
	bin, err := long.Table("Binary")
	if err != nil {
		t.Fatal(err)
	}
	r := bin.Row(0)
	if r.StreamNameLen() <= MaxStreamNameBytes {
		t.Fatalf("row 0's stream name has %d bytes; the test needs a longer one", r.StreamNameLen())
	}
	if _, err := r.OpenStream("Data"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a row whose key is too long for a stream name: %v, want fs.ErrNotExist", err)
	}
}
