package msi

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// goneReaderAt reads from r until gone is set, then fails as a reader
// whose disk went away does.
type goneReaderAt struct {
	r    io.ReaderAt
	gone bool
}

var errDiskGone = errors.New("disk gone")

func (g *goneReaderAt) ReadAt(b []byte, off int64) (int, error) {
	if g.gone {
		return 0, errDiskGone
	}
	return g.r.ReadAt(b, off)
}

// An error of the reader below a stream OpenStream opened names the
// stream and the offset in it, and still matches the reader's error; the
// end of the stream is io.EOF, as before. It was the reader's bare "disk
// gone", naming nothing.
func TestOpenStreamNamesReadErrors(t *testing.T) {
	data, err := os.ReadFile(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	g := &goneReaderAt{r: bytes.NewReader(data)}
	db, err := NewDatabase(g, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var name string
	for _, si := range db.Streams() {
		if si.Size > 16 && si.Table != "" {
			name = si.Name
			break
		}
	}
	if name == "" {
		t.Fatal("no stream of a table in the sample")
	}
	s, err := db.OpenStream(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadAt(make([]byte, 1), s.Size()); err != io.EOF {
		t.Errorf("ReadAt at the end of %s: %v, want io.EOF", name, err)
	}
	g.gone = true
	_, err = io.ReadAll(s)
	if !errors.Is(err, errDiskGone) || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "offset 0") {
		t.Errorf("reading %s from a reader that fails: %v, want an error naming the stream and offset 0 that matches %v", name, err, errDiskGone)
	}
}
