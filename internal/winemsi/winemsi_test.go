package winemsi_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/winemsi"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

var update = flag.Bool("update", false, "rewrite the reference exports in testdata/")

// corpus returns the path of a file of the shared corpus's real folder,
// or skips t.
func corpus(t *testing.T, name string) string {
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

// msikitExport returns msikit's export of every table of pkg (as
// "msikit export -d" writes it), or nil if msikit cannot open it.
func msikitExport(t *testing.T, pkg string) map[string]string {
	t.Helper()
	db, err := msi.Open(pkg)
	if err != nil {
		return nil
	}
	defer db.Close()
	dir := t.TempDir()
	if err := idt.ExportDir(dir, db); err != nil {
		t.Fatalf("msikit export %s: %v", pkg, err)
	}
	return winemsi.ReadTree(t, dir)
}

// TestExportMatchesMsikit exports every corpus package with Wine's msi.dll
// and compares each table, file by file, with msikit's export: they must
// agree except for the documented Wine differences (see winemsi.AsWine).
func TestExportMatchesMsikit(t *testing.T) {
	var pkgs []string
	for _, f := range testenv.CorpusFiles(t) {
		if testenv.IsCorrupt(f) || strings.EqualFold(filepath.Ext(f), ".mst") {
			continue // a transform is not a database msi.dll can open
		}
		pkgs = append(pkgs, f)
	}
	dirs, errs := winemsi.ExportEach(t, pkgs...)
	compared := 0
	for i, pkg := range pkgs {
		t.Run(filepath.Base(pkg), func(t *testing.T) {
			want := msikitExport(t, pkg)
			if dirs[i] == "" {
				if want != nil {
					t.Fatalf("Wine cannot open what msikit reads: %v", errs[i])
				}
				t.Skipf("neither Wine (%v) nor msikit opens it", errs[i])
			}
			if want == nil {
				t.Fatalf("Wine exports a package msikit cannot open")
			}
			want = winemsi.AsWine(t, want)
			if errs[i] != nil {
				// Wine fails to export the summary information of a
				// package that has none (ERROR_FUNCTION_FAILED); msikit
				// writes the header alone. Any other failure is a finding.
				empty := &winemsi.ExportError{Failed: map[string]uint32{"_SummaryInformation": winemsi.ErrorFunctionFailed}}
				if d := cmp.Diff(empty, errs[i]); d != "" || strings.Count(want["_SummaryInformation.idt"], "\r\n") != 3 {
					t.Fatalf("Wine cannot export what msikit reads: %v", errs[i])
				}
				delete(want, "_SummaryInformation.idt")
			}
			if d := cmp.Diff(want, winemsi.ReadTree(t, dirs[i])); d != "" {
				t.Errorf("msikit export (adjusted as documented) vs Wine's MsiDatabaseExport (-msikit +wine):\n%s", d)
			}
			compared++
		})
	}
	if compared == 0 {
		t.Error("no package compared")
	}
}

// checkReference compares got with testdata/reference/name.txt (rewritten
// with -update).
func checkReference(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "reference", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("Wine's result differs from %s (-reference +now):\n%s", path, d)
	}
}

