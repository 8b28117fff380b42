package transform

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// TestCoversCountsDistinctComponents holds the one-walk count of each
// health check (countCovered) to the distinct components of the
// features of its chain, counted directly, on every package at hand
// whose model reads: the testdata, the crafted valid fixtures and the
// corpus. A chain with a problem (cut or in a cycle) adds up its
// features' distinct components.
func TestCoversCountsDistinctComponents(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "testdata", "*.msi"))
	crafted, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "*.msi"))
	files = append(files, crafted...)
	if testenv.CorpusDir() != "" {
		files = append(files, testenv.CorpusFiles(t)...)
	}
	checked := 0
	for _, f := range files {
		if !strings.HasSuffix(f, ".msi") && !strings.HasSuffix(f, ".msm") {
			continue
		}
		db, err := msi.Open(f)
		if err != nil {
			continue
		}
		m, err := readModel(db, false)
		if err != nil {
			db.Close()
			continue
		}
		for _, name := range m.featureOrder {
			hc := m.check(name)
			want := 0
			if hc.Problem == "" {
				seen := map[string]bool{}
				for _, g := range hc.Features {
					for _, c := range m.features[g].components {
						seen[c] = true
					}
				}
				want = len(seen)
			} else {
				for _, g := range hc.Features {
					seen := map[string]bool{}
					if ft := m.features[g]; ft != nil {
						for _, c := range ft.components {
							seen[c] = true
						}
					}
					want += len(seen)
				}
			}
			if hc.Covers != want {
				t.Errorf("%s: feature %.40q (%d features, problem %q): Covers %d, want %d", filepath.Base(f), name, len(hc.Features), hc.Problem, hc.Covers, want)
			}
			checked++
		}
		db.Close()
	}
	if checked < 1000 {
		t.Errorf("%d health checks compared, want at least 1,000 (the crafted fixtures alone hold thousands)", checked)
	}
	t.Logf("%d health checks in %d files", checked, len(files))
}
