package fuzz

import (
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// moduleNullGUID is the feature a merge module's Class rows name, which
// the merge tool replaces.
const moduleNullGUID = "{00000000-0000-0000-0000-000000000000}"

// sampleModule turns the sample into a merge module of ModuleID id (a
// ModuleSignature row, Language 1033, in a column as wide as id needs)
// with a ModuleComponents table listing its components: no
// InstallExecuteSequence rows, no ProductCode. The package is a merge
// module once saved and opened again.
func sampleModule(t testing.TB, id string) *msi.Database {
	db := sampleDB(t)
	table(t, db, "InstallExecuteSequence").DeleteFunc(func(msi.Row) bool { return true })
	table(t, db, "Property").DeleteFunc(func(r msi.Row) bool { return r.Get("Property").Str() == "ProductCode" })
	width := 72
	if len(id) > width {
		width = 0
	}
	sig, err := db.CreateTable("ModuleSignature", []msi.Column{
		{Name: "ModuleID", Type: msi.ColString, Size: width, Key: true},
		{Name: "Language", Type: msi.ColInt16, Key: true},
		{Name: "Version", Type: msi.ColString, Size: 32},
	})
	must(t, err)
	must(t, sig.Insert(str(id), num(1033), str("1.0.0.0")))
	mc, err := db.CreateTable("ModuleComponents", []msi.Column{
		{Name: "Component", Type: msi.ColString, Size: 72, Key: true},
		{Name: "ModuleID", Type: msi.ColString, Size: width, Key: true},
		{Name: "Language", Type: msi.ColInt16, Key: true},
	})
	must(t, err)
	for r := range table(t, db, "Component").Rows() {
		must(t, mc.Insert(r.Get("Component"), str(id), num(1033)))
	}
	return db
}

// buildModuleLongIDUnmanaged is a merge module whose ModuleID is a
// pooled text of 256 KiB, with 1,000 components a scale (40,000 at 4.5
// MB) of a null ComponentId (unmanaged: never removed), each with a class
// and listed in ModuleComponents: class-to-registry gives each a
// registry-only component of the module, listed in ModuleComponents with
// the ModuleID, and joined the ModuleID to the ProductCode and hashed it
// for each new component's GUID (10 GB at 4.5 MB).
func buildModuleLongIDUnmanaged(t testing.TB, scale int) []byte {
	id := strings.Repeat("M", 256<<10) + ".12345678_1234_1234_1234_123456789012"
	db := sampleModule(t, id)
	comps, classes, mc := table(t, db, "Component"), table(t, db, "Class"), table(t, db, "ModuleComponents")
	for i := range 1000 * scale {
		c := fmt.Sprintf("U%d", i)
		must(t, comps.Insert(str(c), msi.Value{}, str("BINDIR"), num(0), msi.Value{}, str("app.exe")))
		must(t, mc.Insert(str(c), str(id), num(1033)))
		insertClass(t, classes, fmt.Sprintf("{BBBBBBBB-0000-0000-0000-%012d}", i), c, moduleNullGUID, nil)
	}
	return saveDB(t, db)
}

// Each unmanaged component's classes go in a registry-only component of
// the module, within the budgets, and the module stays consistent: every
// component is listed in ModuleComponents with the module's ModuleID and
// Language, the new ones included.
func checkModuleLongIDUnmanaged(t *testing.T, db *msi.Database) {
	if db.Kind() != msi.PackageMergeModule {
		t.Fatalf("kind %v, want a merge module", db.Kind())
	}
	var err error
	testenv.CheckBudget(t, "ClassToRegistry", func() {
		_, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	})
	must(t, err)
	sig := table(t, db, "ModuleSignature").Row(0)
	id, lang := sig.Get("ModuleID").Str(), sig.Get("Language").Int()
	listed := map[string]bool{}
	for r := range table(t, db, "ModuleComponents").Rows() {
		if r.Get("ModuleID").Str() == id && r.Get("Language").Int() == lang {
			listed[r.Get("Component").Str()] = true
		}
	}
	added, unlisted := 0, 0
	for r := range table(t, db, "Component").Rows() {
		c := r.Get("Component").Str()
		if strings.HasPrefix(c, "reg_U") {
			added++
		}
		if !listed[c] {
			unlisted++
		}
	}
	if added != 1000 || unlisted != 0 {
		t.Errorf("%d registry-only components of the unmanaged ones and %d components not listed in ModuleComponents, want 1,000 and 0", added, unlisted)
	}
}
