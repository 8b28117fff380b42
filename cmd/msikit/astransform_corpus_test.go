package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/winemsi"
	"github.com/msikit/msikit/msi"
)

// exportTables returns every table of the package at path as export -d
// writes it, without the summary information (winemsi.ExportTables).
func exportTables(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := msi.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return winemsi.ExportTables(t, db)
}

// TestRewriteAsTransformCorpus runs rewrite --as-transform on every
// corpus installer and merge module the passes change, and checks the
// transform against the rewrite itself (rewrite -o, same passes):
//
//   - msikit apply of the transform to the package gives the rewrite's
//     tables, table for table (round trip: apply(A, diff(A, rewrite(A)))
//     == rewrite(A));
//   - Wine's msi.dll (MsiDatabaseApplyTransformW, then MsiDatabaseExportW
//     of every table, all packages in one Wine process) gives the same
//     tables as msikit's apply.
func TestRewriteAsTransformCorpus(t *testing.T) {
	var files []string
	for _, f := range testenv.CorpusFiles(t) {
		ext := strings.ToLower(filepath.Ext(f))
		if !testenv.IsCorrupt(f) && (ext == ".msi" || ext == ".msm") {
			files = append(files, f)
		}
	}
	type result struct {
		name, base, transform, applied string
	}
	var mu sync.Mutex
	var results []result
	unchanged := 0
	root := t.TempDir() // outlives the subtests: Wine reads their files
	t.Run("apply", func(t *testing.T) {
		for _, in := range files {
			t.Run(filepath.Base(in), func(t *testing.T) {
				t.Parallel()
				dir := filepath.Join(root, filepath.Base(in))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				fix := filepath.Join(dir, "fix.mst")
				code, stdout, stderr := runCLI(t, "rewrite", in, "--as-transform", "-o", fix)
				if code != exitOK {
					t.Fatalf("rewrite --as-transform: exit %d: %s", code, stderr)
				}
				if _, err := os.Stat(fix); err != nil {
					// The passes change nothing: no transform.
					mu.Lock()
					unchanged++
					mu.Unlock()
					return
				}
				if strings.Contains(stdout, "not in the transform") {
					t.Logf("%s", stdout)
				}
				rewritten := filepath.Join(dir, "rewritten"+filepath.Ext(in))
				if code, _, stderr := runCLI(t, "rewrite", in, "--drop-signature", "--keep-package-code", "-o", rewritten); code != exitOK {
					t.Fatalf("rewrite -o: exit %d: %s", code, stderr)
				}
				applied := filepath.Join(dir, "applied"+filepath.Ext(in))
				if code, _, stderr := runCLI(t, "apply", in, fix, "--drop-signature", "--keep-package-code", "-o", applied); code != exitOK {
					t.Fatalf("apply: exit %d: %s", code, stderr)
				}
				if d := cmp.Diff(winemsi.SortedRows(exportTables(t, rewritten)), winemsi.SortedRows(exportTables(t, applied))); d != "" {
					t.Errorf("apply(package, rewrite --as-transform) differs from rewrite -o (-rewrite +applied):\n%s", d)
				}
				mu.Lock()
				results = append(results, result{filepath.Base(in), in, fix, applied})
				mu.Unlock()
			})
		}
	})
	t.Logf("%d packages: %d transforms checked, %d unchanged by the passes", len(files), len(results), unchanged)
	if len(results) == 0 {
		t.Fatal("no package gave a transform")
	}
	if t.Failed() {
		return
	}
	t.Run("wine", func(t *testing.T) {
		testenv.NeedWine(t)
		slices.SortFunc(results, func(a, b result) int { return strings.Compare(a.name, b.name) })
		var jobs []winemsi.Job
		for _, r := range results {
			jobs = append(jobs, winemsi.Job{Base: r.base, Transforms: []winemsi.Transform{{Path: r.transform}}})
		}
		dirs, errs := winemsi.ExportEachTransformed(t, jobs...)
		for i, r := range results {
			t.Run(r.name, func(t *testing.T) {
				if errs[i] != nil {
					t.Fatalf("Wine: %v", errs[i])
				}
				wine := winemsi.ReadTree(t, dirs[i])
				delete(wine, "_SummaryInformation.idt")
				ours := winemsi.AsWine(t, exportTables(t, r.applied))
				if d := cmp.Diff(winemsi.SortedRows(wine), winemsi.SortedRows(ours)); d != "" {
					t.Errorf("Wine's apply vs msikit's (-wine +msikit):\n%s", d)
				}
			})
		}
	})
}
