package leaf

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// update rewrites the golden files under testdata/ (go test -update).
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenTables are the tables compared with testdata/*.idt.
var goldenTables = []string{"Feature", "FeatureComponents", "Shortcut", "Class", "Extension", "TypeLib"}

func synthPath(t *testing.T, name string) string {
	t.Helper()
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found; golden leaf tests skipped")
	}
	return filepath.Join(dir, "synthetic", name)
}

func openDB(t *testing.T, path string) *msi.Database {
	t.Helper()
	db, err := msi.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// iDTLines splits an IDT export into its three header lines and its data
// rows (sorted, since stored order follows string-pool ids).
func iDTLines(text string) (header, rows []string) {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), "\n")
	if len(lines) < 3 {
		return lines, nil
	}
	rows = slices.Clone(lines[3:])
	slices.Sort(rows)
	return lines[:3], rows
}

// tableIDT renders a table the way msiinfo export does (without IDT
// escaping, which none of the golden rows need).
func tableIDT(t *testing.T, db *msi.Database, name string) string {
	t.Helper()
	tab, err := db.Table(name)
	if err != nil {
		t.Fatalf("table %s: %v", name, err)
	}
	var names, types, keys []string
	for _, c := range tab.Columns() {
		names = append(names, c.Name)
		types = append(types, c.IDTType())
	}
	for _, c := range tab.KeyColumns() {
		keys = append(keys, c.Name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\r\n%s\r\n%s\t%s\r\n", strings.Join(names, "\t"), strings.Join(types, "\t"), name, strings.Join(keys, "\t"))
	for row := range tab.Rows() {
		b.WriteString(strings.Join(edit.Text(row), "\t"))
		b.WriteString("\r\n")
	}
	return b.String()
}

func compareIDT(t *testing.T, what, want, got string) {
	t.Helper()
	wh, wr := iDTLines(want)
	gh, gr := iDTLines(got)
	if diff := cmp.Diff(wh, gh); diff != "" {
		t.Errorf("%s header (-want +got):\n%s", what, diff)
	}
	if diff := cmp.Diff(wr, gr); diff != "" {
		t.Errorf("%s rows (-want +got):\n%s", what, diff)
	}
}

// TestSplitAdvertisedGolden runs the pass on the synthetic packages and
// compares the edited tables with the golden IDT files, first as the msi
// package holds them in memory, then (once saved) as msitools exports them.
func TestSplitAdvertisedGolden(t *testing.T) {
	for _, pkg := range []string{"synth-com-advertised", "synth-all"} {
		t.Run(pkg, func(t *testing.T) {
			db := openDB(t, synthPath(t, pkg+".msi"))
			rep, err := Run(db, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Changes) == 0 {
				t.Fatal("pass changed nothing")
			}
			for _, table := range goldenTables {
				if *update {
					break // saveAndCheckExports rewrites the files from msiinfo
				}
				golden := filepath.Join("testdata", pkg+"."+table+".idt")
				got := tableIDT(t, db, table)
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				compareIDT(t, table+" (in memory)", string(want), got)
			}

			// Idempotent on real data.
			rep2, err := Run(db, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep2.Changes) > 0 {
				var b strings.Builder
				fmt.Fprintf(&b, "%+v", rep2)
				t.Errorf("second run changed rows:\n%s", b.String())
			}

			saveAndCheckExports(t, db, pkg)
		})
	}
}

// warningKeys returns the entry points a report left alone with a
// warning.
func warningKeys(rep *edit.Log) map[string]bool {
	out := make(map[string]bool)
	for _, n := range rep.Notes {
		out[n.Table+"\x00"+strings.Join(n.Key, "\x00")] = true
	}
	return out
}

// TestSplitAdvertisedCorpus checks the invariants on every corpus package
// with advertised entry points: every entry point the pass did not leave
// alone with a note names a feature holding exactly its component, every
// original (feature, component) pair is still installed by that feature or
// a leaf following it, the tree stays within the depth limit, the pass is
// idempotent, and msitools reads every table of the saved output.
func TestSplitAdvertisedCorpus(t *testing.T) {
	files := testenv.CorpusFiles(t)
	seen := 0
	for _, path := range files {
		name := filepath.Base(path)
		if testenv.IsCorrupt(path) {
			continue
		}
		switch strings.ToLower(filepath.Ext(name)) {
		case ".msi":
		default:
			continue // patches, transforms, merge modules, cubes: no feature tree to split
		}
		t.Run(name, func(t *testing.T) {
			db, err := msi.Open(path)
			if err != nil {
				t.Skipf("msi cannot open it (not this pass's concern): %v", err)
			}
			defer db.Close()
			before, err := readInput(db, &edit.Log{}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if before != nil {
				listPairs(&before.in)
			}
			if before == nil || !hasAdvertised(&before.in) {
				return
			}
			seen++
			rep, err := Run(db, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if testing.Verbose() {
				var b strings.Builder
				fmt.Fprintf(&b, "%+v", rep)
				t.Logf("report:\n%s", b.String())
			}
			after, err := readInput(db, &edit.Log{}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			listPairs(&after.in)
			checkLeafInvariants(t, &before.in, &after.in, Options{})
			left := warningKeys(rep)
			holds := make(map[string]map[string]bool)
			for _, r := range after.in.FeatureComponents {
				if holds[r.Feature] == nil {
					holds[r.Feature] = make(map[string]bool)
				}
				holds[r.Feature][r.Component] = true
			}
			for i := range after.in.Entries {
				e := &after.in.Entries[i]
				if !defaultLeafTables[e.Table()] || left[e.Table()+"\x00"+strings.Join(after.in.key(e), "\x00")] {
					continue
				}
				if e.Table() == "Shortcut" && !slices.ContainsFunc(after.in.Features, func(f Feature) bool { return f.Name == e.Feature }) {
					continue // not advertised
				}
				if h := holds[e.Feature]; len(h) != 1 || !h[e.Component] {
					t.Errorf("%s %v names feature %s holding %v, want exactly %s", e.Table(), after.in.key(e), e.Feature, h, e.Component)
				}
			}
			rep2, err := Run(db, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep2.Changes) > 0 {
				t.Errorf("second run changed %d rows", len(rep2.Changes))
			}
			saveAndCheckExports(t, db, "")
		})
	}
	if seen == 0 {
		t.Error("no corpus package has advertised entry points; the invariant test checked nothing")
	}
}

// hasAdvertised reports whether in has an advertised entry point.
func hasAdvertised(in *Input) bool {
	feats := make(map[string]bool)
	for _, f := range in.Features {
		feats[f.Name] = true
	}
	for _, e := range in.Entries {
		if defaultLeafTables[e.Table()] && feats[e.Feature] {
			return true
		}
	}
	return false
}

func msiinfoExport(t *testing.T, msiinfo, path, table string) string {
	t.Helper()
	out, err := testenv.Command(t, msiinfo, "export", path, table).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Errorf("msiinfo export %s %s: %v\n%s", filepath.Base(path), table, err, ee.Stderr)
		} else {
			t.Errorf("msiinfo export %s %s: %v", filepath.Base(path), table, err)
		}
	}
	return string(out)
}

func msiinfoTables(t *testing.T, msiinfo, path string) []string {
	t.Helper()
	out, err := exec.Command(msiinfo, "tables", path).Output()
	if err != nil {
		t.Fatalf("msiinfo tables %s: %v", filepath.Base(path), err)
	}
	return strings.Fields(string(out))
}

// listPairs sets in.FeatureComponents from the pairs readInput holds
// instead, for the checks that walk them.
func listPairs(in *Input) {
	if in.featureComponents == nil {
		return
	}
	in.FeatureComponents = nil
	for f, c := range in.featureComponents.All() {
		in.FeatureComponents = append(in.FeatureComponents, FeatureComponent{f, c})
	}
}
