package fuzz

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
)

// cabSeedMax is the largest corpus cabinet used as a seed (big seeds slow
// the fuzzer down more than they help).
const cabSeedMax = 64 << 10

// corpusCabSeeds returns the small cabinets embedded in corpus packages
// (streams starting with "MSCF"), or nothing when the corpus is absent.
func corpusCabSeeds() [][]byte {
	dir := testenv.CorpusDir()
	if dir == "" {
		return nil
	}
	var seeds [][]byte
	paths, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	for _, p := range paths {
		r, err := cfb.OpenReader(p)
		if err != nil {
			continue
		}
		for _, e := range r.Entries() {
			if e.Type != cfb.TypeStream || e.Size < 36 || e.Size > cabSeedMax {
				continue
			}
			s, err := e.Open()
			if err != nil {
				continue
			}
			b, err := io.ReadAll(s)
			if err == nil && bytes.HasPrefix(b, []byte("MSCF")) {
				seeds = append(seeds, b)
			}
		}
		r.Close()
	}
	return seeds
}

// FuzzCab opens arbitrary bytes with the public cab API the way an
// extractor does: list, open every file and folder, read them.
func FuzzCab(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "cab", "testdata", "*.cab"))
	crafted, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "*.cab"))
	paths = append(paths, crafted...)
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, b := range corpusCabSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		testenv.CheckFuzzBudget(t, len(data), func() {

			r, err := cab.NewReaderOptions(bytes.NewReader(data), int64(len(data)), &cab.ReaderOptions{
				OpenCabinet: func(string) (io.ReaderAt, int64, error) { return bytes.NewReader(data), int64(len(data)), nil },
			})
			if err == nil {
				budget := int64(8 << 20)
				for _, fi := range r.Files {
					if budget <= 0 {
						break
					}
					rc, err := fi.Open()
					if err != nil {
						continue
					}
					n, _ := io.CopyN(io.Discard, rc, budget)
					rc.Close()
					if n > fi.Size {
						t.Fatalf("file %q: read %d bytes, size %d", fi.Name, n, fi.Size)
					}
					budget -= n
				}
				for _, fo := range r.Folders {
					if budget <= 0 {
						break
					}
					if rc, err := fo.Open(); err == nil {
						n, _ := io.CopyN(io.Discard, rc, budget)
						rc.Close()
						budget -= n
					}
				}
			}

		})
	})
}
