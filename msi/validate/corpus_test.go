package validate

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

var update = flag.Bool("update", false, "rewrite the golden findings in testdata/corpus")

// TestMain runs the tests through testenv.Run, which refuses a bad
// $MSIKIT_CORPUS and reports skipped oracle checks.
func TestMain(m *testing.M) { testenv.Main(m) }

// corpusFindings validates one corpus package and returns its findings as
// golden text: one line per finding, or the error.
func corpusFindings(t *testing.T, path string) string {
	t.Helper()
	db, err := msi.Open(path)
	if err != nil {
		return "open: " + strings.ReplaceAll(err.Error(), path, filepath.Base(path)) + "\n"
	}
	defer db.Close()
	var fs []Finding
	testenv.CheckBudget(t, filepath.Base(path), func() {
		fs, err = Validate(db, nil)
	})
	if err != nil {
		if !errors.Is(err, ErrUnsupported) && !errors.Is(err, msi.ErrFormat) {
			t.Errorf("%s: untyped error %v", filepath.Base(path), err)
		}
		return "error: " + err.Error() + "\n"
	}
	var b strings.Builder
	for _, f := range fs {
		if f.URL != docURL(f.ICE) {
			t.Errorf("%v: link is not the rule's", f)
		}
		f.URL = "" // the rule's link, the same on every line
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	e, w, i := Counts(fs)
	fmt.Fprintf(&b, "%d errors, %d warnings, %d infos\n", e, w, i)
	return b.String()
}

// TestCorpus validates every corpus package within the time and memory
// budget of hostile input (testenv.CheckBudget) and compares the findings
// with testdata/corpus/NAME.txt (go test -update rewrites them). Patches
// and transforms give ErrUnsupported; a package that does not open is
// recorded with its error.
func TestCorpus(t *testing.T) {
	files := testenv.CorpusFiles(t)
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		seen[name+".txt"] = true
		t.Run(name, func(t *testing.T) {
			got := corpusFindings(t, path)
			golden := filepath.Join("testdata", "corpus", name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("findings differ from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
	ents, _ := os.ReadDir(filepath.Join("testdata", "corpus"))
	for _, e := range ents {
		if !seen[e.Name()] {
			if *update {
				os.Remove(filepath.Join("testdata", "corpus", e.Name()))
				continue
			}
			t.Errorf("testdata/corpus/%s has no corpus package (run go test -update)", e.Name())
		}
	}
}

// TestCorpusStable checks that validating a package twice, and from a
// second copy of the database, gives the same findings in the same order.
func TestCorpusStable(t *testing.T) {
	for _, path := range testenv.CorpusFiles(t) {
		a, errA := validatePath(path)
		b, errB := validatePath(path)
		if (errA == nil) != (errB == nil) {
			t.Errorf("%s: errors differ: %v, %v", filepath.Base(path), errA, errB)
			continue
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%s: findings differ between runs:\n%s", filepath.Base(path), diff)
		}
	}
}

func validatePath(path string) ([]Finding, error) {
	db, err := msi.Open(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return Validate(db, nil)
}
