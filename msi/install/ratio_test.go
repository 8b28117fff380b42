package install_test

import (
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// Options.MaxRatio: the zero value stops the 1 MB bomb of 0.5 GB of zeros
// (its 960,067 cabinet bytes allow 356 MB at the default ratio); a ratio
// that covers it, or none, lets it through; the bound holds with folders
// decoded at once too.
func TestMaxRatio(t *testing.T) {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-mszip-bomb.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const size = 16000 * 32768
	for _, tc := range []struct {
		ratio, jobs int
		ok          bool
	}{{0, 1, false}, {0, 2, false}, {100, 1, false}, {600, 1, true}, {-1, 2, true}} {
		var n int64
		rep, err := install.Extract(db, &install.Options{MaxRatio: tc.ratio, Jobs: tc.jobs}, func(f *install.File, r io.Reader) error {
			k, _ := io.Copy(io.Discard, r)
			n += k
			return nil
		})
		if err != nil {
			t.Fatalf("ratio %d: %v", tc.ratio, err)
		}
		if tc.ok {
			if rep.Problems() || n != size {
				t.Errorf("ratio %d: %d bytes delivered, want %d; failed %v", tc.ratio, n, size, rep.Failed)
			}
			continue
		}
		var re *install.RatioError
		if len(rep.Failed) != 1 || !errors.As(rep.Failed[0], &re) || !errors.Is(rep.Failed[0], install.ErrTooLarge) || !errors.Is(rep.Failed[0], cab.ErrLimit) {
			t.Fatalf("ratio %d: failed %v, want one *install.RatioError", tc.ratio, rep.Failed)
		}
		if re.Ratio != install.DefaultMaxRatio || re.Limit != install.DecodeAllowance+int64(re.Ratio)*re.Compressed || n > re.Limit {
			t.Errorf("ratio %d: %+v, %d bytes read", tc.ratio, re, n)
		}
	}
}
