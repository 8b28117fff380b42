package cfb

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/richardlehane/mscfb"

	"github.com/msikit/msikit/internal/testenv"
)

// mscfbName mimics mscfb's name handling: a first code unit that is not
// printable is dropped.
func mscfbName(raw []uint16) string {
	if len(raw) > 0 && !unicode.IsPrint(rune(raw[0])) {
		raw = raw[1:]
	}
	return string(utf16.Decode(raw))
}

type diffEntry struct {
	Path   string
	Stream bool
	Size   int64
	Sum    [32]byte
}

// TestDifferentialMscfb checks that our reader and mscfb agree on names,
// paths and stream bytes for every corpus file both accept.
func TestDifferentialMscfb(t *testing.T) {
	for _, path := range testenv.CorpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			theirs, terr := mscfbEntries(data)
			r, err := NewReader(bytes.NewReader(data), int64(len(data)))
			switch {
			case err != nil && testenv.IsCorrupt(path):
				t.Logf("corrupt file: ours %v, mscfb %v", err, terr)
				return
			case err != nil:
				t.Fatalf("ours: %v; mscfb: %v", err, terr)
			case terr != nil && len(r.Warnings) > 0:
				// Both must accept for a comparison; we accepted with
				// warnings about damage mscfb cannot tolerate.
				t.Logf("mscfb rejects a damaged file we read with warnings %q: %v", r.Warnings, terr)
				return
			case terr != nil:
				t.Fatalf("mscfb rejects a file we read cleanly: %v", terr)
			}
			var ours []diffEntry
			for _, e := range r.Entries()[1:] {
				var parts []string
				for a := e; a.Parent != nil; a = a.Parent {
					parts = append([]string{mscfbName(a.RawName)}, parts...)
				}
				d := diffEntry{Path: strings.Join(parts, "/"), Stream: e.Type == TypeStream}
				if d.Stream {
					d.Size = e.Size
					s, err := e.Open()
					if err != nil {
						t.Fatal(err)
					}
					b, err := io.ReadAll(s)
					if err != nil {
						t.Fatal(err)
					}
					d.Sum = sha256.Sum256(b)
				}
				ours = append(ours, d)
			}
			sortDiff(ours)
			sortDiff(theirs)
			if diff := cmp.Diff(theirs, ours); diff != "" {
				t.Errorf("mscfb vs ours (-mscfb +ours):\n%s", diff)
			}
		})
	}
}

func sortDiff(d []diffEntry) {
	// Stable order independent of either reader's enumeration.
	for i := 1; i < len(d); i++ {
		for j := i; j > 0 && d[j].Path < d[j-1].Path; j-- {
			d[j], d[j-1] = d[j-1], d[j]
		}
	}
}

func mscfbEntries(data []byte) (out []diffEntry, err error) {
	doc, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	for {
		f, err := doc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		p := strings.Join(append(append([]string{}, f.Path...), f.Name), "/")
		d := diffEntry{Path: p, Stream: f.FileInfo().Mode().IsRegular()}
		if d.Stream {
			d.Size = f.Size
			b, err := io.ReadAll(io.LimitReader(f, f.Size))
			if err != nil {
				return nil, err
			}
			d.Sum = sha256.Sum256(b)
		}
		out = append(out, d)
	}
	return out, nil
}
