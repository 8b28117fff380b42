package cfb

import (
	"crypto/sha256"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// readAll opens every stream of r and returns path → SHA-256.
func readAll(t testing.TB, r *Reader) map[string][32]byte {
	t.Helper()
	sums := make(map[string][32]byte)
	for _, e := range r.Entries() {
		if e.Type != TypeStream {
			continue
		}
		s, err := e.Open()
		if err != nil {
			t.Fatalf("open %q: %v", e.Path, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, s)
		if err != nil {
			t.Fatalf("read %q: %v", e.Path, err)
		}
		if n != e.Size {
			t.Fatalf("read %q: got %d bytes, size %d", e.Path, n, e.Size)
		}
		sums[e.Path] = [32]byte(h.Sum(nil))
	}
	return sums
}

func TestCorpusRead(t *testing.T) {
	for _, path := range testenv.CorpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			r, err := OpenReader(path)
			if err != nil {
				if testenv.IsCorrupt(path) && errors.Is(err, ErrFormat) {
					t.Logf("corrupt file rejected: %v", err)
					return
				}
				t.Fatal(err)
			}
			defer r.Close()
			if r.Root == nil || r.Root.Type != TypeRoot {
				t.Fatalf("root = %+v", r.Root)
			}
			for _, w := range r.Warnings {
				t.Logf("warning: %s", w)
			}
			readAll(t, r.Reader)
		})
	}
}
