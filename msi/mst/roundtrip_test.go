package mst_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/winemsi"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// corpusPairs are related packages of the corpus: the patch families
// (a product and its update, two products of one family), the instance
// transform packages, and successive versions of one package.
var corpusPairs = [][2]string{
	{"wix3-PerMachineMsisMsps-prodAv100.msi", "wix3-PerMachineMsisMsps-prodAv101.msi"},
	{"wix3-PerMachineMsisMsps-prodBv100.msi", "wix3-PerMachineMsisMsps-prodBv101.msi"},
	{"wix3-PerMachineMsisMsps-prodAv101.msi", "wix3-PerMachineMsisMsps-prodAv100.msi"},
	{"wix3-PerMachineMsisMsps-prodAv100.msi", "wix3-PerMachineMsisMsps-prodBv100.msi"},
	{"wix3-InstanceTransformTests-SimpleInstanceTransform-expected.msi", "wix3-InstanceTransformTests-SimpleInstanceTransform-expected2.msi"},
	{"wix3-InstanceTransformTests-SimpleInstanceTransform-expected2.msi", "wix3-InstanceTransformTests-SimpleInstanceTransform-expected3.msi"},
	{"psmsi-old-Example.msi", "psmsi-old-Example-692ecc5.msi"},
	{"psmsi-old-Example.msi", "psmsi-Example.msi"},
	{"omaha-GoogleUpdateHelper-a2f7337.msi", "omaha-GoogleUpdateHelper.msi"},
	{"omaha-GoogleUpdateHelper-ca3a69f.msi", "omaha-GoogleUpdateHelper-a74cee7.msi"},
	{"wix-AppSearch-NestedDirSearchUnderRegSearch-7e0f806.msi", "wix-AppSearch-NestedDirSearchUnderRegSearch.msi"},
	{"wix-Decompile-ui-20395fb.msi", "wix-Decompile-ui.msi"},
	{"wix-Decompile-ui-230cdb5.msi", "wix-Decompile-ui-20395fb.msi"},
	{"wix-Shortcut-shortcuts-3a24d1a.msi", "wix-Shortcut-shortcuts.msi"},
	{"wix3-Hello_Reg_conditionalPass-hello_world.msi", "wix3-Hello_Reg_conditionalPass-hello_world2.msi"},
	{"wix3-Hello_Reg_conditionalPass-hello_world2.msi", "wix3-Hello_Reg_conditionalPass-hello_world3.msi"},
	{"wix3-MSIs-basicproduct-39854f4.msi", "wix3-MSIs-basicproduct.msi"},
	{"winget-AppInstallerTestMsiInstaller.msi", "winget-AppInstallerTestMsiInstallerV2.msi"},
	{"vfp-vfpodbc_German.msi", "vfp-vfpodbc_Spanish.msi"},
	{"vfp-VFPODBC.msi", "vfp-vfpodbc_German.msi"},
	{"wix-DecompileNullComponent-example.msi", "wix-TestData-DecompileNullComponent-example.msi"},
}

// encode returns the transform from old to new, with PID 16 from o, and
// the changes it holds.
func encode(t testing.TB, old, new *msi.Database, o *mst.SummaryOptions) ([]byte, *mst.Changes) {
	t.Helper()
	c, err := mst.Diff(old, new)
	if err != nil {
		t.Fatal(err)
	}
	si, err := mst.NewSummary(old, new, o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := mst.Write(&buf, c, si); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), c
}

// generate writes the transform from old to new into a temporary file.
func generate(t testing.TB, old, new *msi.Database, o *mst.SummaryOptions) (string, *mst.Changes) {
	t.Helper()
	data, c := encode(t, old, new, o)
	path := filepath.Join(t.TempDir(), "changes.mst")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, c
}

// corpusPath returns name itself when it is a path, else the corpus file.
func corpusPath(t testing.TB, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return corpus(t, name)
}

func openCorpus(t *testing.T, name string) *msi.Database {
	t.Helper()
	db, err := msi.Open(corpusPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// applySaved applies the transform file to a fresh copy of the database
// at base, saves it and returns the reopened result.
func applySaved(t *testing.T, base, transform string, o *mst.ApplyOptions) *msi.Database {
	t.Helper()
	db, err := msi.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tr, err := mst.Open(transform)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := mst.Apply(db, tr, o); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "applied.msi")
	if err := db.Save(out, &msi.SaveOptions{WriteOptions: msi.WriteOptions{KeepPackageCode: true, DropSignature: true}}); err != nil {
		t.Fatal(err)
	}
	back, err := msi.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { back.Close() })
	return back
}

