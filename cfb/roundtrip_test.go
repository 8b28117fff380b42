package cfb

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// snapEntry is everything about an entry that a round trip must keep.
type snapEntry struct {
	Path      string
	RawName   []uint16
	Type      Type
	CLSID     GUID
	StateBits uint32
	Created   Filetime
	Modified  Filetime
	Size      int64
	SHA256    [32]byte
	Children  []string
}

// snapshot describes r completely, reading every stream.
func snapshot(t testing.TB, r *Reader) []snapEntry {
	t.Helper()
	var out []snapEntry
	for _, e := range r.Entries() {
		s := snapEntry{Path: e.Path, RawName: e.RawName, Type: e.Type, CLSID: e.CLSID, StateBits: e.StateBits,
			Created: e.Created, Modified: e.Modified, Size: e.Size}
		for _, c := range e.Children {
			s.Children = append(s.Children, c.Name)
		}
		if e.Type == TypeStream {
			st, err := e.Open()
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			if n, err := io.Copy(h, st); err != nil || n != e.Size {
				t.Fatalf("read %q: %d of %d bytes, %v", e.Path, n, e.Size, err)
			}
			s.SHA256 = [32]byte(h.Sum(nil))
		}
		out = append(out, s)
	}
	return out
}

// repack writes r through our Writer with the given options.
func repack(t testing.TB, r *Reader, opts *WriterOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, opts)
	if err := w.Copy(r.Root); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCorpusRoundTrip(t *testing.T) {
	for _, path := range testenv.CorpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			rc, err := OpenReader(path)
			if err != nil {
				if testenv.IsCorrupt(path) && errors.Is(err, ErrFormat) {
					t.Skipf("corrupt file rejected: %v", err)
				}
				t.Fatal(err)
			}
			defer rc.Close()
			want := snapshot(t, rc.Reader)
			for _, opts := range []*WriterOptions{nil, {Version: 4}} {
				out := repack(t, rc.Reader, opts)
				r2, err := NewReader(bytes.NewReader(out), int64(len(out)))
				if err != nil {
					t.Fatalf("reading our output (%+v): %v", opts, err)
				}
				checkTrees(t, out)
				if len(r2.Warnings) > 0 {
					t.Errorf("our output has warnings: %q", r2.Warnings)
				}
				wantVersion := 3
				if opts != nil {
					wantVersion = 4
				}
				if r2.Version != wantVersion {
					t.Errorf("version = %d, want %d", r2.Version, wantVersion)
				}
				if diff := cmp.Diff(want, snapshot(t, r2)); diff != "" {
					t.Errorf("round trip (%+v) changed the file (-orig +repacked):\n%s", opts, diff)
				}
				again := repack(t, r2, opts)
				if !bytes.Equal(out, again) {
					t.Errorf("repacking the repacked file gives different bytes (not deterministic)")
				}
			}
		})
	}
}
