package fuzz

import (
	"bytes"
	"crypto/sha256"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
)

// cfbSeedMax is the largest corpus file used as a seed.
const cfbSeedMax = 64 << 10

// cfbEntry is what a parse → write → parse round trip must keep.
type cfbEntry struct {
	Path      string
	RawName   []uint16
	Type      cfb.Type
	CLSID     cfb.GUID
	StateBits uint32
	Created   cfb.Filetime
	Modified  cfb.Filetime
	Size      int64
	Sum       [32]byte
}

// walkCFB reads every entry and stream of r the way an embedding tool
// would, checking what each stream returns against its declared size.
func walkCFB(t *testing.T, r *cfb.Reader) []cfbEntry {
	t.Helper()
	var out []cfbEntry
	for _, e := range r.Entries() {
		ce := cfbEntry{Path: e.Path, RawName: e.RawName, Type: e.Type, CLSID: e.CLSID, StateBits: e.StateBits,
			Created: e.Created, Modified: e.Modified, Size: e.Size}
		if e.Type == cfb.TypeStream {
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
				t.Fatalf("read %q: %d bytes, size %d", e.Path, n, e.Size)
			}
			// ReadAt at the end and in the middle agrees with Read.
			if e.Size > 0 {
				var b [1]byte
				if _, err := s.ReadAt(b[:], e.Size-1); err != nil {
					t.Fatalf("ReadAt last byte of %q: %v", e.Path, err)
				}
			}
			ce.Sum = [32]byte(h.Sum(nil))
		}
		out = append(out, ce)
	}
	return out
}

// FuzzOpenCFB opens arbitrary bytes with the public cfb API, walks the
// tree, reads every stream, and for every accepted input checks that
// writing it with cfb.Writer and reading it back keeps everything, and
// that writing is deterministic.
func FuzzOpenCFB(f *testing.F) {
	for _, b := range seedFiles([]string{"cfb/testdata/*.cfb", "cfb/testdata/*/*.cfb", "testdata/*.msi", "testdata/crafted/*.msi"}, "*", cfbSeedMax) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		testenv.CheckFuzzBudget(t, len(data), func() {

			r, err := cfb.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				if !strings.HasPrefix(err.Error(), "cfb: ") {
					t.Fatalf("error without the cfb: prefix: %v", err)
				}
				return
			}
			want := walkCFB(t, r)

			var out bytes.Buffer
			w := cfb.NewWriter(&out, nil)
			err = w.Copy(r.Root)
			if err == nil {
				err = w.Close()
			}
			if err != nil {
				// Only names the reader flagged may be unwritable.
				flagged := false
				for _, w := range r.Warnings {
					flagged = flagged || strings.Contains(w, "empty name") || strings.Contains(w, "two children named")
				}
				if !flagged {
					t.Fatalf("cannot write back an accepted file (warnings %q): %v", r.Warnings, err)
				}
				return
			}
			r2, err := cfb.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
			if err != nil {
				t.Fatalf("cannot read our own output: %v", err)
			}
			if len(r2.Warnings) > 0 {
				t.Fatalf("our output has warnings: %q", r2.Warnings)
			}
			if diff := cmp.Diff(want, walkCFB(t, r2)); diff != "" {
				t.Fatalf("round trip changed the file (-parsed +reparsed):\n%s", diff)
			}
			var again bytes.Buffer
			w2 := cfb.NewWriter(&again, nil)
			if err := w2.Copy(r2.Root); err != nil {
				t.Fatal(err)
			}
			if err := w2.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), again.Bytes()) {
				t.Fatal("writing the same entries twice gave different bytes")
			}

		})
	})
}
