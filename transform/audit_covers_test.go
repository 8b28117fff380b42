package transform

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// TestCoversCountsDistinctComponents holds the one-walk count of each
// health check (walkTree) to the distinct components of the
// features of its chain, counted directly, on every package at hand
// whose model reads: the testdata, the crafted valid fixtures and the
// corpus. A chain with a problem (cut or in a cycle) adds up its
// features' distinct components. The shared chains must be the chains
// walked one feature at a time.
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
		m, err := readModel(db, false, nil)
		if err != nil {
			db.Close()
			continue
		}
		for _, name := range m.featureOrder {
			hc := m.check(name)
			// The chain walkTree shares is the one chain walks alone.
			chain, problem := m.chain(name)
			if chain == nil {
				chain = []string{}
			}
			if diff := cmp.Diff(chain, hc.Features); diff != "" || problem != hc.Problem {
				t.Errorf("%s: feature %.40q: chain (-walk alone +shared):\n%s\nproblem %q, want %q", filepath.Base(f), name, diff, hc.Problem, problem)
			}
			want := 0
			if hc.Problem == "" {
				seen := map[string]bool{}
				for _, g := range hc.Features {
					for _, c := range m.features.Get(g).components {
						seen[c] = true
					}
				}
				want = len(seen)
			} else {
				for _, g := range hc.Features {
					seen := map[string]bool{}
					if ft := m.features.Get(g); ft != nil {
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

// TestChainsShareNames checks that the health checks along a long
// Feature_Parent chain hold its names once: each feature's chain is its
// name followed by its parent's chain, in the same array (a chain per
// entry point, 64 names each, made the audit of a 55,000-feature chain
// 430 MB).
func TestChainsShareNames(t *testing.T) {
	f := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-feature-chain-entry-points.msi")
	db, err := msi.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := readModel(db, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	shared, long := 0, 0
	for _, name := range m.featureOrder {
		hc := m.check(name)
		if len(hc.Features) < 2 {
			continue
		}
		long++
		parent := m.check(hc.Features[1])
		if &hc.Features[1] == &parent.Features[0] {
			shared++
		}
	}
	// A new array starts every maxChain features down the chain (it
	// copies the parent's first 63 names), and a later sibling starts
	// one: nearly every chain shares.
	if long < 2000 || shared < long-long/maxChain-8 {
		t.Errorf("%d of %d chains of two features or more share their parent's names, want all but one in %d of at least 2,000", shared, long, maxChain)
	}
}

// TestCutChainsCountedOnce checks that the count of a chain cut at
// maxChain is added up once and kept with the chain (each of 54,000
// features of a cut chain is asked for by its entry point's Covers,
// check and coverage: adding up 64 counts by name each time was a fifth
// of the audit's time), and that the parent links coverage follows are
// the chains' next names.
func TestCutChainsCountedOnce(t *testing.T) {
	f := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-feature-chain-entry-points.msi")
	db, err := msi.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := readModel(db, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	cut := 0
	for _, name := range m.featureOrder {
		chain, problem, covers := m.chainOf(name)
		ft := m.features.Get(name)
		if w := m.walked[ft.idx]; w.covers != covers {
			t.Fatalf("feature %q: kept count %d, chainOf said %d", name, w.covers, covers)
		}
		if problem != "" {
			cut++
		}
		for j, g := range chain {
			if ft == nil || ft.name != g {
				t.Fatalf("feature %q: chain[%d] is %q, the parent links reach %v", name, j, g, ft)
			}
			ft = ft.up
		}
	}
	if cut < 1000 {
		t.Errorf("%d cut chains, want at least 1,000 of the fixture's 2,000", cut)
	}
}

// BenchmarkAuditFeatureChain audits the crafted Feature_Parent chain of
// 2,000 features each advertised by a shortcut (a chain cut at 64
// features for most of them; the scaled fixture holds 54,000), with the
// rewrite preview, and writes the text report.
func BenchmarkAuditFeatureChain(b *testing.B) {
	f := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-feature-chain-entry-points.msi")
	db, err := msi.Open(f)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	fi, err := os.Stat(f)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Audit(db, AuditOptions{NoPassReports: true})
		if err != nil {
			b.Fatal(err)
		}
		if err := rep.WriteText(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
