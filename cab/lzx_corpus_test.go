package cab

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"
)

// TestCorpusLZXTranslation checks that the corpus exercises E8
// translation: some LZX folder must have it on (the gcab comparison in
// TestCorpusCabinets then covers it).
func TestCorpusLZXTranslation(t *testing.T) {
	on, off := 0, 0
	for _, pkg := range corpusPackages(t) {
		for _, c := range packageCabs(t, pkg) {
			r, err := NewReader(bytes.NewReader(c.data), int64(len(c.data)))
			if err != nil {
				continue
			}
			for _, fo := range r.Folders {
				if fo.Method.Kind() != LZX || fo.NumBlocks == 0 || fo.ContinuedFromPrev() {
					continue
				}
				fr, err := fo.openAt()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := io.CopyN(io.Discard, fr, 1); err != nil {
					t.Fatalf("%s %s: %v", filepath.Base(pkg), c.name, err)
				}
				if fr.dec.(*lzxDecompressor).e8Size != 0 {
					on++
				} else {
					off++
				}
			}
		}
	}
	t.Logf("LZX folders: %d with E8 translation, %d without", on, off)
	if on+off > 0 && on == 0 {
		t.Error("no corpus LZX folder uses E8 translation; the E8 path is untested against gcab")
	}
}
