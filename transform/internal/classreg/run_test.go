package classreg

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// rewrite runs the pass on a copy of src and saves it to dir/out.msi.
func rewrite(t *testing.T, src, dir string, opts Options) (string, *edit.Log) {
	t.Helper()
	db, err := msi.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := Run(db, opts)
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

// exportAll exports every table of path with msiinfo (each must work)
// and returns them by name.
func exportAll(t *testing.T, msiinfo, path string) map[string]iDT {
	t.Helper()
	out, err := exec.Command(msiinfo, "tables", path).Output()
	if err != nil {
		t.Fatalf("msiinfo tables %s: %v", path, err)
	}
	tables := map[string]iDT{}
	for _, name := range strings.Fields(string(out)) {
		b, err := testenv.Command(t, msiinfo, "export", path, name).Output()
		if err != nil {
			t.Errorf("msiinfo export %s %s: %v", path, name, err)
			continue
		}
		tab := parseIDT(string(b))
		tab.Name = name
		tables[name] = tab
	}
	return tables
}

func TestClassToRegistryGolden(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			src := corpusFile(t, tc.file)
			out, rep := rewrite(t, src, t.TempDir(), Options{})
			after := exportAll(t, msiinfo, out)

			var got []RegistryRow
			for _, r := range after[tblRegistry].Rows {
				got = append(got, registryRowOf(after[tblRegistry], r))
			}
			sortRegistry(got)
			want := readGolden(t, filepath.Join("testdata", tc.golden))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("msiinfo export Registry (-golden +got):\n%s", diff)
			}
			// Every row of these packages is converted: the tables are
			// empty, and each removal is in the report with its old row.
			before := exportAll(t, msiinfo, src)
			removed := map[string]int{}
			for _, c := range rep.Changes {
				if c.Op == edit.Remove {
					removed[c.Table]++
				}
			}
			for _, table := range []string{tblClass, tblProgID, tblAppID, tblExtension, tblVerb, tblMIME} {
				if n := len(after[table].Rows); n != 0 {
					t.Errorf("%s still has %d rows: %v", table, n, after[table].Rows)
				}
				if removed[table] != len(before[table].Rows) {
					t.Errorf("%s: report removes %d rows, the package had %d", table, removed[table], len(before[table].Rows))
				}
			}
			for _, c := range rep.Changes {
				switch c.Op {
				case edit.Remove:
					if !hasRow(before[c.Table], c.Old) {
						t.Errorf("reported removed row %v is not a row of %s before", c.Old, c.Table)
					}
				case edit.Add:
					if !hasRow(after[c.Table], c.New) {
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
				if c.Op == edit.Add {
					added[c.Table] = append(added[c.Table], c.New)
				}
			}
			for name, tab := range before {
				switch name {
				case tblClass, tblProgID, tblAppID, tblExtension, tblVerb, tblMIME, tblRegistry:
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

func hasRow(tab iDT, row []string) bool {
	for _, r := range tab.Rows {
		if cmp.Equal(r, row) {
			return true
		}
	}
	return false
}

func TestClassToRegistryIdempotent(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, first := rewrite(t, corpusFile(t, tc.file), dir, Options{})
			if len(first.Changes) == 0 {
				t.Fatal("first run changed nothing")
			}
			second := filepath.Join(dir, "second")
			if err := os.Mkdir(second, 0o755); err != nil {
				t.Fatal(err)
			}
			out2, rep := rewrite(t, out, second, Options{})
			if len(rep.Changes) > 0 {
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
	out, _ := rewrite(t, corpusFile(t, goldenCases[0].file), dir, Options{})
	key, cert := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	run(t, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=msikit test")
	signed := filepath.Join(dir, "signed.msi")
	run(t, ossl, "sign", "-certs", cert, "-key", key, "-h", "sha256", "-in", out, "-out", signed)
	run(t, ossl, "verify", "-in", signed, "-CAfile", cert)
}

// TestClassToRegistryNewRegistryTable drops the Registry table and the
// registry actions from a copy: the pass creates the table with the
// standard schema and its _Validation rows, and adds the actions.
func TestClassToRegistryNewRegistryTable(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	msibuild := testenv.NeedTool(t, "msibuild", "msitools")
	dir := t.TempDir()
	src := filepath.Join(dir, "src.msi")
	copy(t, corpusFile(t, "real/wix-Class-OldClassTableDef.msi"), src)
	run(t, msibuild, src, "-q", "DROP TABLE `Registry`")
	for _, a := range []string{"WriteRegistryValues", "RemoveRegistryValues"} {
		run(t, msibuild, src, "-q", "DELETE FROM `InstallExecuteSequence` WHERE `Action` = '"+a+"'")
	}
	run(t, msibuild, src, "-q", "DELETE FROM `_Validation` WHERE `Table` = 'Registry'")
	out, rep := rewrite(t, src, dir, Options{})
	after := exportAll(t, msiinfo, out)

	reg := after[tblRegistry]
	if diff := cmp.Diff([]string{"s72", "i2", "l255", "L255", "L0", "s72"}, reg.Types); diff != "" {
		t.Errorf("Registry column types (-want +got):\n%s", diff)
	}
	var got []RegistryRow
	for _, r := range reg.Rows {
		got = append(got, registryRowOf(reg, r))
	}
	sortRegistry(got)
	var want []RegistryRow
	for _, r := range readGolden(t, filepath.Join("testdata", "wix-Class-OldClassTableDef.Registry.idt")) {
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
		if val.get(r, "Table") == tblRegistry {
			n++
		}
	}
	if n != len(registryColumns) {
		t.Errorf("_Validation has %d Registry rows, want %d", n, len(registryColumns))
	}
	if !reportHasNote(rep, tblRegistry, "created the Registry table") {
		t.Errorf("report does not say the table was created: %+v", rep.AllNotes())
	}
}

func reportHasNote(rep *edit.Log, table, substr string) bool {
	for _, n := range rep.AllNotes() {
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
	copy(t, corpusFile(t, "synthetic/synth-com-advertised.msi"), src)
	for _, q := range []string{
		"INSERT INTO `Class` (`CLSID`, `Context`, `Component_`, `Description`, `Feature_`) VALUES ('{DEADBEEF-0000-0000-0000-000000000001}', 'InprocServer32', 'NoSuchComp', 'Ghost', 'Core')",
		"INSERT INTO `Class` (`CLSID`, `Context`, `Component_`, `Description`, `Feature_`) VALUES ('{23572545-7D83-6DE6-4554-E81806A5DB6A}', 'InprocServer32', 'ComServer', 'Synth Local Server', 'Core')",
		"INSERT INTO `ProgId` (`ProgId`, `ProgId_Parent`, `Description`) VALUES ('Loop.A', 'Loop.B', 'A')",
		"INSERT INTO `ProgId` (`ProgId`, `ProgId_Parent`, `Description`) VALUES ('Loop.B', 'Loop.A', 'B')",
		"INSERT INTO `ProgId` (`ProgId`, `ProgId_Parent`, `Description`) VALUES ('Orphan.VI', 'Gone.1', 'orphan')",
	} {
		run(t, msibuild, src, "-q", q)
	}
	out, rep := rewrite(t, src, dir, Options{})
	for _, want := range []struct{ table, substr string }{
		{tblClass, "component NoSuchComp is not in the Component table"},
		{tblClass, "has 2 Class rows"},
		{tblProgID, "ProgId_Parent Gone.1 is not in the ProgId table"},
		{tblProgID, "never registers this ProgId"},
		{tblProgID, "a cycle"},
	} {
		if !reportHasNote(rep, want.table, want.substr) {
			t.Errorf("no %s note containing %q", want.table, want.substr)
		}
	}
	after := exportAll(t, msiinfo, out)
	left := map[string]bool{}
	for _, r := range after[tblClass].Rows {
		left[after[tblClass].get(r, "CLSID")] = true
	}
	if !left["{DEADBEEF-0000-0000-0000-000000000001}"] || len(after[tblClass].Rows) != 1 {
		t.Errorf("Class rows left: %v (want only the ghost class)", after[tblClass].Rows)
	}
	var inproc string
	for _, r := range after[tblRegistry].Rows {
		if after[tblRegistry].get(r, "Key") == `CLSID\{23572545-7D83-6DE6-4554-E81806A5DB6A}\InprocServer32` {
			inproc = after[tblRegistry].get(r, "Value")
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
		if _, err := Run(db, Options{}); err == nil {
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
			rep, err := Run(db, Options{})
			if err != nil {
				if testenv.IsCorrupt(f) {
					return
				}
				t.Fatalf("ClassToRegistry: %v", err)
			}
			again, err := Run(db, Options{})
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			if len(again.Changes) > 0 {
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
	src := filepath.Join("testdata", "com64.msi")
	before := exportAll(t, msiinfo, src)["InstallExecuteSequence"]
	out, _ := rewrite(t, src, t.TempDir(), Options{})
	after := exportAll(t, msiinfo, out)["InstallExecuteSequence"]
	seqs := func(tab iDT) map[string]string {
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
	src := corpusFile(t, "synthetic/synth-all-signed.msi")
	db, err := msi.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if !db.Signed() {
		t.Fatal("fixture is not signed")
	}
	rep, err := Run(db, Options{})
	if err != nil || !(len(rep.Changes) > 0) {
		t.Fatalf("ClassToRegistry: %v, changed %v", err, (len(rep.Changes) > 0))
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

// TestClassToRegistryWithoutFeatureComponents runs the pass on the sample
// without its FeatureComponents table: every class is tied to a feature
// that does not hold its component, so its registration needs a new
// registry-only component, which the package has no table to hold. The
// pass refuses with an *msi.UnsupportedError naming the table (it was an
// untyped error, after the Class rows had been deleted; found by
// FuzzRewrite), and changes nothing.
func TestClassToRegistryWithoutFeatureComponents(t *testing.T) {
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.DropTable("FeatureComponents"); err != nil {
		t.Fatal(err)
	}
	before := dumpTables(t, db)
	_, err = Run(db, Options{})
	var ue *msi.UnsupportedError
	if !errors.As(err, &ue) || ue.Table != "FeatureComponents" {
		t.Fatalf("Run: %v, want an *msi.UnsupportedError naming FeatureComponents", err)
	}
	if diff := cmp.Diff(before, dumpTables(t, db)); diff != "" {
		t.Errorf("the refused pass changed the database (-before +after):\n%s", diff)
	}
}

// dumpTables returns every row of every table of db as text.
func dumpTables(t *testing.T, db *msi.Database) map[string][][]string {
	t.Helper()
	out := map[string][][]string{}
	for _, name := range db.TableNames() {
		tab, err := db.Table(name)
		if err != nil {
			t.Fatalf("table %s: %v", name, err)
		}
		rows := [][]string{}
		for r := range tab.Rows() {
			_, row := rowText(r)
			rows = append(rows, row)
		}
		out[name] = rows
	}
	return out
}

// TestApplyPlanMissingSequenceTable: a planned action whose sequence
// table the database no longer has is an error naming the table, not
// the end of the actions. applyPlan returned nil there, so the actions
// after it were skipped and the pass said it succeeded.
func TestApplyPlanMissingSequenceTable(t *testing.T) {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-class-filetypemask.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.HasTable(seqInstall) {
		if err := db.DropTable(seqInstall); err != nil {
			t.Fatal(err)
		}
	}
	plan := &Plan{Actions: []Action{
		{"RemoveRegistryValues", 2600, seqInstall},
		{"WriteRegistryValues", 5000, seqInstall},
	}}
	err = applyPlan(db, plan, &edit.Log{}, nil)
	if err == nil || !strings.Contains(err.Error(), seqInstall) {
		t.Fatalf("applyPlan with no %s: %v, want an error naming it", seqInstall, err)
	}
}
