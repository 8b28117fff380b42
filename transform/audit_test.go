package transform

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/authenticode"
	"github.com/msikit/msikit/msi/darwin"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/audit")

// openSample opens a copy of testdata/sample.msi (the copy is what an
// edit changes; the original stays as it is).
func openSample(t testing.TB) *msi.Database {
	t.Helper()
	src, err := os.ReadFile("../testdata/sample.msi")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "sample.msi")
	if err := os.WriteFile(p, src, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := msi.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// saveReopen writes db's edits and opens the result (Audit reads the
// stored package for its rewrite preview).
func saveReopen(t testing.TB, db *msi.Database) *msi.Database {
	t.Helper()
	p := filepath.Join(t.TempDir(), "edited.msi")
	if err := db.Save(p, nil); err != nil {
		t.Fatal(err)
	}
	out, err := msi.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	return out
}

func setCell(t *testing.T, db *msi.Database, table string, key []msi.Value, col string, v msi.Value) {
	t.Helper()
	tb, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := tb.Column(col)
	if !ok {
		t.Fatalf("%s has no column %s", table, col)
	}
	if err := tb.Update(key, func(vals []msi.Value) error { vals[c.Number-1] = v; return nil }); err != nil {
		t.Fatal(err)
	}
}

func insertRow(t *testing.T, db *msi.Database, table string, cells map[string]msi.Value) {
	t.Helper()
	tb, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	cols := tb.Columns()
	vals := make([]msi.Value, len(cols))
	for i, c := range cols {
		vals[i] = cells[c.Name]
	}
	if err := tb.Insert(vals...); err != nil {
		t.Fatal(err)
	}
}

// findingKeys lists the findings as "severity rule rows".
func findingKeys(rep *AuditReport) []string {
	var out []string
	for _, f := range rep.Findings() {
		out = append(out, string(f.Severity)+" "+f.Rule+" "+strings.Join(f.Rows, "; "))
	}
	sort.Strings(out)
	return out
}

func entry(t *testing.T, rep *AuditReport, table string, key ...string) EntryPoint {
	t.Helper()
	for _, ep := range rep.EntryPoints() {
		if ep.Table == table && cmp.Equal(ep.Key, key) {
			return ep
		}
	}
	t.Fatalf("no entry point %s %v", table, key)
	return EntryPoint{}
}

// TestAuditSample checks the audit of testdata/sample.msi against what
// its tables say, read here independently: the entry points, the
// components and key paths of Core's health check, and the findings.
func TestAuditSample(t *testing.T) {
	db := openSample(t)
	rep, err := Audit(db, AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if db.Modified() {
		t.Error("Audit changed the database")
	}
	const product = "{06D83F77-1CB2-5C83-5361-FE484B11B8CA}"
	if rep.ProductCode != product || !rep.PerMachine || rep.Kind != "installer" {
		t.Errorf("report header %s %v %s", rep.ProductCode, rep.PerMachine, rep.Kind)
	}
	// Core's check: Core's 12 components, then Complete's none.
	var core *HealthCheck
	for _, hc := range rep.Checks {
		if hc.Feature == "Core" {
			core = hc
		}
	}
	if core == nil {
		t.Fatal("no health check of Core")
	}
	var got []string
	for _, fc := range rep.Features() {
		for _, c := range fc.Components {
			if slices.Contains(core.Features, fc.Feature) {
				got = append(got, c.Component+" "+c.KeyPath.describe())
			}
		}
	}
	if core.Covers != 12 {
		t.Errorf("Core's check covers %d components, want 12", core.Covers)
	}
	want := []string{
		`MenuDir registry HKCU\Software\SynthCorp\all [menu]`,
		"ComServer file comserver.dll", "ComLocal file comlocal.exe", "App file app.exe",
		"Data1 file data1.txt", "Data2 file data2.txt", "Data3 file data3.txt", "Data4 file data4.txt",
		"Data5 file data5.txt", "Data6 file data6.txt", "Data7 file data7.txt", "Data8 file data8.txt",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Core's health check (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Core", "Complete"}, core.Features); diff != "" {
		t.Errorf("Core's chain (-want +got):\n%s", diff)
	}
	// The class's descriptor names the product, its feature and its
	// component's ComponentId.
	cls := entry(t, rep, "Class", "{FDA36073-66C4-5C98-5F70-99959F7B05AA}", "InprocServer32", "ComServer")
	if !cls.Registered || cls.Covers != 12 || len(cls.Descriptors) != 1 {
		t.Fatalf("class entry point %+v", cls)
	}
	d, _, err := darwin.Decode(cls.Descriptors[0].Descriptor)
	if err != nil || d != (darwin.Descriptor{Product: product, Feature: "Core", Component: "{E4BFE2CF-1830-9FC5-8D47-43532C99CAFB}"}) {
		t.Errorf("class descriptor %q decodes to %+v, %v", cls.Descriptors[0].Descriptor, d, err)
	}
	if cls.Descriptors[0].Where != `HKCR\CLSID\{FDA36073-66C4-5C98-5F70-99959F7B05AA}\InprocServer32` || cls.Descriptors[0].Value != "InprocServer32" {
		t.Errorf("class descriptor place %+v", cls.Descriptors[0])
	}
	if !strings.HasPrefix(cls.Rewrite, "class-to-registry: converted") || cls.CoversAfter != -1 {
		t.Errorf("class rewrite %q, covers after %d", cls.Rewrite, cls.CoversAfter)
	}
	// The verb's descriptor carries its argument; the shortcut's names
	// App in Core and moves to a leaf under Core, whose check still
	// covers Core's remaining components (the parents are checked too).
	verb := entry(t, rep, "Verb", "synth", "print")
	if len(verb.Descriptors) != 1 || verb.Descriptors[0].Args != `/p "%1"` || verb.Descriptors[0].Where != `HKCR\Synth.Document\shell\print\command` {
		t.Errorf("verb %+v", verb)
	}
	sc := entry(t, rep, "Shortcut", "AppStartMenu")
	if !sc.Registered || sc.Feature != "Core" || sc.Component != "App" || sc.Covers != 12 {
		t.Errorf("shortcut %+v", sc)
	}
	if sc.Rewrite != "leaf-features: its feature becomes Core_App" || sc.CoversAfter != 11 {
		t.Errorf("shortcut rewrite %q, covers after %d (want Core_App, 11: App, then Core's 10 others)", sc.Rewrite, sc.CoversAfter)
	}
	// An extension without verbs writes no descriptor of its own.
	if ext := entry(t, rep, "Extension", "syn2", "App"); !ext.Registered || len(ext.Descriptors) != 0 {
		t.Errorf("extension syn2 %+v", ext)
	}
	wantFindings := []string{
		"error assembly-invalid-value MsiAssembly [AsmNeutral]; MsiAssemblyName [AsmNeutral, processorArchitecture]",
		"warning assembly-no-architecture MsiAssembly [AsmMissingArch]",
		"warning broad-health-check Class [{23572545-7D83-6DE6-4554-E81806A5DB6A}, LocalServer32, ComLocal]",
		"warning broad-health-check Class [{B05CAFD5-7466-EAFC-F0B5-15534D504944}, InprocServer32, ComServer]",
		"warning broad-health-check Class [{FDA36073-66C4-5C98-5F70-99959F7B05AA}, InprocServer32, ComServer]",
		"warning broad-health-check Shortcut [AppDesktop]",
		"warning broad-health-check Shortcut [AppStartMenu]",
		"warning broad-health-check Verb [synth, open]",
		"warning broad-health-check Verb [synth, print]",
		"warning broad-health-check Verb [synthw, edit]",
		"warning keypath-hkcu-per-machine Component [MenuDir]; Registry [reg2BC9C303D49B9942D95AC8BC1C605AF9]",
	}
	if diff := cmp.Diff(wantFindings, findingKeys(rep)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if !rep.Failed() {
		t.Error("Failed() is false with warnings")
	}
	if rep.Signature.Signed || rep.Cache.PackageBytes != db.Size() || rep.Cache.EmbeddedCabinets != 1 {
		t.Errorf("signature %+v, cache %+v", rep.Signature, rep.Cache)
	}
}

// TestAuditCases audits packages built from the sample for one cause of
// repair loops each.
func TestAuditCases(t *testing.T) {
	tests := []struct {
		name string
		opts AuditOptions
		edit func(t *testing.T, db *msi.Database)
		// want lists findings that must be there, not lists findings that
		// must not.
		want, not []string
	}{
		{
			name: "per-user package: an HKCU key path is the norm",
			edit: func(t *testing.T, db *msi.Database) {
				props, _ := db.Table("Property")
				props.DeleteFunc(func(r msi.Row) bool { return r.Get("Property").Str() == "ALLUSERS" })
			},
			not: []string{"keypath-hkcu-per-machine"},
		},
		{
			name: "ALLUSERS=2 with MSIINSTALLPERUSER=1 installs per user",
			edit: func(t *testing.T, db *msi.Database) {
				setCell(t, db, "Property", []msi.Value{msi.StrValue("ALLUSERS")}, "Value", msi.StrValue("2"))
				insertRow(t, db, "Property", map[string]msi.Value{"Property": msi.StrValue("MSIINSTALLPERUSER"), "Value": msi.StrValue("1")})
			},
			not: []string{"keypath-hkcu-per-machine"},
		},
		{
			name: "HKMU key path in a per-machine package resolves to HKLM",
			edit: func(t *testing.T, db *msi.Database) {
				setCell(t, db, "Registry", []msi.Value{msi.StrValue("reg2BC9C303D49B9942D95AC8BC1C605AF9")}, "Root", msi.IntValue(-1))
			},
			not: []string{"keypath-hkcu-per-machine"},
		},
		{
			name: "a key file that names no File row, checked by the shortcuts",
			edit: func(t *testing.T, db *msi.Database) {
				setCell(t, db, "Component", []msi.Value{msi.StrValue("App")}, "KeyPath", msi.StrValue("nothing.exe"))
			},
			want: []string{"error keypath-missing Component [App]"},
		},
		{
			name: "a folder key path nothing creates",
			edit: func(t *testing.T, db *msi.Database) {
				insertRow(t, db, "Component", map[string]msi.Value{"Component": msi.StrValue("Empty"), "ComponentId": msi.StrValue("{11111111-2222-3333-4444-555555555555}"),
					"Directory_": msi.StrValue("DATADIR"), "Attributes": msi.IntValue(0)})
				insertRow(t, db, "FeatureComponents", map[string]msi.Value{"Feature_": msi.StrValue("Core"), "Component_": msi.StrValue("Empty")})
			},
			want: []string{"warning keypath-folder Component [Empty]"},
		},
		{
			name: "the same folder with a CreateFolder row",
			edit: func(t *testing.T, db *msi.Database) {
				insertRow(t, db, "Component", map[string]msi.Value{"Component": msi.StrValue("Empty"), "ComponentId": msi.StrValue("{11111111-2222-3333-4444-555555555555}"),
					"Directory_": msi.StrValue("DATADIR"), "Attributes": msi.IntValue(0)})
				insertRow(t, db, "FeatureComponents", map[string]msi.Value{"Feature_": msi.StrValue("Core"), "Component_": msi.StrValue("Empty")})
				insertRow(t, db, "CreateFolder", map[string]msi.Value{"Directory_": msi.StrValue("DATADIR"), "Component_": msi.StrValue("Empty")})
			},
			not: []string{"keypath-folder"},
		},
		{
			name: "a shortcut naming a feature that does not hold its component",
			edit: func(t *testing.T, db *msi.Database) {
				setCell(t, db, "Shortcut", []msi.Value{msi.StrValue("AppDesktop")}, "Target", msi.StrValue("Docs"))
			},
			want: []string{"warning entry-point-broken Shortcut [AppDesktop]; FeatureComponents [Docs, App]"},
		},
		{
			name: "a broader threshold",
			opts: AuditOptions{BroadCheck: 12},
			not:  []string{"broad-health-check"},
		},
		{
			name: "a complete identity",
			edit: func(t *testing.T, db *msi.Database) {
				insertRow(t, db, "MsiAssemblyName", map[string]msi.Value{"Component_": msi.StrValue("AsmMissingArch"), "Name": msi.StrValue("processorArchitecture"), "Value": msi.StrValue("MSIL")})
				setCell(t, db, "MsiAssemblyName", []msi.Value{msi.StrValue("AsmNeutral"), msi.StrValue("processorArchitecture")}, "Value", msi.StrValue("x86"))
			},
			not: []string{"assembly-no-architecture", "assembly-invalid-value"},
		},
		{
			name: "a processorArchitecture .NET does not know (WiX v4's x64)",
			edit: func(t *testing.T, db *msi.Database) {
				setCell(t, db, "MsiAssemblyName", []msi.Value{msi.StrValue("AsmGood"), msi.StrValue("processorArchitecture")}, "Value", msi.StrValue("x64"))
			},
			want: []string{"error assembly-invalid-value MsiAssembly [AsmGood]; MsiAssemblyName [AsmGood, processorArchitecture]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openSample(t)
			if tt.edit != nil {
				tt.edit(t, db)
				db = saveReopen(t, db)
			}
			rep, err := Audit(db, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(findingKeys(rep), "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("no finding %q in:\n%s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("finding %q should be gone:\n%s", n, got)
				}
			}
		})
	}
}

func TestAuditRefusesPatches(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("no corpus")
	}
	db, err := msi.Open(filepath.Join(dir, "real", "wix3-GDR1-gdr1.msp"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Audit(db, AuditOptions{}); !errors.Is(err, ErrNotInstaller) || !strings.Contains(err.Error(), "not an installer database") {
		t.Errorf("Audit of a patch = %v", err)
	}
}

// TestAuditNoRewrite leaves the preview out.
func TestAuditNoRewrite(t *testing.T) {
	rep, err := Audit(openSample(t), AuditOptions{NoRewrite: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rewrite != nil {
		t.Error("a preview with NoRewrite")
	}
	for _, ep := range rep.EntryPoints() {
		if ep.Rewrite != "" || ep.CoversAfter != -1 {
			t.Errorf("entry point %s %v: rewrite %q, covers after %d", ep.Table, ep.Key, ep.Rewrite, ep.CoversAfter)
		}
	}
}

// TestAuditPassReport hands the sample's pass reports to PassReport, in
// the order the preview lists them, and stops at its error.
func TestAuditPassReport(t *testing.T) {
	db := openSample(t)
	full, err := Audit(db, AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Rewrite.Passes) < 2 {
		t.Fatalf("the sample's preview has %d pass reports; the test needs two or more", len(full.Rewrite.Passes))
	}
	var handed []*Report
	rep, err := Audit(db, AuditOptions{PassReport: func(r *Report) error { handed = append(handed, r); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(full.Rewrite.Passes, handed); diff != "" {
		t.Errorf("reports handed (-kept +handed):\n%s", diff)
	}
	if len(rep.Rewrite.Passes) != 0 || rep.Rewrite.Changes != full.Rewrite.Changes {
		t.Errorf("with PassReport the preview kept %d reports and counts %d changes; want none and %d", len(rep.Rewrite.Passes), rep.Rewrite.Changes, full.Rewrite.Changes)
	}
	stop := errors.New("stop")
	calls := 0
	_, err = Audit(db, AuditOptions{PassReport: func(*Report) error { calls++; return stop }})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("PassReport returning an error: Audit = %v after %d calls, want the error after 1", err, calls)
	}
}

// TestAuditGolden compares the text and JSON reports of the sample with
// golden files (go test -run TestAuditGolden -update rewrites them).
func TestAuditGolden(t *testing.T) {
	rep, err := Audit(openSample(t), AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"sample.txt": text.Bytes(), "sample.json": append(js, '\n')} {
		p := filepath.Join("testdata", "audit", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (go test -run TestAuditGolden -update writes it)", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

// TestAuditCorpus audits every corpus package: no crash, an error only
// for patches and transforms (and packages that do not open), within
// time and memory bounds, and the same report twice, the second time
// with NoPassReports (which leaves out only the passes' reports).
func TestAuditCorpus(t *testing.T) {
	files := testenv.CorpusFiles(t)
	n, signed, valid := 0, 0, 0
	for _, f := range files {
		if testenv.IsCorrupt(f) {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			db, err := msi.Open(f)
			if err != nil {
				t.Skipf("does not open: %v", err)
			}
			defer db.Close()
			// Three runs: keeping the pass reports, without them, and
			// handing them to PassReport.
			var reps [3][]byte
			var kept, handed []*Report
			// One "now" for every run: a signature without a timestamp
			// is checked against it, and its problem says when.
			now := time.Now()
			for i := range reps {
				var rep *AuditReport
				var err error
				opts := AuditOptions{Now: now, NoPassReports: i == 1}
				if i == 2 {
					opts.PassReport = func(r *Report) error { handed = append(handed, r); return nil }
				}
				el, alloc := testenv.Measure(func() { rep, err = Audit(db, opts) })
				if k := db.Kind(); k == msi.PackagePatch || k == msi.PackageTransform {
					if err == nil {
						t.Fatal("a patch or transform was audited")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if el > testenv.Scaled(20*time.Second) || alloc > 2<<30 {
					t.Errorf("audit took %v and allocated %d MiB", el, alloc>>20)
				}
				if rep.Rewrite != nil {
					if i > 0 && len(rep.Rewrite.Passes) > 0 {
						t.Errorf("run %d (NoPassReports or PassReport) kept %d reports", i, len(rep.Rewrite.Passes))
					}
					if i == 0 {
						kept = rep.Rewrite.Passes
					}
					rep.Rewrite.Passes = nil
				}
				reps[i], _ = json.Marshal(rep)
				for _, ep := range rep.EntryPoints() {
					for _, d := range ep.Descriptors {
						if d.Descriptor == "" {
							continue
						}
						if _, _, err := darwin.Decode(d.Descriptor); err != nil {
							t.Errorf("%s %v: descriptor %q does not decode: %v", ep.Table, ep.Key, d.Descriptor, err)
						}
					}
					if ep.Registered && ep.Feature != "" && ep.Covers < 0 {
						t.Errorf("%s %v: covers %d", ep.Table, ep.Key, ep.Covers)
					}
				}
			}
			if diff := cmp.Diff(string(reps[0]), string(reps[1])); diff != "" {
				t.Errorf("two audits of the same package differ (-all reports +NoPassReports):\n%s", diff)
			}
			if diff := cmp.Diff(string(reps[0]), string(reps[2])); diff != "" {
				t.Errorf("two audits of the same package differ (-all reports +PassReport):\n%s", diff)
			}
			if diff := cmp.Diff(kept, handed); diff != "" {
				t.Errorf("the reports handed to PassReport are not those the preview keeps (-kept +handed):\n%s", diff)
			}
			var rep AuditReport
			if err := json.Unmarshal(reps[0], &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Signature.Signed {
				// Where the advice offers a transform, it names the
				// command that writes one.
				if strings.Contains(rep.Signature.Rewrite, "TRANSFORMS=") && !strings.Contains(rep.Signature.Rewrite, "--as-transform") {
					t.Errorf("signature advice %q offers a transform without saying how to make it", rep.Signature.Rewrite)
				}
				_, verr := authenticode.VerifyFile(f, &authenticode.VerifyOptions{NoChain: true})
				if rep.Signature.Valid != (verr == nil) {
					t.Errorf("signature valid %v, but VerifyFile says %v", rep.Signature.Valid, verr)
				}
				signed++
				if rep.Signature.Valid {
					valid++
				}
			}
			n++
		})
	}
	t.Logf("%d packages audited, %d of them signed (%d valid)", n, signed, valid)
	if signed == 0 && len(files) > 20 {
		t.Error("no signed package in the corpus: the signature check is vacuous")
	}
}

// TestNotInstallerTyped: the audit and class-to-registry refuse a patch
// or transform with an error a caller can test for (ErrNotInstaller).
func TestNotInstallerTyped(t *testing.T) {
	for _, name := range []string{"mst-columns-delete.mst", "msp-one-transform-listed-500k-times.msp"} {
		db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "mst", name))
		if err != nil {
			t.Fatal(err)
		}
		if k := db.Kind(); k != msi.PackageTransform && k != msi.PackagePatch {
			t.Fatalf("%s: a %v", name, k)
		}
		if _, err := Audit(db, AuditOptions{}); !errors.Is(err, ErrNotInstaller) {
			t.Errorf("Audit of %s: %v, want ErrNotInstaller", name, err)
		}
		if _, err := ClassToRegistry(db, ClassToRegistryOptions{}); !errors.Is(err, ErrNotInstaller) {
			t.Errorf("ClassToRegistry of %s: %v, want ErrNotInstaller", name, err)
		}
		db.Close()
	}
}
