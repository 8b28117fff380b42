package classreg

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform/internal/edit"
)

// sampleModuleID is the ModuleID sampleModule gives.
const sampleModuleID = "Sample.12345678_1234_1234_1234_123456789012"

// sampleDatabase opens testdata/sample.msi in memory, edits it, and
// opens what edit made (a package's kind is found when it is opened).
func sampleDatabase(t *testing.T, edit func(db *msi.Database)) *msi.Database {
	t.Helper()
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	edit(db)
	var buf bytes.Buffer
	if _, err := db.Write(&buf, nil); err != nil {
		t.Fatal(err)
	}
	out, err := msi.NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sampleModule is the sample made a merge module (a ModuleSignature row
// of sampleModuleID and language 1033, each component in
// ModuleComponents, no InstallExecuteSequence rows nor ProductCode) whose
// component ComServer is unmanaged (a null ComponentId): its classes
// need a registry-only component of the module, reg_ComServer. sig and
// mc are the ModuleSignature and ModuleComponents columns (nil: the
// standard ones, and then only each component is listed), lang the
// signature's Language and mcLang that of the ModuleComponents rows.
func sampleModule(t *testing.T, sig, mc []msi.Column, lang, mcLang msi.Value, edit func(db *msi.Database)) *msi.Database {
	t.Helper()
	if sig == nil {
		sig = []msi.Column{{Name: "ModuleID", Type: msi.ColString, Size: 72, Key: true}, {Name: "Language", Type: msi.ColInt16, Key: true}, {Name: "Version", Type: msi.ColString, Size: 32}}
	}
	standard := mc == nil
	if standard {
		mc = []msi.Column{{Name: "Component", Type: msi.ColString, Size: 72, Key: true}, {Name: "ModuleID", Type: msi.ColString, Size: 72, Key: true}, {Name: "Language", Type: msi.ColInt16, Key: true}}
	}
	db := sampleDatabase(t, func(db *msi.Database) {
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		tab := func(name string) *msi.Table {
			t.Helper()
			tb, err := db.Table(name)
			must(err)
			return tb
		}
		tab("InstallExecuteSequence").DeleteFunc(func(msi.Row) bool { return true })
		tab("Property").DeleteFunc(func(r msi.Row) bool { return r.Get("Property").Str() == "ProductCode" })
		must(tab("Component").Update([]msi.Value{msi.StrValue("ComServer")}, func(vals []msi.Value) error {
			vals[1] = msi.Value{}
			return nil
		}))
		st, err := db.CreateTable("ModuleSignature", sig)
		must(err)
		row := make([]msi.Value, len(sig))
		for i, c := range sig {
			switch c.Name {
			case "ModuleID":
				row[i] = msi.StrValue(sampleModuleID)
			case "Language":
				row[i] = lang
			case "Version":
				row[i] = msi.StrValue("1.0")
			}
		}
		must(st.Insert(row...))
		mt, err := db.CreateTable("ModuleComponents", mc)
		must(err)
		for r := range tab("Component").Rows() {
			if !standard {
				break // columns the rows may not fit
			}
			row := make([]msi.Value, len(mc))
			for i, c := range mc {
				switch c.Name {
				case "Component":
					row[i] = r.Get("Component")
				case "ModuleID":
					row[i] = msi.StrValue(sampleModuleID)
				case "Language":
					row[i] = mcLang
				}
			}
			must(mt.Insert(row...))
		}
		if edit != nil {
			edit(db)
		}
	})
	if db.Kind() != msi.PackageMergeModule {
		t.Fatalf("kind %v, want a merge module", db.Kind())
	}
	return db
}

// newComponents returns the Component and FeatureComponents or
// ModuleComponents rows a report says the pass added.
func newComponents(rep *edit.Log) []string {
	var out []string
	for _, c := range rep.Changes {
		if c.Op == edit.Add && (c.Table == "Component" || c.Table == "FeatureComponents" || c.Table == "ModuleComponents") {
			row := c.New
			if c.Table == "Component" {
				row = row[:1]
			}
			out = append(out, c.Table+" "+strings.Join(row, " "))
		}
	}
	return out
}

// TestOwnerNamesOtherRowsGive: a registry-only component takes no name
// that rows of other tables give a component, although the Component
// table has none of it. A FeatureComponents row (Core, reg_ComServer_Core)
// of an installer, or a ModuleComponents row of reg_ComServer in a
// module, refused the row the pass added (the rewrite failed, with the
// tables partly changed), and a File or Registry row naming that
// component, which nothing installs, would have been installed with it.
func TestOwnerNamesOtherRowsGive(t *testing.T) {
	dangling := func(db *msi.Database, comp string) {
		reg, err := db.Table("Registry")
		if err != nil {
			t.Fatal(err)
		}
		if err := reg.Insert(msi.StrValue("dangling"), msi.IntValue(2), msi.StrValue(`Software\Dangling`), msi.Value{}, msi.StrValue("x"), msi.StrValue(comp)); err != nil {
			t.Fatal(err)
		}
	}
	installer := sampleDatabase(t, func(db *msi.Database) {
		fc, err := db.Table("FeatureComponents")
		if err != nil {
			t.Fatal(err)
		}
		// ComServer in two features: its classes of Core need a
		// registry-only component of Core.
		for _, r := range [][2]string{{"Assemblies", "ComServer"}, {"Core", "reg_ComServer_Core"}} {
			if err := fc.Insert(msi.StrValue(r[0]), msi.StrValue(r[1])); err != nil {
				t.Fatal(err)
			}
		}
		dangling(db, "reg_ComServer_Core")
	})
	module := sampleModule(t, nil, nil, msi.IntValue(1033), msi.IntValue(1033), func(db *msi.Database) {
		mc, err := db.Table("ModuleComponents")
		if err != nil {
			t.Fatal(err)
		}
		if err := mc.Insert(msi.StrValue("reg_ComServer"), msi.StrValue(sampleModuleID), msi.IntValue(1033)); err != nil {
			t.Fatal(err)
		}
		dangling(db, "reg_ComServer")
	})
	for _, tc := range []struct {
		name  string
		db    *msi.Database
		taken string
	}{{"installer", installer, "reg_ComServer_Core"}, {"module", module, "reg_ComServer"}} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Run(tc.db, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range newComponents(rep) {
				if strings.Contains(c, "reg_ComServer") {
					got = append(got, c)
				}
			}
			if len(got) != 2 {
				t.Fatalf("new components %q, want one registry-only component of ComServer and its row", got)
			}
			for _, c := range got {
				if strings.Contains(c+" ", " "+tc.taken+" ") {
					t.Errorf("new component %s takes the name %s other rows give", c, tc.taken)
				}
			}
			ct, err := tc.db.Table("Component")
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := ct.Lookup(msi.StrValue(tc.taken)); ok {
				t.Errorf("component %s added: the dangling Registry row is installed with it", tc.taken)
			}
		})
	}
}

