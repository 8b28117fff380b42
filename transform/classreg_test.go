package transform

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// crRewrite runs the pass on a copy of src and saves it to dir/out.msi.
func crRewrite(t *testing.T, src, dir string, opts ClassToRegistryOptions) (string, *Report) {
	t.Helper()
	db, err := msi.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := ClassToRegistry(db, opts)
	if err != nil {
		t.Fatalf("ClassToRegistry: %v", err)
	}
	out := filepath.Join(dir, "out.msi")
	// Only the pass's tables may differ: keep the PackageCode.
	if err := db.Save(out, &msi.SaveOptions{WriteOptions: msi.WriteOptions{KeepPackageCode: true}}); err != nil {
		t.Fatalf("Save: %v", err)
	}
	return out, rep
}

// crExportAll exports every table of path with msiinfo (each must work)
// and returns them by name.
func crExportAll(t *testing.T, msiinfo, path string) map[string]crIDT {
	t.Helper()
	out, err := exec.Command(msiinfo, "tables", path).Output()
	if err != nil {
		t.Fatalf("msiinfo tables %s: %v", path, err)
	}
	tables := map[string]crIDT{}
	for _, name := range strings.Fields(string(out)) {
		b, err := testenv.Command(t, msiinfo, "export", path, name).Output()
		if err != nil {
			t.Errorf("msiinfo export %s %s: %v", path, name, err)
			continue
		}
		tab := crParseIDT(string(b))
		tab.Name = name
		tables[name] = tab
	}
	return tables
}

func TestClassToRegistryGolden(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	for _, tc := range crGoldenCases {
		t.Run(tc.name, func(t *testing.T) {
			src := crCorpusFile(t, tc.file)
			out, rep := crRewrite(t, src, t.TempDir(), ClassToRegistryOptions{})
			after := crExportAll(t, msiinfo, out)

			var got []crRegistryRow
			for _, r := range after[crTblRegistry].Rows {
				got = append(got, crRegistryRowOf(after[crTblRegistry], r))
			}
			crSortRegistry(got)
			want := crReadGolden(t, filepath.Join("testdata", "classreg", tc.golden))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("msiinfo export Registry (-golden +got):\n%s", diff)
			}
			// Every row of these packages is converted: the tables are
			// empty, and each removal is in the report with its old row.
			before := crExportAll(t, msiinfo, src)
			removed := map[string]int{}
			for _, c := range rep.Changes {
				if c.Op == OpRemove {
					removed[c.Table]++
				}
			}
			for _, table := range []string{crTblClass, crTblProgID, crTblAppID, crTblExtension, crTblVerb, crTblMIME} {
				if n := len(after[table].Rows); n != 0 {
					t.Errorf("%s still has %d rows: %v", table, n, after[table].Rows)
				}
				if removed[table] != len(before[table].Rows) {
					t.Errorf("%s: report removes %d rows, the package had %d", table, removed[table], len(before[table].Rows))
				}
			}
			for _, c := range rep.Changes {
				switch c.Op {
				case OpRemove:
					if !crHasRow(before[c.Table], c.Old) {
						t.Errorf("reported removed row %v is not a row of %s before", c.Old, c.Table)
					}
				case OpAdd:
					if !crHasRow(after[c.Table], c.New) {
						t.Errorf("reported added row %v is not a row of %s after", c.New, c.Table)
					}
				}
			}
			// Untouched tables export identically; Component,
			// FeatureComponents and CreateFolder gain exactly the rows the
			// report adds (registry-only components of feature-tied
			// registration, and the folder of one whose rows only create
			// keys).
			added := map[string][][]string{}
			for _, c := range rep.Changes {
				if c.Op == OpAdd {
					added[c.Table] = append(added[c.Table], c.New)
				}
			}
			for name, tab := range before {
				switch name {
				case crTblClass, crTblProgID, crTblAppID, crTblExtension, crTblVerb, crTblMIME, crTblRegistry:
					continue
				case "Component", "FeatureComponents", "CreateFolder":
					tab.Rows = append(tab.Rows, added[name]...)
					got := after[name]
					sortRows := func(r [][]string) {
						sort.Slice(r, func(i, j int) bool { return strings.Join(r[i], "\t") < strings.Join(r[j], "\t") })
					}
					sortRows(tab.Rows)
					sortRows(got.Rows)
					if diff := cmp.Diff(tab, got); diff != "" {
						t.Errorf("table %s: rows other than the reported additions changed (-before+added +after):\n%s", name, diff)
					}
					continue
				}
				if diff := cmp.Diff(tab, after[name]); diff != "" {
					t.Errorf("table %s changed (-before +after):\n%s", name, diff)
				}
			}
		})
	}
}

