package classreg

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

// TestClassToRegistryMergeModule converts a class in real merge modules
// (given a Class and a ProgId table with the module's null-GUID feature,
// as merge modules author them): the Registry rows stay with the module's
// component, or, when that one is permanent (vfp-vfpodbc.msm: never
// uninstalled, so its own rows would outlive the registration), go in a
// new registry-only component of the module, "reg_" + the component (so
// that the name still ends with the module's GUID), listed in
// ModuleComponents with the ModuleSignature's ModuleID and Language, read
// back with msiinfo; and RemoveRegistryValues and WriteRegistryValues join the
// module's ModuleInstallExecuteSequence as standard actions (recommended
// sequence number, BaseAction and After null), read back with msiinfo. A
// module without that table gets it, with the empty InstallExecuteSequence
// a module must carry beside it.
func TestClassToRegistryMergeModule(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	for _, tc := range []struct {
		file, component string
		permanent       bool
	}{
		{"real/wixsharp-MyMergeModule.msm", "Component.File1.txt.0756702C_04A2_4D75_8783_62F4515C6150", false},
		{"real/vfp-vfpodbc.msm", "", true},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			src := corpusFile(t, tc.file)
			db, err := msi.Open(src)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.Kind() != msi.PackageMergeModule {
				t.Fatalf("kind %v", db.Kind())
			}
			comp := tc.component
			if comp == "" {
				comp = firstComponentWithKeyFile(t, db)
			}
			const clsid = "{7E57C0DE-C1A5-4000-8000-0000000000AA}"
			classIDT := "CLSID\tContext\tComponent_\tProgId_Default\tDescription\tAppId_\tFileTypeMask\tIcon_\tIconIndex\tDefInprocHandler\tArgument\tFeature_\tAttributes\r\n" +
				"s38\ts32\ts72\tS255\tL255\tS38\tS255\tS72\tI2\tS32\tS255\ts38\tI2\r\nClass\tCLSID\tContext\tComponent_\r\n" +
				clsid + "\tInprocServer32\t" + comp + "\tModule.Thing.1\tModule Thing\t\t\t\t\t\t\t" + nullGUID + "\t\r\n"
			progIDT := "ProgId\tProgId_Parent\tClass_\tDescription\tIcon_\tIconIndex\r\ns255\tS255\tS38\tL255\tS72\tI2\r\nProgId\tProgId\r\n" +
				"Module.Thing.1\t\t" + clsid + "\tModule Thing 1\t\t\r\n"
			for _, text := range []string{classIDT, progIDT} {
				if _, err := idt.Import(db, strings.NewReader(text), nil); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := Run(db, Options{})
			if err != nil {
				t.Fatal(err)
			}
			owner := comp
			if tc.permanent {
				owner = "reg_" + comp
			}
			var seqAdds, newComps []string
			for _, c := range rep.Changes {
				if c.Table == seqModule && c.Op == edit.Add {
					seqAdds = append(seqAdds, strings.Join(c.New, "\t"))
				}
				if c.Table == tblRegistry && c.Op == edit.Add && c.New[len(c.New)-1] != owner {
					t.Errorf("Registry row %v is not component %s's", c.New, owner)
				}
				if c.Table == "Component" || c.Table == "FeatureComponents" {
					newComps = append(newComps, c.Table+" "+c.New[0])
				}
			}
			var wantComps []string
			if tc.permanent {
				wantComps = []string{"Component " + owner}
			}
			if diff := cmp.Diff(wantComps, newComps); diff != "" {
				t.Errorf("new components (-want +got):\n%s", diff)
			}
			if len(seqAdds) != 2 {
				t.Fatalf("ModuleInstallExecuteSequence additions %q, want the two registry actions; notes %+v", seqAdds, rep.AllNotes())
			}
			out := filepath.Join(t.TempDir(), "out.msm")
			if err := db.Save(out, nil); err != nil {
				t.Fatal(err)
			}
			got := msiinfoExport(t, msiinfo, out, seqModule)
			rows := map[string][]string{}
			for _, r := range got.Rows {
				rows[got.get(r, "Action")] = r
			}
			for action, seq := range map[string]string{"WriteRegistryValues": "5000", "RemoveRegistryValues": "2600"} {
				r, ok := rows[action]
				if !ok {
					t.Errorf("msiinfo finds no %s in %s: %v", action, seqModule, got.Rows)
					continue
				}
				if got.get(r, "Sequence") != seq || got.get(r, "BaseAction") != "" || got.get(r, "After") != "" {
					t.Errorf("%s row %v: want Sequence %s, BaseAction and After null", action, r, seq)
				}
			}
			if tc.permanent {
				sig := msiinfoExport(t, msiinfo, out, "ModuleSignature")
				mc := msiinfoExport(t, msiinfo, out, "ModuleComponents")
				var listed []string
				for _, r := range mc.Rows {
					if mc.get(r, "Component") == owner {
						listed = append(listed, mc.get(r, "ModuleID")+" "+mc.get(r, "Language"))
					}
				}
				r := sig.Rows[0]
				if diff := cmp.Diff([]string{sig.get(r, "ModuleID") + " " + sig.get(r, "Language")}, listed); diff != "" {
					t.Errorf("ModuleComponents rows of %s (-want +got):\n%s", owner, diff)
				}
				co := msiinfoExport(t, msiinfo, out, "Component")
				found := false
				for _, r := range co.Rows {
					if co.get(r, "Component") == owner {
						found = true
						if a := co.get(r, "Attributes"); a != "4" || co.get(r, "ComponentId") == "" {
							t.Errorf("component %s: attributes %s, ComponentId %q; want 4 (registry key path, not permanent) and a GUID", owner, a, co.get(r, "ComponentId"))
						}
					}
				}
				if !found {
					t.Errorf("msiinfo finds no component %s", owner)
				}
			}
			tables := msiinfoTables(t, msiinfo, out)
			if !slices.Contains(tables, "InstallExecuteSequence") {
				t.Errorf("no InstallExecuteSequence beside %s: %v", seqModule, tables)
			}
			db2, err := msi.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			if db2.Kind() != msi.PackageMergeModule {
				t.Errorf("the output is a %v", db2.Kind())
			}
		})
	}
}