// TestRoundTripCorpus checks apply(A, diff(A, B)) == B, table for table
// (every table's IDT export and binary cells), for related corpus
// packages, and both ways for the synthetic pair: the transform msikit
// generates carries every table change.
func TestRoundTripCorpus(t *testing.T) {
	a, b := syntheticPair(t, true)
	pairs := append([][2]string{{a, b}, {b, a}}, corpusPairs...)
	for _, p := range pairs {
		t.Run(filepath.Base(p[0])+"->"+filepath.Base(p[1]), func(t *testing.T) {
			a, b := openCorpus(t, p[0]), openCorpus(t, p[1])
			path, c := generate(t, a, b, &mst.SummaryOptions{Created: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
			want := winemsi.ExportTables(t, b)
			got := winemsi.ExportTables(t, applySaved(t, corpusPath(t, p[0]), path, nil))
			if c.Empty() {
				t.Fatal("the pair does not differ")
			}
			for _, d := range c.Unexpressible {
				switch d.Kind {
				case "summary", "stream", "storage":
					// Outside the tables: not compared.
				case "table":
					if strings.Contains(d.Reason, "remove columns") {
						// B to A of the synthetic pair: the result keeps
						// A's columns and rows.
						delete(want, d.Name+".idt")
						delete(got, d.Name+".idt")
						continue
					}
					if !strings.Contains(d.Reason, "past the 16th") {
						t.Errorf("not expressible: %s", d)
					}
				case "codepage":
					// To the neutral codepage: the result keeps A's.
					want["_ForceCodepage.idt"] = strings.Replace(want["_ForceCodepage.idt"], "\r\n0\t", "\r\n"+d.Old+"\t", 1)
				default:
					t.Errorf("not expressible: %s", d)
				}
			}
			if d := cmp.Diff(winemsi.SortedRows(want), winemsi.SortedRows(got)); d != "" {
				t.Errorf("apply(A, diff(A, B)) differs from B (-B +result):\n%s", d)
			}
		})
	}
}

// TestWineAppliesGeneratedTransforms has Wine's msi.dll apply the
// transforms msikit generates between the corpus pairs and the synthetic
// ones (MsiDatabaseApplyTransformW, then MsiDatabaseExportW of every
// table): its result must equal msikit's apply and the target, table for
// table, apart from the Wine quirks each job lists. All pairs run in one
// Wine process.
func TestWineAppliesGeneratedTransforms(t *testing.T) {
	type job struct {
		name      string
		base      string
		transform string
		target    *msi.Database
		c         *mst.Changes
		// quirks undoes in Wine's export what Wine does differently.
		quirks func(wine map[string]string)
	}
	// Wine opens the stream of every binary cell a record carries, null
	// or not, and drops the record when there is none; a transform has
	// no stream for a null cell (the NewBin row "empty").
	nullBinary := func(wine map[string]string) {
		if !strings.Contains(wine["NewBin.idt"], "\r\nblob\tblob\t-5") || strings.Contains(wine["NewBin.idt"], "empty") {
			t.Errorf("Wine no longer drops the row with a null binary cell: update the test and the documentation:\n%s", wine["NewBin.idt"])
		}
		wine["NewBin.idt"] += "\r\nempty\t\t32767"
	}
	var jobs []job
	var wineJobs []winemsi.Job
	sa, sb := syntheticPair(t, false)
	ca, cb := syntheticPair(t, true)
	pairs := []struct {
		a, b   string
		quirks func(map[string]string)
	}{
		{sa, sb, nullBinary},
		{sb, sa, nil},
		{ca, cb, func(wine map[string]string) {
			nullBinary(wine)
			// Wine leaves the codepage as it is and stores the
			// transform's Cyrillic text in the database's (neutral,
			// read as 1252) codepage, as question marks.
			for name, want := range map[string][2]string{
				"_ForceCodepage.idt": {"\r\n0\t_ForceCodepage", "\r\n1251\t_ForceCodepage"},
				"Property.idt":       {"CYRILLIC\t??????", "CYRILLIC\tПривет"},
			} {
				if !strings.Contains(wine[name], want[0]) {
					t.Errorf("Wine no longer keeps the codepage: update the test and the documentation:\n%s", wine[name])
				}
				wine[name] = strings.Replace(wine[name], want[0], want[1], 1)
			}
		}},
	}
	for _, p := range corpusPairs {
		pairs = append(pairs, struct {
			a, b   string
			quirks func(map[string]string)
		}{p[0], p[1], nil})
	}
	for i, p := range pairs {
		a, b := openCorpus(t, p.a), openCorpus(t, p.b)
		path, c := generate(t, a, b, nil)
		name := filepath.Base(p.a) + "->" + filepath.Base(p.b)
		if i < 3 {
			name = fmt.Sprintf("synthetic%d/%s", i, name)
		}
		jobs = append(jobs, job{name, corpusPath(t, p.a), path, b, c, p.quirks})
		wineJobs = append(wineJobs, winemsi.Job{Base: corpusPath(t, p.a), Transforms: []winemsi.Transform{{Path: path}}})
	}
	dirs, errs := winemsi.ExportEachTransformed(t, wineJobs...)
	for i, j := range jobs {
		t.Run(j.name, func(t *testing.T) {
			if errs[i] != nil {
				t.Fatalf("Wine: %v", errs[i])
			}
			wine := winemsi.ReadTree(t, dirs[i])
			delete(wine, "_SummaryInformation.idt")
			if j.quirks != nil {
				j.quirks(wine)
			}
			ours := winemsi.AsWine(t, winemsi.ExportTables(t, applySaved(t, j.base, j.transform, nil)))
			if d := cmp.Diff(winemsi.SortedRows(wine), winemsi.SortedRows(ours)); d != "" {
				t.Errorf("Wine's apply vs msikit's (-wine +msikit):\n%s", d)
			}
			want := winemsi.AsWine(t, winemsi.ExportTables(t, j.target))
			for _, d := range j.c.Unexpressible {
				switch {
				case d.Kind == "codepage":
					want["_ForceCodepage.idt"] = strings.Replace(want["_ForceCodepage.idt"], "\r\n0\t", "\r\n"+d.Old+"\t", 1)
				case d.Kind == "table" && strings.Contains(d.Reason, "remove columns"):
					// Not expressible: both keep the base's table.
					delete(want, d.Name+".idt")
					delete(wine, d.Name+".idt")
				}
			}
			if d := cmp.Diff(winemsi.SortedRows(want), winemsi.SortedRows(wine)); d != "" {
				t.Errorf("Wine's apply vs the target (-target +wine):\n%s", d)
			}
		})
	}
}

// diffExports compares two exports (as exportTables returns them), rows in
// any order.
func diffExports(t *testing.T, want, got map[string]string) string {
	t.Helper()
	return cmp.Diff(winemsi.SortedRows(want), winemsi.SortedRows(got))
}