func crHasRow(tab crIDT, row []string) bool {
	for _, r := range tab.Rows {
		if cmp.Equal(r, row) {
			return true
		}
	}
	return false
}

func TestClassToRegistryIdempotent(t *testing.T) {
	for _, tc := range crGoldenCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, first := crRewrite(t, crCorpusFile(t, tc.file), dir, ClassToRegistryOptions{})
			if !first.Changed() {
				t.Fatal("first run changed nothing")
			}
			second := filepath.Join(dir, "second")
			if err := os.Mkdir(second, 0o755); err != nil {
				t.Fatal(err)
			}
			out2, rep := crRewrite(t, out, second, ClassToRegistryOptions{})
			if rep.Changed() {
				t.Errorf("second run changed %d rows: %+v", len(rep.Changes), rep.Changes)
			}
			a, _ := os.ReadFile(out)
			b, _ := os.ReadFile(out2)
			if len(a) == 0 || string(a) != string(b) {
				t.Errorf("second output differs from the first (%d vs %d bytes)", len(a), len(b))
			}
		})
	}
}

// TestClassToRegistrySign signs a rewritten package with osslsigncode and
// verifies the signature against the signing certificate.
func TestClassToRegistrySign(t *testing.T) {
	ossl := testenv.NeedTool(t, "osslsigncode", "osslsigncode")
	openssl := testenv.NeedTool(t, "openssl", "openssl")
	dir := t.TempDir()
	out, _ := crRewrite(t, crCorpusFile(t, crGoldenCases[0].file), dir, ClassToRegistryOptions{})
	key, cert := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	crRun(t, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=msikit test")
	signed := filepath.Join(dir, "signed.msi")
	crRun(t, ossl, "sign", "-certs", cert, "-key", key, "-h", "sha256", "-in", out, "-out", signed)
	crRun(t, ossl, "verify", "-in", signed, "-CAfile", cert)
}

// TestClassToRegistryNewRegistryTable drops the Registry table and the
// registry actions from a copy: the pass creates the table with the
// standard schema and its _Validation rows, and adds the actions.
func TestClassToRegistryNewRegistryTable(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	msibuild := testenv.NeedTool(t, "msibuild", "msitools")
	dir := t.TempDir()
	src := filepath.Join(dir, "src.msi")
	crCopy(t, crCorpusFile(t, "real/wix-Class-OldClassTableDef.msi"), src)
	crRun(t, msibuild, src, "-q", "DROP TABLE `Registry`")
	for _, a := range []string{"WriteRegistryValues", "RemoveRegistryValues"} {
		crRun(t, msibuild, src, "-q", "DELETE FROM `InstallExecuteSequence` WHERE `Action` = '"+a+"'")
	}
	crRun(t, msibuild, src, "-q", "DELETE FROM `_Validation` WHERE `Table` = 'Registry'")
	out, rep := crRewrite(t, src, dir, ClassToRegistryOptions{})
	after := crExportAll(t, msiinfo, out)

	reg := after[crTblRegistry]
	if diff := cmp.Diff([]string{"s72", "i2", "l255", "L255", "L0", "s72"}, reg.Types); diff != "" {
		t.Errorf("Registry column types (-want +got):\n%s", diff)
	}
	var got []crRegistryRow
	for _, r := range reg.Rows {
		got = append(got, crRegistryRowOf(reg, r))
	}
	crSortRegistry(got)
	var want []crRegistryRow
	for _, r := range crReadGolden(t, filepath.Join("testdata", "classreg", "wix-Class-OldClassTableDef.Registry.idt")) {
		if strings.HasPrefix(r.ID, "reg") && len(r.ID) == 35 { // the generated rows only
			want = append(want, r)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Registry rows (-want +got):\n%s", diff)
	}
	seq := after["InstallExecuteSequence"]
	actions := map[string]string{}
	for _, r := range seq.Rows {
		actions[seq.get(r, "Action")] = seq.get(r, "Sequence")
	}
	if actions["WriteRegistryValues"] != "5000" || actions["RemoveRegistryValues"] != "2600" {
		t.Errorf("registry actions: Write=%q Remove=%q", actions["WriteRegistryValues"], actions["RemoveRegistryValues"])
	}
	val := after["_Validation"]
	n := 0
	for _, r := range val.Rows {
		if val.get(r, "Table") == crTblRegistry {
			n++
		}
	}
	if n != len(crRegistryColumns) {
		t.Errorf("_Validation has %d Registry rows, want %d", n, len(crRegistryColumns))
	}
	if !crReportHasNote(rep, crTblRegistry, "created the Registry table") {
		t.Errorf("report does not say the table was created: %+v", rep.Notes)
	}
}

func crReportHasNote(rep *Report, table, substr string) bool {
	for _, n := range rep.Notes {
		if n.Table == table && strings.Contains(n.Reason, substr) {
			return true
		}
	}
	return false
}

// TestClassToRegistryOddDatabase runs the pass over a copy of the synthetic
// package with broken rows added by msibuild: a class whose component does
// not exist, a ProgId cycle, a dangling parent, a duplicate CLSID in another
// context. It must not fail, and each gets a note.
func TestClassToRegistryOddDatabase(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	msibuild := testenv.NeedTool(t, "msibuild", "msitools")
	dir := t.TempDir()
	src := filepath.Join(dir, "src.msi")
	crCopy(t, crCorpusFile(t, "synthetic/synth-com-advertised.msi"), src)
	for _, q := range []string{
		"INSERT INTO `Class` (`CLSID`, `Context`, `Component_`, `Description`, `Feature_`) VALUES ('{DEADBEEF-0000-0000-0000-000000000001}', 'InprocServer32', 'NoSuchComp', 'Ghost', 'Core')",
		"INSERT INTO `Class` (`CLSID`, `Context`, `Component_`, `Description`, `Feature_`) VALUES ('{23572545-7D83-6DE6-4554-E81806A5DB6A}', 'InprocServer32', 'ComServer', 'Synth Local Server', 'Core')",
		"INSERT INTO `ProgId` (`ProgId`, `ProgId_Parent`, `Description`) VALUES ('Loop.A', 'Loop.B', 'A')",
		"INSERT INTO `ProgId` (`ProgId`, `ProgId_Parent`, `Description`) VALUES ('Loop.B', 'Loop.A', 'B')",
		"INSERT INTO `ProgId` (`ProgId`, `ProgId_Parent`, `Description`) VALUES ('Orphan.VI', 'Gone.1', 'orphan')",
	} {
		crRun(t, msibuild, src, "-q", q)
	}
	out, rep := crRewrite(t, src, dir, ClassToRegistryOptions{})
	for _, want := range []struct{ table, substr string }{
		{crTblClass, "component NoSuchComp is not in the Component table"},
		{crTblClass, "has 2 Class rows"},
		{crTblProgID, "ProgId_Parent Gone.1 is not in the ProgId table"},
		{crTblProgID, "never registers this ProgId"},
		{crTblProgID, "a cycle"},
	} {
		if !crReportHasNote(rep, want.table, want.substr) {
			t.Errorf("no %s note containing %q", want.table, want.substr)
		}
	}
	after := crExportAll(t, msiinfo, out)
	left := map[string]bool{}
	for _, r := range after[crTblClass].Rows {
		left[after[crTblClass].get(r, "CLSID")] = true
	}
	if !left["{DEADBEEF-0000-0000-0000-000000000001}"] || len(after[crTblClass].Rows) != 1 {
		t.Errorf("Class rows left: %v (want only the ghost class)", after[crTblClass].Rows)
	}
	var inproc string
	for _, r := range after[crTblRegistry].Rows {
		if after[crTblRegistry].get(r, "Key") == `CLSID\{23572545-7D83-6DE6-4554-E81806A5DB6A}\InprocServer32` {
			inproc = after[crTblRegistry].get(r, "Value")
		}
	}
	if inproc != "[#comserver.dll]" {
		t.Errorf("second context of a shared CLSID: InprocServer32 = %q", inproc)
	}
}

func TestClassToRegistryRefusesPatches(t *testing.T) {
	for _, f := range testenv.CorpusFiles(t) {
		if !strings.HasSuffix(f, ".msp") {
			continue
		}
		db, err := msi.Open(f)
		if err != nil {
			continue
		}
		if _, err := ClassToRegistry(db, ClassToRegistryOptions{}); err == nil {
			t.Errorf("%s: a patch was accepted", filepath.Base(f))
		}
		db.Close()
		return
	}
	t.Skip("no patch in the corpus")
}

// TestClassToRegistryCorpus runs the pass over every readable corpus
// installer: it must not fail or panic, and a second run changes nothing.
func TestClassToRegistryCorpus(t *testing.T) {
	for _, f := range testenv.CorpusFiles(t) {
		if !strings.HasSuffix(f, ".msi") && !strings.HasSuffix(f, ".msm") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			db, err := msi.Open(f)
			if err != nil {
				t.Skipf("not readable: %v", err)
			}
			defer db.Close()
			rep, err := ClassToRegistry(db, ClassToRegistryOptions{})
			if err != nil {
				if testenv.IsCorrupt(f) {
					return
				}
				t.Fatalf("ClassToRegistry: %v", err)
			}
			again, err := ClassToRegistry(db, ClassToRegistryOptions{})
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			if again.Changed() {
				t.Errorf("second run changed %d rows after %d", len(again.Changes), len(rep.Changes))
			}
		})
	}
}