// TestApplyReference applies the corpus transforms and patches to their
// bases with Wine's msi.dll and keeps each result as a reference export
// under testdata/reference: what msikit's apply must reproduce, except
// where the package documentation lists a Wine quirk.
func TestApplyReference(t *testing.T) {
	const inst = "wix3-InstanceTransformTests-SimpleInstanceTransform-expected.msi"
	transforms := []struct {
		name, base string
		apply      []string // corpus files, or ":Name"
	}{
		{"psmsi-Example.msi+psmsi-Example.mst", "psmsi-Example.msi", []string{"psmsi-Example.mst"}},
		{"SimpleInstanceTransform+Instance1", inst, []string{":Instance1"}},
		{"SimpleInstanceTransform+Instance2", inst, []string{":Instance2"}},
		{"SimpleInstanceTransform+Instance3", inst, []string{":Instance3"}},
		{"SimpleInstanceTransform-expected3+Instance2.mst", "wix3-InstanceTransformTests-SimpleInstanceTransform-expected3.msi", []string{":Instance2.mst"}},
	}
	for _, tc := range transforms {
		t.Run(tc.name, func(t *testing.T) {
			base := corpus(t, tc.base)
			var ts []winemsi.Transform
			for _, a := range tc.apply {
				if !strings.HasPrefix(a, ":") {
					a = corpus(t, a)
				}
				ts = append(ts, winemsi.Transform{Path: a})
			}
			dir, err := winemsi.ExportTransformed(t, base, ts...)
			checkReference(t, tc.name, winemsi.Dump(t, dir, err))
		})
	}
	patches := []struct {
		name, base, patch string
		applied, skipped  []string
	}{
		{"prodAv100+PatchAv101", "wix3-PerMachineMsisMsps-prodAv100.msi", "wix3-PerMachineMsisMsps-PatchAv101.msp", []string{"rtmA.1", "#rtmA.1"}, nil},
		{"prodBv100+PatchBv101", "wix3-PerMachineMsisMsps-prodBv100.msi", "wix3-PerMachineMsisMsps-PatchBv101.msp", []string{"rtmB.1", "#rtmB.1"}, nil},
		{"prodAv100+PatchABv101", "wix3-PerMachineMsisMsps-prodAv100.msi", "wix3-PerMachineMsisMsps-PatchABv101.msp", []string{"rtmA.1", "#rtmA.1"}, []string{"rtmB.2", "#rtmB.2"}},
		{"prodBv100+PatchABv101", "wix3-PerMachineMsisMsps-prodBv100.msi", "wix3-PerMachineMsisMsps-PatchABv101.msp", []string{"rtmB.2", "#rtmB.2"}, []string{"rtmA.1", "#rtmA.1"}},
		{"psmsi-Example.msi+psmsi-Example.msp", "psmsi-Example.msi", "psmsi-Example.msp", []string{"MSP.1", "#MSP.1"}, nil},
		{"psmsi-old-Example.msi+psmsi-old-Example.msp", "psmsi-old-Example.msi", "psmsi-old-Example.msp", []string{"rtm.1", "#rtm.1"}, nil},
	}
	for _, tc := range patches {
		t.Run(tc.name, func(t *testing.T) {
			dir, applied, skipped := winemsi.ApplyPatch(t, corpus(t, tc.base), corpus(t, tc.patch))
			if d := cmp.Diff(tc.applied, applied); d != "" {
				t.Errorf("transforms applied (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.skipped, skipped); d != "" {
				t.Errorf("transforms skipped (-want +got):\n%s", d)
			}
			checkReference(t, tc.name, winemsi.Dump(t, dir, nil))
		})
	}
}

// TestApplyQuirks pins the Wine behaviours the package documentation
// lists for MsiDatabaseApplyTransformW, on psmsi-Example.mst, whose
// records do not all match psmsi-Example.msi (an update and a delete of
// Directory rows the base lacks, records for a Binary table it lacks, and
// the deletion of a table AppId it lacks). If a Wine update changes one of
// these, this test fails: update the documentation with it.
func TestApplyQuirks(t *testing.T) {
	base, mst := corpus(t, "psmsi-Example.msi"), corpus(t, "psmsi-Example.mst")
	none, err := winemsi.ExportTransformed(t, base, winemsi.Transform{Path: mst})
	want := &winemsi.ExportError{Failed: map[string]uint32{"AppId": winemsi.ErrorBadQuerySyntax}}
	if d := cmp.Diff(want, err); d != "" {
		t.Errorf("export after the transform: the column-less AppId table should fail (-want +got):\n%s", d)
	}
	all, err := winemsi.ExportTransformed(t, base, winemsi.Transform{Path: mst, Flags: 0x3F})
	if d := cmp.Diff(want, err); d != "" {
		t.Errorf("export after the transform with flags 0x3F (-want +got):\n%s", d)
	}
	if d := cmp.Diff(winemsi.ReadTree(t, none), winemsi.ReadTree(t, all)); d != "" {
		t.Errorf("error-condition flags 0x3F changed the result (-flags 0 +flags 0x3F):\n%s", d)
	}
	dir := winemsi.Query(t, base, "SELECT `Directory`, `Directory_Parent`, `DefaultDir` FROM `Directory`", mst)
	wantRows := [][]string{
		{"TARGETDIR", winemsi.Null, "SourceDir"},
		{"Modified", winemsi.Null, "new value"}, // update of a missing row: inserted
		{"Foo", winemsi.Null, "."},
		{"Added", winemsi.Null, "."},
		// The delete of the missing row "Deleted" becomes an insert of the
		// key alone, which the non-nullable DefaultDir refuses (silently).
	}
	if d := cmp.Diff(wantRows, dir.Rows); d != "" {
		t.Errorf("Directory after the transform (-want +got):\n%s", d)
	}
	tables := winemsi.Tables(t, base, mst)
	if !contains(tables, "AppId") || contains(tables, "Binary") {
		t.Errorf("tables after the transform: %q; want AppId created by its delete record and no Binary", tables)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestView reads psmsi-Example.mst in transform view mode. The rows follow
// from the transform's records (dumped by hand: Directory records
// "Modified" with mask 0x0004, full rows "Foo" and "Added", a delete of
// "Deleted"; a _Tables delete of "AppId"), with Wine's quirk that deletes
// of missing rows and tables show as INSERT and CREATE.
func TestView(t *testing.T) {
	got := winemsi.View(t, corpus(t, "psmsi-Example.msi"), corpus(t, "psmsi-Example.mst"))
	N := winemsi.Null
	want := winemsi.Result{
		Columns: []string{"Table", "Column", "Row", "Data", "Current"},
		Types:   []string{"g0", "g0", "G0", "G0", "G0"},
		Rows: [][]string{
			{"Directory", "Directory_Parent", "Modified", N, N},
			{"Directory", "Directory_Parent", "Foo", N, N},
			{"Directory", "Directory_Parent", "Added", N, N},
			{"Directory", "Directory_Parent", "Deleted", N, N},
			{"Directory", "DefaultDir", "Modified", "new value", N},
			{"Directory", "DefaultDir", "Foo", ".", N},
			{"Directory", "DefaultDir", "Added", ".", N},
			{"Directory", "DefaultDir", "Deleted", N, N},
			{"Directory", "INSERT", "Modified", N, N},
			{"Directory", "INSERT", "Foo", N, N},
			{"Directory", "INSERT", "Added", N, N},
			{"Directory", "INSERT", "Deleted", N, N},
			{"AppId", "CREATE", N, N, N},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("_TransformView (-want +got):\n%s", d)
	}
}

// TestSummaryInfoMatchesMsikit compares the summary information of every
// corpus transform and patch as msi.dll reads it with msikit's reading.
func TestSummaryInfoMatchesMsikit(t *testing.T) {
	var files []string
	s := new(winemsi.Script)
	for _, f := range testenv.CorpusFiles(t) {
		ext := strings.ToLower(filepath.Ext(f))
		if testenv.IsCorrupt(f) || ext != ".mst" && ext != ".msp" {
			continue
		}
		files = append(files, f)
		s.SummaryInfo(f)
	}
	out, err := winemsi.New(t).Run(t, s)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			db, err := msi.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var sb strings.Builder
			if err := idt.Export(&sb, db, "_SummaryInformation", nil); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, l := range strings.Split(sb.String(), "\r\n")[3:] {
				if l != "" {
					want = append(want, l)
				}
			}
			var got []string
			for _, p := range out.SummaryInfo[i] {
				v := p.Value
				if p.Type == "FILETIME" { // 2006-01-02T15:04:05Z as the IDT's 2006/01/02 15:04:05
					v = strings.TrimSuffix(strings.ReplaceAll(strings.Replace(v, "T", " ", 1), "-", "/"), "Z")
				}
				got = append(got, fmt.Sprintf("%d\t%s", p.ID, v))
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("summary information, msikit vs msi.dll (-msikit +wine):\n%s", d)
			}
		})
	}
}

// TestStoragesMatchMsikit compares the substorages (embedded transforms,
// patch transforms) and their CLSIDs as Wine's ole32 lists them with
// msikit's CFB reader.
func TestStoragesMatchMsikit(t *testing.T) {
	for _, name := range []string{
		"wix3-InstanceTransformTests-SimpleInstanceTransform-expected.msi",
		"wix3-PerMachineMsisMsps-PatchABv101.msp",
		"psmsi-Example.msp",
	} {
		t.Run(name, func(t *testing.T) {
			path := corpus(t, name)
			var got []string
			for _, e := range winemsi.Storages(t, path) {
				if e.Type == "storage" {
					got = append(got, e.Name+" "+e.CLSID)
				}
			}
			sort.Strings(got)
			want := msikitStorages(t, path)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("storages, msikit vs ole32 (-msikit +wine):\n%s", d)
			}
			if len(got) == 0 {
				t.Error("no storage listed")
			}
		})
	}
}

