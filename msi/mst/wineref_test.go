package mst_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/winemsi"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
	"github.com/msikit/msikit/msi/mst"
)

// corpus returns the path of a file of the shared corpus's real folder,
// or skips t.
func corpus(t testing.TB, name string) string {
	t.Helper()
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found (../shared/corpus or $MSIKIT_CORPUS); corpus tests skipped")
	}
	p := filepath.Join(dir, "real", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("corpus file %s missing", name)
	}
	return p
}

// saveAndExport saves db to a temporary file, reopens it and returns its
// export as Wine's MsiDatabaseExportW would write it (winemsi.AsWine).
func saveAndExport(t *testing.T, db *msi.Database) map[string]string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.msi")
	if err := db.Save(out, &msi.SaveOptions{WriteOptions: msi.WriteOptions{KeepPackageCode: true}}); err != nil {
		t.Fatal(err)
	}
	back, err := msi.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	dir := t.TempDir()
	if err := idt.ExportDir(dir, back); err != nil {
		t.Fatal(err)
	}
	return winemsi.AsWine(t, winemsi.ReadTree(t, dir))
}

// TestApplyMatchesWineReference applies the corpus transforms and patches
// with msikit and compares every table with what Wine's msi.dll produced
// for the same inputs (internal/winemsi/testdata/reference, which
// winemsi's TestApplyReference checks against Wine itself).
func TestApplyMatchesWineReference(t *testing.T) {
	const inst = "wix3-InstanceTransformTests-SimpleInstanceTransform-expected.msi"
	cases := []struct {
		ref, base string
		apply     string // a corpus .mst or .msp, or ":Name"
		opts      *mst.ApplyOptions
		fix       func(wine string) string // undoes the documented Wine differences
	}{
		{ref: "SimpleInstanceTransform+Instance1", base: inst, apply: ":Instance1"},
		{ref: "SimpleInstanceTransform+Instance2", base: inst, apply: ":Instance2"},
		{ref: "SimpleInstanceTransform+Instance3", base: inst, apply: ":Instance3"},
		{ref: "SimpleInstanceTransform-expected3+Instance2.mst", base: "wix3-InstanceTransformTests-SimpleInstanceTransform-expected3.msi", apply: ":Instance2.mst"},
		{ref: "prodAv100+PatchAv101", base: "wix3-PerMachineMsisMsps-prodAv100.msi", apply: "wix3-PerMachineMsisMsps-PatchAv101.msp"},
		{ref: "prodBv100+PatchBv101", base: "wix3-PerMachineMsisMsps-prodBv100.msi", apply: "wix3-PerMachineMsisMsps-PatchBv101.msp"},
		{ref: "prodAv100+PatchABv101", base: "wix3-PerMachineMsisMsps-prodAv100.msi", apply: "wix3-PerMachineMsisMsps-PatchABv101.msp"},
		{ref: "prodBv100+PatchABv101", base: "wix3-PerMachineMsisMsps-prodBv100.msi", apply: "wix3-PerMachineMsisMsps-PatchABv101.msp"},
		{ref: "psmsi-Example.msi+psmsi-Example.msp", base: "psmsi-Example.msi", apply: "psmsi-Example.msp"},
		{ref: "psmsi-old-Example.msi+psmsi-old-Example.msp", base: "psmsi-old-Example.msi", apply: "psmsi-old-Example.msp"},
		{ref: "psmsi-Example.msi+psmsi-Example.mst", base: "psmsi-Example.msi", apply: "psmsi-Example.mst",
			// Made for another database: its PID 9 names the product
			// {000C1109-...} version 0.0.0.0, so the checks its PID 16
			// asks for (language, version, upgrade code) are skipped, as
			// MsiDatabaseApplyTransform does.
			opts: &mst.ApplyOptions{Skip: mst.AllChecks},
			fix: func(wine string) string {
				// Wine inserts the update of the missing row "Modified"
				// (update-missing-row, suppressed: msikit skips it)...
				wine = strings.Replace(wine, "Modified\t\tnew value\n", "", 1)
				// ...keeps the base's neutral codepage where msikit takes
				// the transform's 1252...
				wine = strings.Replace(wine, "0\t_ForceCodepage", "1252\t_ForceCodepage", 1)
				// ...and turns the drop of the missing table AppId
				// (delete-missing-table, suppressed) into an empty table
				// without columns, which it cannot export.
				return strings.Replace(wine, "== AppId.idt: not exported, error 1615\n", "", 1)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.ref, func(t *testing.T) {
			db, err := msi.Open(corpus(t, tc.base))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			switch {
			case strings.HasPrefix(tc.apply, ":"):
				tr, err := mst.OpenEmbedded(db, tc.apply[1:])
				if err != nil {
					t.Fatal(err)
				}
				if _, err := mst.Apply(db, tr, tc.opts); err != nil {
					t.Fatal(err)
				}
			case strings.HasSuffix(tc.apply, ".msp"):
				p, err := mst.OpenPatch(corpus(t, tc.apply))
				if err != nil {
					t.Fatal(err)
				}
				defer p.Close()
				rep, err := mst.ApplyPatch(db, p, tc.opts)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%+v", rep)
			default:
				tr, err := mst.Open(corpus(t, tc.apply))
				if err != nil {
					t.Fatal(err)
				}
				defer tr.Close()
				rep, err := mst.Apply(db, tr, tc.opts)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%+v", rep)
			}
			got := winemsi.DumpFiles(saveAndExport(t, db), nil)
			b, err := os.ReadFile(filepath.Join("..", "..", "internal", "winemsi", "testdata", "reference", tc.ref+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			want := string(b)
			if tc.fix != nil {
				fixed := tc.fix(want)
				if fixed == want {
					t.Fatal("the documented Wine differences are no longer in the reference: update the test")
				}
				want = fixed
			}
			if d := cmp.Diff(sortedRows(want), sortedRows(got)); d != "" {
				t.Errorf("msikit apply vs Wine's (-wine +msikit):\n%s", d)
			}
		})
	}
}

// sortedRows sorts the rows of each table of a Dump: a table is a set of
// rows, and its stored order follows string-pool ids, which two writers
// assign differently (both orders are sorted as msiexec requires).
func sortedRows(dump string) string {
	sections := strings.Split(dump, "== ")
	for i, s := range sections {
		lines := strings.Split(s, "\n")
		if !strings.HasSuffix(lines[0], ".idt") || len(lines) < 5 {
			continue
		}
		rows := lines[4:]
		slices.Sort(rows)
		sections[i] = strings.Join(append(lines[:4], rows...), "\n")
	}
	return strings.Join(sections, "== ")
}
