package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/winemsi"
	"github.com/msikit/msikit/msi"
)

// editedSampleMST writes testdata/sample.msi and an edit of it (ProductName
// changed, REBOOT added, one Registry row deleted) into dir and returns
// their paths.
func editedSampleMST(t *testing.T, dir string) (base, edited string) {
	t.Helper()
	base = copySample(t, dir, "base.msi")
	db, err := msi.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	props, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(props.Update([]msi.Value{msi.StrValue("ProductName")}, func(v []msi.Value) error {
		v[1] = msi.StrValue("Synthetic all (customised)")
		return nil
	}))
	must(props.Insert(msi.StrValue("REBOOT"), msi.StrValue("ReallySuppress")))
	edited = filepath.Join(dir, "edited.msi")
	must(db.Save(edited, nil))
	return base, edited
}

// changeLines returns the lines of diff output that are row or schema
// changes ("+", "-", "~", "!" and "table" lines), not the "?" lines of
// what a transform cannot carry.
func changeLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "+ ") || strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "~ ") || strings.HasPrefix(l, "! ") || strings.HasPrefix(l, "table ") {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestDiffApplyCommands runs diff, diff -o, info and apply on a package
// and an edit of it: the text diff shows the edits, the transform shows
// the same as rows and applies to give the edited tables, the base is
// not touched, and a transform made for another product is refused
// unless its checks are skipped.
func TestDiffApplyCommands(t *testing.T) {
	dir := t.TempDir()
	base, edited := editedSampleMST(t, dir)
	before := sha(t, base)

	code, out, stderr := runCLI(t, "diff", base, edited)
	if code != exitOK {
		t.Fatalf("diff: exit %d: %s", code, stderr)
	}
	want := []string{
		"~ Property [ProductName] Value: Synthetic all -> Synthetic all (customised);",
		"+ Property [REBOOT]\tREBOOT\tReallySuppress",
	}
	if d := cmp.Diff(want, changeLines(out)); d != "" {
		t.Errorf("diff BASE EDITED (-want +got):\n%s\nfull output:\n%s", d, out)
	}

	mst := filepath.Join(dir, "fix.mst")
	code, out, stderr = runCLI(t, "diff", base, edited, "-o", mst, "--validate", "product,upgrade-code")
	if code != exitOK {
		t.Fatalf("diff -o: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "1 row inserted, 1 updated, 0 deleted") || !strings.Contains(out, "validation product,upgrade-code") {
		t.Errorf("diff -o report:\n%s", out)
	}

	// The transform, read against the base, shows the same rows.
	code, out, stderr = runCLI(t, "diff", base, mst)
	if code != exitOK {
		t.Fatalf("diff BASE MST: exit %d: %s", code, stderr)
	}
	if d := cmp.Diff(want, changeLines(out)); d != "" {
		t.Errorf("diff BASE MST (-want +got):\n%s", d)
	}
	code, out, stderr = runCLI(t, "info", mst, "--base", base)
	if code != exitOK {
		t.Fatalf("info --base: exit %d: %s", code, stderr)
	}
	for _, s := range []string{"Kind:      transform", "Transform:", "Validation:     product,upgrade-code", "Property  1 inserted, 1 updated, 0 deleted"} {
		if !strings.Contains(out, s) {
			t.Errorf("info --base output lacks %q:\n%s", s, out)
		}
	}

	// Apply gives the edited tables.
	applied := filepath.Join(dir, "applied.msi")
	code, out, stderr = runCLI(t, "apply", base, mst, "-o", applied)
	if code != exitOK {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "Property: 1 inserted, 1 updated") {
		t.Errorf("apply report:\n%s", out)
	}
	if d := cmp.Diff(winemsi.SortedRows(exportTables(t, edited)), winemsi.SortedRows(exportTables(t, applied))); d != "" {
		t.Errorf("apply(base, diff(base, edited)) differs from edited (-edited +applied):\n%s", d)
	}
	if sha(t, base) != before {
		t.Error("diff or apply changed the base package")
	}

	// A package that is neither a transform nor a patch is named as its
	// kind, in the words info uses.
	code, _, stderr = runCLI(t, "apply", base, base, "-o", filepath.Join(dir, "self.msi"))
	if want := "not a transform or a patch (kind installer)"; code != exitFailure || !strings.Contains(stderr, want) {
		t.Errorf("apply BASE BASE: exit %d, stderr %q, want %q", code, stderr, want)
	}

	// Identical databases: no transform.
	code, _, stderr = runCLI(t, "diff", base, base, "-o", filepath.Join(dir, "none.mst"))
	if code != exitFailure || !strings.Contains(stderr, "do not differ") {
		t.Errorf("diff -o of identical databases: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.mst")); err == nil {
		t.Error("diff -o of identical databases wrote a transform")
	}

	// Another product: the ProductCode check refuses it, --skip-check
	// lets it through.
	if testenv.CorpusDir() == "" {
		t.Skip("no corpus: the other product is a corpus package")
	}
	other := filepath.Join(testenv.CorpusDir(), "real", "wix3-PerMachineMsisMsps-prodAv100.msi")
	code, out, stderr = runCLI(t, "apply", other, mst, "-o", filepath.Join(dir, "other.msi"))
	if code != exitFailure || !strings.Contains(stderr, "ProductCode") || out != "" {
		t.Errorf("apply to another product: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.msi")); err == nil {
		t.Error("a refused apply wrote its output")
	}
	checkOneLineError(t, code, stderr, other, mst)
	code, _, stderr = runCLI(t, "apply", other, mst, "--skip-check", "all", "--ignore", "all", "-o", filepath.Join(dir, "other.msi"))
	if code != exitOK {
		t.Errorf("apply --skip-check all --ignore all to another product: exit %d, stderr %q", code, stderr)
	}
}

// TestInfoCorpusTransformsAndPatches runs info on every transform and
// patch of the corpus: each reads (exit 0) and shows its Transform or
// Patch section; a patch lists its transforms, as many as its summary
// information names.
func TestInfoCorpusTransformsAndPatches(t *testing.T) {
	n := 0
	for _, f := range testenv.CorpusFiles(t) {
		ext := strings.ToLower(filepath.Ext(f))
		if ext != ".mst" && ext != ".msp" || testenv.IsCorrupt(f) {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, out, stderr := runCLI(t, "info", f)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if ext == ".mst" {
				if !strings.Contains(out, "Transform:") || !strings.Contains(out, "Validation:") {
					t.Errorf("no Transform section:\n%s", out)
				}
				return
			}
			db, err := msi.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			si, err := db.SummaryInfo()
			if err != nil {
				t.Fatal(err)
			}
			names := si.String(msi.PIDLastAuthor)
			count := len(strings.Split(strings.Trim(names, ";"), ";"))
			for _, name := range strings.Split(names, ";") {
				name = strings.TrimPrefix(name, ":")
				if name != "" && !strings.Contains(out, "\n    "+name+"\n") {
					t.Errorf("transform %q of PID 8 not listed:\n%s", name, out)
				}
			}
			if !strings.Contains(out, "Patch:") || !strings.Contains(out, "Transforms, in the order they apply ("+strconv.Itoa(count)+")") {
				t.Errorf("no Patch section with %d transforms:\n%s", count, out)
			}
		})
	}
	if n < 10 {
		t.Errorf("only %d transforms and patches in the corpus", n)
	}
}

// TestDiffEmbeddedTransform: "diff PKG :NAME" shows the transform stored
// in PKG as the storage NAME exactly as "diff PKG FILE.mst" shows the
// same transform as a file.
func TestDiffEmbeddedTransform(t *testing.T) {
	dir := t.TempDir()
	mstPath := filepath.Join(dir, "fix.mst")
	if code, _, stderr := runCLI(t, "rewrite", "--as-transform", samplePath(), "-o", mstPath); code != exitOK {
		t.Fatalf("rewrite --as-transform: exit %d: %s", code, stderr)
	}
	// The sample with fix.mst's streams in a storage named "fix".
	pkg := filepath.Join(dir, "with-transform.msi")
	base, err := cfb.OpenReader(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	tr, err := cfb.OpenReader(mstPath)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	f, err := os.Create(pkg)
	if err != nil {
		t.Fatal(err)
	}
	w := cfb.NewWriter(f, nil)
	if err := w.Copy(base.Root); err != nil {
		t.Fatal(err)
	}
	if err := w.MkdirHeader("", &cfb.Header{Name: "fix", CLSID: tr.Root.CLSID}); err != nil {
		t.Fatal(err)
	}
	for _, e := range tr.Root.Children {
		s, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.CreateHeaderFrom("fix", &cfb.Header{RawName: e.RawName}, s, e.Size); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	code, want, stderr := runCLI(t, "diff", pkg, mstPath)
	if code != exitOK {
		t.Fatalf("diff PKG FILE.mst: exit %d: %s", code, stderr)
	}
	code, got, stderr := runCLI(t, "diff", pkg, ":fix")
	if code != exitOK {
		t.Fatalf("diff PKG :fix: exit %d: %s", code, stderr)
	}
	want = strings.Replace(want, "+++ "+pkg+" + "+mstPath+"\n", "+++ "+pkg+" + :fix\n", 1)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diff PKG :fix against diff PKG FILE.mst (-want +got):\n%s", diff)
	}
	if strings.Count(got, "\n") < 10 {
		t.Errorf("diff PKG :fix shows almost nothing:\n%s", got)
	}
	code, _, stderr = runCLI(t, "diff", pkg, ":nosuch")
	if code != exitFailure || !strings.HasPrefix(stderr, "msikit: :nosuch: ") {
		t.Errorf("diff PKG :nosuch: exit %d, stderr %q; want one error line", code, stderr)
	}
}