// msikitStorages lists the storages below the root of a compound file
// with msikit's reader, as "NAME {CLSID}", sorted.
func msikitStorages(t *testing.T, path string) []string {
	t.Helper()
	r, err := cfb.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for _, e := range r.Entries() {
		if e.Type == cfb.TypeStorage && e.Parent != nil && e.Parent.Type == cfb.TypeRoot {
			out = append(out, e.Name+" "+e.CLSID.String())
		}
	}
	sort.Strings(out)
	return out
}

// TestExtractedTransformApplies extracts an embedded instance transform
// with ole32 and applies the file: the result must equal applying it by
// its ":Name".
func TestExtractedTransformApplies(t *testing.T) {
	base := corpus(t, "wix3-InstanceTransformTests-SimpleInstanceTransform-expected.msi")
	mst := winemsi.Extract(t, base, "Instance2")
	ps := winemsi.SummaryInfo(t, mst)
	if v, _ := winemsi.Prop(ps, 9); !strings.Contains(v, "{4014E041-A968-4DE3-B43C-322DF9A19359}") {
		t.Errorf("extracted transform's PID 9 = %q, want the base product code first", v)
	}
	byFile := winemsi.ReadTree(t, winemsi.Apply(t, base, mst))
	byName := winemsi.ReadTree(t, winemsi.Apply(t, base, ":Instance2"))
	if d := cmp.Diff(byName, byFile); d != "" {
		t.Errorf("applied by name vs extracted file (-name +file):\n%s", d)
	}
}