// TestClassToRegistrySequence checks the sequence decision on com64.msi,
// which has no registry actions: WriteRegistryValues and
// RemoveRegistryValues are added at their standard places, and the
// Register*/Unregister* actions stay.
func TestClassToRegistrySequence(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	src := filepath.Join("testdata", "classreg", "com64.msi")
	before := crExportAll(t, msiinfo, src)["InstallExecuteSequence"]
	out, _ := crRewrite(t, src, t.TempDir(), ClassToRegistryOptions{})
	after := crExportAll(t, msiinfo, out)["InstallExecuteSequence"]
	seqs := func(tab crIDT) map[string]string {
		m := map[string]string{}
		for _, r := range tab.Rows {
			m[tab.get(r, "Action")] = tab.get(r, "Sequence")
		}
		return m
	}
	want := seqs(before)
	want["WriteRegistryValues"] = "5000"
	want["RemoveRegistryValues"] = "2600"
	for _, a := range []string{"RegisterClassInfo", "RegisterProgIdInfo", "RegisterExtensionInfo", "RegisterMIMEInfo", "UnregisterClassInfo"} {
		if want[a] == "" {
			t.Fatalf("fixture lacks %s", a)
		}
	}
	if diff := cmp.Diff(want, seqs(after)); diff != "" {
		t.Errorf("InstallExecuteSequence (-want +got):\n%s", diff)
	}
}

// TestClassToRegistrySigned: the pass edits a signed package in memory;
// saving it needs DropSignature, and the result can be signed again.
func TestClassToRegistrySigned(t *testing.T) {
	src := crCorpusFile(t, "synthetic/synth-all-signed.msi")
	db, err := msi.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if !db.Signed() {
		t.Fatal("fixture is not signed")
	}
	rep, err := ClassToRegistry(db, ClassToRegistryOptions{})
	if err != nil || !rep.Changed() {
		t.Fatalf("ClassToRegistry: %v, changed %v", err, rep.Changed())
	}
	dir := t.TempDir()
	if err := db.Save(filepath.Join(dir, "kept.msi"), nil); !errors.Is(err, msi.ErrSigned) {
		t.Errorf("Save of a changed signed package: %v, want ErrSigned", err)
	}
	out := filepath.Join(dir, "dropped.msi")
	if err := db.Save(out, &msi.SaveOptions{WriteOptions: msi.WriteOptions{DropSignature: true}}); err != nil {
		t.Fatalf("Save with DropSignature: %v", err)
	}
	back, err := msi.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if back.Signed() {
		t.Error("signature still present")
	}
}