func firstComponentWithKeyFile(t *testing.T, db *msi.Database) string {
	t.Helper()
	ct, err := db.Table("Component")
	if err != nil {
		t.Fatal(err)
	}
	for r := range ct.Rows() {
		if r.Get("KeyPath").Str() != "" && r.Get("Attributes").Int()&(compRegistryKeyPath|compODBCKeyPath) == 0 {
			return r.Get("Component").Str()
		}
	}
	t.Fatal("no component with a key file")
	return ""
}

func msiinfoTables(t *testing.T, msiinfo, path string) []string {
	t.Helper()
	out, err := testenv.Command(t, msiinfo, "tables", path).Output()
	if err != nil {
		t.Fatalf("msiinfo tables: %v", err)
	}
	return strings.Fields(string(out))
}

// TestClassToRegistryInstallerFromModules converts a class in a real
// installer built from merge modules (it keeps their ModuleSignature
// table), whose InstallExecuteSequence lacks the registry actions: the
// package is an installer, so WriteRegistryValues and RemoveRegistryValues
// join its InstallExecuteSequence, and the Registry rows are written.
// Before kinds came from evidence, such a package was taken for a merge
// module and came out registering nothing.
func TestClassToRegistryInstallerFromModules(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	src := corpusFile(t, "real/vfp-VFPODBC.msi")
	db, err := msi.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if !slices.Contains(db.TableNames(), "ModuleSignature") || db.Kind() != msi.PackageInstaller {
		t.Fatalf("kind %v; the fixture must be an installer with ModuleSignature", db.Kind())
	}
	seq, err := db.Table(seqInstall)
	if err != nil {
		t.Fatal(err)
	}
	seq.DeleteFunc(func(r msi.Row) bool {
		a := r.Get("Action").Str()
		return a == "WriteRegistryValues" || a == "RemoveRegistryValues"
	})
	comp := firstComponentWithKeyFile(t, db)
	feature := ""
	fc, err := db.Table("FeatureComponents")
	if err != nil {
		t.Fatal(err)
	}
	for r := range fc.Rows() {
		if r.Get("Component_").Str() == comp {
			feature = r.Get("Feature_").Str()
			break
		}
	}
	const clsid = "{7E57C0DE-C1A5-4000-8000-0000000000BB}"
	classIDT := "CLSID\tContext\tComponent_\tProgId_Default\tDescription\tAppId_\tFileTypeMask\tIcon_\tIconIndex\tDefInprocHandler\tArgument\tFeature_\tAttributes\r\n" +
		"s38\ts32\ts72\tS255\tL255\tS38\tS255\tS72\tI2\tS32\tS255\ts38\tI2\r\nClass\tCLSID\tContext\tComponent_\r\n" +
		clsid + "\tInprocServer32\t" + comp + "\t\tVendor Thing\t\t\t\t\t\t\t" + feature + "\t\r\n"
	if _, err := idt.Import(db, strings.NewReader(classIDT), nil); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.msi")
	if err := db.Save(out, nil); err != nil {
		t.Fatal(err)
	}
	got := msiinfoExport(t, msiinfo, out, seqInstall)
	actions := map[string]bool{}
	for _, r := range got.Rows {
		actions[got.get(r, "Action")] = true
	}
	if !actions["WriteRegistryValues"] || !actions["RemoveRegistryValues"] {
		t.Errorf("InstallExecuteSequence lacks the registry actions after the pass; report %+v", rep)
	}
	reg := msiinfoExport(t, msiinfo, out, tblRegistry)
	found := false
	for _, r := range reg.Rows {
		found = found || strings.EqualFold(reg.get(r, "Key"), `CLSID\`+clsid+`\InprocServer32`)
	}
	if !found {
		t.Error("no Registry row writes the class's server")
	}
}

// TestClassToRegistryModuleWithoutModuleComponents: a merge module whose
// permanent component needs a registry-only component but that has no
// ModuleComponents table to list it in is refused with an
// *msi.UnsupportedError naming that table, before anything changes, as
// an installer without FeatureComponents is.
func TestClassToRegistryModuleWithoutModuleComponents(t *testing.T) {
	db, err := msi.Open(corpusFile(t, "real/vfp-vfpodbc.msm"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	comp := firstComponentWithKeyFile(t, db)
	classIDT := "CLSID\tContext\tComponent_\tProgId_Default\tDescription\tAppId_\tFileTypeMask\tIcon_\tIconIndex\tDefInprocHandler\tArgument\tFeature_\tAttributes\r\n" +
		"s38\ts32\ts72\tS255\tL255\tS38\tS255\tS72\tI2\tS32\tS255\ts38\tI2\r\nClass\tCLSID\tContext\tComponent_\r\n" +
		"{7E57C0DE-C1A5-4000-8000-0000000000CC}\tInprocServer32\t" + comp + "\t\tModule Thing\t\t\t\t\t\t\t" + nullGUID + "\t\r\n"
	if _, err := idt.Import(db, strings.NewReader(classIDT), nil); err != nil {
		t.Fatal(err)
	}
	if err := db.DropTable("ModuleComponents"); err != nil {
		t.Fatal(err)
	}
	before := dumpTables(t, db)
	_, err = Run(db, Options{})
	var ue *msi.UnsupportedError
	if !errors.As(err, &ue) || ue.Table != "ModuleComponents" {
		t.Fatalf("Run: %v, want an *msi.UnsupportedError naming ModuleComponents", err)
	}
	if diff := cmp.Diff(before, dumpTables(t, db)); diff != "" {
		t.Errorf("the refused pass changed the database (-before +after):\n%s", diff)
	}
}