// TestModuleSignatureUnusable: a merge module whose ModuleSignature row
// has a null Language, or one that is not a number, cannot list a new
// component in ModuleComponents (the rows it got had a null Language, or
// the rewrite failed with the tables partly changed): the registration
// stays with the unmanaged component, with a warning naming the
// problem, as in a module without a ModuleSignature row.
func TestModuleSignatureUnusable(t *testing.T) {
	text := []msi.Column{{Name: "ModuleID", Type: msi.ColString, Size: 72, Key: true}, {Name: "Language", Type: msi.ColString, Size: 72, Key: true}, {Name: "Version", Type: msi.ColString, Size: 32}}
	nullable := []msi.Column{{Name: "ModuleID", Type: msi.ColString, Size: 72, Key: true}, {Name: "Language", Type: msi.ColInt16, Nullable: true}, {Name: "Version", Type: msi.ColString, Size: 32}}
	noLang := []msi.Column{{Name: "ModuleID", Type: msi.ColString, Size: 72, Key: true}, {Name: "Version", Type: msi.ColString, Size: 32}}
	for _, tc := range []struct {
		name    string
		sig     []msi.Column
		lang    msi.Value
		problem string
	}{
		{"language text", text, msi.StrValue("en-US\x1b[31m"), `its Language "en-US\x1b[31m" is not a number`},
		{"language null", nullable, msi.Value{}, "its Language is null"},
		{"no language column", noLang, msi.Value{}, "its Language is null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := sampleModule(t, tc.sig, nil, tc.lang, msi.IntValue(1033), nil)
			rep, err := Run(db, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := newComponents(rep); got != nil {
				t.Errorf("new components %q, want none", got)
			}
			var warned []string
			for _, n := range rep.AllNotes() {
				if n.Severity == edit.Warning && n.Table == "Component" {
					warned = append(warned, n.Key[0]+": "+n.Reason[strings.LastIndex(n.Reason, "; ")+2:])
				}
			}
			want := []string{"ComServer: the module's ModuleSignature row cannot list a registry-only component: " + tc.problem}
			if diff := cmp.Diff(want, warned); diff != "" {
				t.Errorf("warnings on components (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNewComponentRowsRefused: a package whose Component,
// FeatureComponents or ModuleComponents table cannot take the rows of a
// registry-only component (a column the pass has no value for that is not
// nullable, an integer column for a name, a language out of a 2-byte
// column's range) is refused with an *msi.UnsupportedError naming the
// table before anything changes. Insert refused the rows after the
// Registry rows were written.
func TestNewComponentRowsRefused(t *testing.T) {
	str := func(name string, key bool) msi.Column {
		return msi.Column{Name: name, Type: msi.ColString, Size: 72, Key: key}
	}
	i2 := func(name string, key bool) msi.Column { return msi.Column{Name: name, Type: msi.ColInt16, Key: key} }
	sig4 := []msi.Column{str("ModuleID", true), {Name: "Language", Type: msi.ColInt32, Key: true}, str("Version", false)}
	extra := []msi.Column{str("Component", true), str("ModuleID", true), i2("Language", true), str("Extra", false)}
	intComp := []msi.Column{i2("Component", true), str("ModuleID", true), i2("Language", true)}
	for _, tc := range []struct {
		name, table string
		db          func() *msi.Database
	}{
		{"module language out of range", "ModuleComponents", func() *msi.Database {
			return sampleModule(t, sig4, nil, msi.IntValue(1<<20), msi.IntValue(1033), nil)
		}},
		{"module extra column", "ModuleComponents", func() *msi.Database {
			return sampleModule(t, nil, extra, msi.IntValue(1033), msi.IntValue(1033), nil)
		}},
		{"module integer component column", "ModuleComponents", func() *msi.Database {
			return sampleModule(t, nil, intComp, msi.IntValue(1033), msi.IntValue(1033), nil)
		}},
		{"installer extra column", "FeatureComponents", func() *msi.Database {
			return sampleDatabase(t, func(db *msi.Database) {
				fc, _ := db.Table("FeatureComponents")
				var rows [][]msi.Value
				for r := range fc.Rows() {
					rows = append(rows, append(r.Values(), msi.IntValue(1)))
				}
				rows = append(rows, []msi.Value{msi.StrValue("Assemblies"), msi.StrValue("ComServer"), msi.IntValue(1)})
				if err := db.DropTable("FeatureComponents"); err != nil {
					t.Fatal(err)
				}
				fc, err := db.CreateTable("FeatureComponents", []msi.Column{{Name: "Feature_", Type: msi.ColString, Size: 38, Key: true}, str("Component_", true), i2("Extra", false)})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					if err := fc.Insert(r...); err != nil {
						t.Fatal(err)
					}
				}
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.db()
			before := dumpTables(t, db)
			_, err := Run(db, Options{})
			var ue *msi.UnsupportedError
			if !errors.As(err, &ue) || ue.Table != tc.table {
				t.Fatalf("Run: %v, want an *msi.UnsupportedError naming %s", err, tc.table)
			}
			if diff := cmp.Diff(before, dumpTables(t, db)); diff != "" {
				t.Errorf("the refused pass changed the database (-before +after):\n%s", diff)
			}
		})
	}
}

// TestModuleOwnerKeepsGUID: the registry-only component of a merge
// module's unmanaged component whose name, with "reg_" before it, is
// longer than the Component column's 72 characters keeps the module's
// GUID at its end, as every identifier of the module does: cut as
// FitIdent cuts, "reg_" and the first 59 characters of a 72-character
// name, then 8 hex digits, it lost the GUID that keeps it apart from the
// identifiers of the package it is merged into. Two such components of
// one start get names of their own.
func TestModuleOwnerKeepsGUID(t *testing.T) {
	const guid = ".12345678_1234_1234_1234_123456789012"
	in := oddBase()
	in.ProgIDs, in.Extensions, in.Verbs = nil, nil, nil
	in.MergeModule, in.ModuleID, in.ModuleLanguage = true, "Odd"+guid, "1033"
	in.ProductCode = ""
	class := in.Classes[0]
	class.ProgIDDefault = ""
	in.Classes = nil
	var comps []string
	for i := range 2 {
		c := strings.Repeat("C", 72-len(guid)-1) + string(rune('a'+i)) + guid
		comps = append(comps, c)
		in.Components = append(in.Components, ComponentRow{Component: c, KeyPath: "thing.dll"})
		class.CLSID = "{AAAAAAAA-0000-0000-0000-00000000000" + string(rune('1'+i)) + "}"
		class.Component, class.Feature = c, nullGUID
		class.ref = RowRef{Key: []string{class.CLSID, class.Context, c}}
		in.Classes = append(in.Classes, class)
	}
	plan := makePlan(in, Options{})
	if len(plan.Components) != 2 {
		t.Fatalf("%d new components, want 2", len(plan.Components))
	}
	for i, nc := range plan.Components {
		if len(nc.Component) > 72 || !strings.HasPrefix(nc.Component, "reg_CCCC") || !strings.HasSuffix(nc.Component, guid) || nc.From != comps[i] {
			t.Errorf("new component %q of %q: want reg_, the start of the name and the module's GUID, at most 72 characters", nc.Component, nc.From)
		}
	}
	if plan.Components[0].Component == plan.Components[1].Component {
		t.Errorf("both new components are named %s", plan.Components[0].Component)
	}
}

// TestComponentRefsKept: of the names other rows give components, only
// those the pass could give a new component are kept ("reg_" and more,
// of at most 72 characters, or shorter than 13 for a narrow column):
// keeping every name, 200,000 Registry rows each naming a component of
// its own made class-to-registry allocate 81 MB, not 50.
func TestComponentRefsKept(t *testing.T) {
	names := []string{"DanglingComponent0000001", "REG_Other_Core", "reg_" + strings.Repeat("x", 68), "reg_" + strings.Repeat("x", 69), "Short", "App"}
	db := sampleDatabase(t, func(db *msi.Database) {
		reg, err := db.Table("Registry")
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range names {
			if err := reg.Insert(msi.StrValue("dangling"+string(rune('a'+i))), msi.IntValue(2), msi.StrValue("K"), msi.Value{}, msi.Value{}, msi.StrValue(n)); err != nil {
				t.Fatal(err)
			}
		}
	})
	refs, err := componentRefs(db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, n := range names {
		if refs[n] {
			got[n] = true
		}
	}
	want := map[string]bool{"REG_Other_Core": true, "reg_" + strings.Repeat("x", 68): true, "Short": true, "App": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names kept (-want +got):\n%s", diff)
	}
}