// TestGenerateTransformIsAStub pins that Wine cannot generate transforms
// (see the package documentation). If a Wine update implements them, this
// test fails: then use Wine as a generator oracle too.
func TestGenerateTransformIsAStub(t *testing.T) {
	a100 := corpus(t, "wix3-PerMachineMsisMsps-prodAv100.msi")
	a101 := corpus(t, "wix3-PerMachineMsisMsps-prodAv101.msi")
	_, err := winemsi.GenerateTransform(t, a101, a100)
	var fe *winemsi.Error
	if !errors.As(err, &fe) || fe.Code != winemsi.ErrorCallNotImplemented {
		t.Errorf("GenerateTransform = %v, want error %d (Wine's stub)", err, winemsi.ErrorCallNotImplemented)
	}
	out := filepath.Join(t.TempDir(), "x.mst")
	o, err := winemsi.New(t).Run(t, new(winemsi.Script).Open(a101, winemsi.ReadOnly).Generate(a101, "").TransformSummaryInfo(a100, out, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []winemsi.Code{{Op: "generate", Code: winemsi.ErrorCallNotImplemented}, {Op: "transforminfo", Code: winemsi.ErrorFunctionFailed}}
	if d := cmp.Diff(want, o.Codes); d != "" {
		t.Errorf("return codes (-want +got):\n%s", d)
	}
}

// TestMerge merges prodAv101 into a copy of prodAv100: the conflicting
// rows (ProductVersion, the changed file hash) are counted per table in
// the error table and the merge reports ERROR_FUNCTION_FAILED.
func TestMerge(t *testing.T) {
	a100 := corpus(t, "wix3-PerMachineMsisMsps-prodAv100.msi")
	a101 := corpus(t, "wix3-PerMachineMsisMsps-prodAv101.msi")
	merged, code, conflicts := winemsi.Merge(t, a100, a101, "")
	if code != winemsi.ErrorFunctionFailed {
		t.Errorf("merge code = %d, want %d", code, winemsi.ErrorFunctionFailed)
	}
	want := [][]string{{"Property", "1"}, {"MsiFileHash", "1"}}
	if d := cmp.Diff(want, conflicts.Rows); d != "" {
		t.Errorf("merge conflicts (-want +got):\n%s", d)
	}
	if v := winemsi.Query(t, merged, "SELECT `Value` FROM `Property` WHERE `Property`='ProductVersion'"); len(v.Rows) != 1 || v.Rows[0][0] != "1.0.0.0" {
		t.Errorf("ProductVersion after the merge = %q, want the target's 1.0.0.0 kept", v.Rows)
	}
}

// TestDecomposeDescriptor checks msi.dll's reading of darwin descriptors
// built here from the documented encoding (FORMAT-NOTES.md), in the full
// form and the short forms (no feature, no component).
func TestDecomposeDescriptor(t *testing.T) {
	const product, component = "{90110409-6000-11D3-8CFE-0150048383C9}", "{A7CD68DB-EF74-49C8-FBB2-A7C463B2AC24}"
	tests := []struct {
		name, feature, component string
	}{
		{"full", "Core", component},
		{"no component", "Core", ""},
		{"empty feature", "", component},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := guid85(t, product) + tc.feature
			if tc.component == "" {
				d += "<"
			} else {
				d += ">" + guid85(t, tc.component)
			}
			got, err := winemsi.DecomposeDescriptor(t, d+` "%1"`)
			if err != nil {
				t.Fatal(err)
			}
			want := winemsi.Descriptor{Product: product, Feature: tc.feature, Component: tc.component, Used: len(d)}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("MsiDecomposeDescriptor(%q) (-want +got):\n%s", d, d)
			}
		})
	}
}

