package install

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/msikit/msikit/msi"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// manifestCabs reads the "cabs:" field of the corpus MANIFEST.tsv summary
// column: name[COMPRESSION,Nfiles] for every embedded cabinet, computed by
// the corpus's own (independent) tooling.
func manifestCabs(t *testing.T) map[string][]string {
	f, err := os.Open(filepath.Join(testenv.CorpusDir(), "MANIFEST.tsv"))
	if err != nil {
		t.Skip("no MANIFEST.tsv in the corpus")
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 8 {
			continue
		}
		var cabs []string
		for _, part := range strings.Split(cols[7], "; ") {
			if rest, ok := strings.CutPrefix(part, "cabs:"); ok {
				// Entries are name[...] separated by "," outside brackets.
				depth, start := 0, 0
				for i, c := range rest {
					switch c {
					case '[':
						depth++
					case ']':
						depth--
					case ',':
						if depth == 0 {
							cabs = append(cabs, rest[start:i])
							start = i + 1
						}
					}
				}
				cabs = append(cabs, rest[start:])
			}
		}
		sort.Strings(cabs)
		out[cols[0]] = cabs
	}
	return out
}

// TestCabinetsMatchManifest lists the embedded cabinets of every corpus
// package and compares names, compression and file counts with the
// corpus manifest.
func TestCabinetsMatchManifest(t *testing.T) {
	files := testenv.CorpusFiles(t)
	manifest := manifestCabs(t)
	compared := 0
	for _, file := range files {
		want, ok := manifest[filepath.Base(file)]
		if !ok || testenv.IsCorrupt(file) {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			db, err := msi.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.Kind() == msi.PackageTransform {
				return
			}
			cabs, err := Cabinets(db)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cabs {
				if !c.Embedded {
					continue
				}
				if c.Err != nil {
					t.Errorf("cabinet %s: %v", c.Stream, c.Err)
					continue
				}
				comp := c.Compression
				if comp == "" {
					comp = "EMPTYCAB"
				}
				got = append(got, fmt.Sprintf("%s[%s,%dfiles]", c.Stream, comp, len(c.Reader.Files)))
			}
			sort.Strings(got)
			if diff := cmp.Diff(want, got, cmpEmptyNil); diff != "" {
				t.Errorf("cabinets differ from MANIFEST.tsv (-manifest +ours):\n%s", diff)
			}
			compared++
		})
	}
	t.Logf("%d packages' cabinet lists match the manifest", compared)
}

var cmpEmptyNil = cmp.Transformer("nilslice", func(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
})