// guid85 encodes a GUID as 20 descriptor characters: its 16 bytes in
// memory order as four little-endian 32-bit words, each written as five
// base-85 digits, least significant first.
func guid85(t *testing.T, guid string) string {
	t.Helper()
	const alphabet = "!$%&'()*+,-.0123456789=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{}~"
	h := strings.ReplaceAll(strings.Trim(guid, "{}"), "-", "")
	if len(h) != 32 {
		t.Fatalf("bad GUID %q", guid)
	}
	var b [16]byte
	for i := range b {
		v, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		b[i] = byte(v)
	}
	// memory order: Data1, Data2, Data3 little-endian, Data4 as is
	b[0], b[1], b[2], b[3] = b[3], b[2], b[1], b[0]
	b[4], b[5] = b[5], b[4]
	b[6], b[7] = b[7], b[6]
	var s strings.Builder
	for w := 0; w < 4; w++ {
		v := uint32(b[4*w]) | uint32(b[4*w+1])<<8 | uint32(b[4*w+2])<<16 | uint32(b[4*w+3])<<24
		for i := 0; i < 5; i++ {
			s.WriteByte(alphabet[v%85])
			v /= 85
		}
	}
	return s.String()
}

// TestPatchAsOnWindows checks ApplyPatch against what psmsi's own tests
// expect from Windows Installer for the same files (heaths/psmsi,
// GetPatchedRegistryTable and GetAllPatchedRecords: Example.msi patched
// with Example.msp has 16 tables, its Registry Value becomes "1.0.1", and
// one Media row has DiskId 100).
func TestPatchAsOnWindows(t *testing.T) {
	dir, _, _ := winemsi.ApplyPatch(t, corpus(t, "psmsi-Example.msi"), corpus(t, "psmsi-Example.msp"))
	files := winemsi.ReadTree(t, dir)
	tables := 0
	for n := range files {
		if strings.HasSuffix(n, ".idt") && !strings.Contains(n, "/") && !strings.HasPrefix(n, "_SummaryInformation") && !strings.HasPrefix(n, "_ForceCodepage") {
			tables++
		}
	}
	if tables != 16 {
		t.Errorf("%d tables after the patch, want 16", tables)
	}
	rows := func(table string) [][]string {
		var out [][]string
		for _, l := range strings.Split(files[table+".idt"], "\r\n")[3:] {
			if l != "" {
				out = append(out, strings.Split(l, "\t"))
			}
		}
		return out
	}
	if reg := rows("Registry"); len(reg) != 1 || reg[0][4] != "1.0.1" {
		t.Errorf("Registry rows %q, want one with Value 1.0.1", reg)
	}
	n := 0
	for _, m := range rows("Media") {
		if m[0] == "100" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d Media rows with DiskId 100, want 1", n)
	}
}
