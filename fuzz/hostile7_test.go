package fuzz

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform"
)

// buildLongDescriptorPlaces adds, a scale, 1,100 advertised shortcuts of
// App in one directory and of one name, 1,100 Class rows of 50 CLSIDs x
// 50 Contexts and 1,100 qualified components of App whose AppData is one
// of two texts, each text pooled and a kilobyte long (just under what a
// report clips), and a 69 KB stream: each descriptor's place joins two
// of the texts (2 KB) and each qualified component's data one, made for
// each row (at 5 MB, 96,000 entry points: 200 MB of places and data for
// msikit audit, 294 MiB of peak RSS).
func buildLongDescriptorPlaces(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	widen(t, db, "Shortcut", "Directory_")
	scs := widen(t, db, "Shortcut", "Name")
	widen(t, db, "Class", "CLSID")
	classes := widen(t, db, "Class", "Context")
	pub, err := db.CreateTable("PublishComponent", []msi.Column{
		{Name: "ComponentId", Type: msi.ColString, Size: 38, Key: true},
		{Name: "Qualifier", Type: msi.ColString, Size: 255, Key: true},
		{Name: "Component_", Type: msi.ColString, Size: 72, Key: true},
		{Name: "AppData", Type: msi.ColString, Nullable: true},
		{Name: "Feature_", Type: msi.ColString, Size: 38},
	})
	must(t, err)
	dir, name := strings.Repeat("d", 1000), "s|"+strings.Repeat("n", 1000)
	var clsids, ctxs []string
	for i := range 50 {
		clsids = append(clsids, fmt.Sprintf("{%036d}", i)+strings.Repeat("c", 960))
		ctxs = append(ctxs, fmt.Sprintf("%04d", i)+strings.Repeat("x", 1000))
	}
	data := [2]string{"0" + strings.Repeat("a", 1020), "1" + strings.Repeat("a", 1020)}
	row := func(tab *msi.Table, cells map[string]msi.Value) {
		vals := make([]msi.Value, len(tab.Columns()))
		for j, c := range tab.Columns() {
			vals[j] = cells[c.Name]
		}
		must(t, tab.Insert(vals...))
	}
	for i := range 1100 * scale {
		row(scs, map[string]msi.Value{"Shortcut": str(fmt.Sprintf("s%d", i)), "Directory_": str(dir), "Name": str(name),
			"Component_": str("App"), "Target": str("Core")})
		row(classes, map[string]msi.Value{"CLSID": str(clsids[i%50]), "Context": str(ctxs[i/50%50]),
			"Component_": str(fmt.Sprintf("App%d", i/2500)), "Feature_": str("Core")})
		row(pub, map[string]msi.Value{"ComponentId": str(fmt.Sprintf("{11111111-2222-3333-4444-%012d}", i/100)),
			"Qualifier": str(fmt.Sprintf("q%d", i%100)), "Component_": str("App"), "AppData": str(data[i%2]), "Feature_": str("Core")})
	}
	pad := bytes.Repeat([]byte{0x5a}, 69000*scale)
	must(t, db.SetStream("Pad", bytes.NewReader(pad), int64(len(pad))))
	return saveDB(t, db)
}

// The audit of the places and data keeps the budgets.
func checkLongDescriptorPlaces(t *testing.T, db *msi.Database) {
	var rep *transform.AuditReport
	var err error
	testenv.CheckBudget(t, "Audit", func() {
		rep, err = transform.Audit(db, transform.AuditOptions{})
	})
	must(t, err)
	n := 0
	for _, ep := range rep.EntryPoints() {
		for _, d := range ep.Descriptors {
			if len(d.Where) > 2000 {
				n++
			}
		}
	}
	if n != 1100 {
		t.Errorf("%d descriptors in 2 KB places, want the 1,100 shortcuts'", n)
	}
}

// buildOwnersOfOneLongComponent adds a component named by a pooled text
// of 512 KiB, in feature Core, and 100 features a scale, each with a
// class of that component: class-to-registry gives each (component,
// feature) pair a registry-only component named from both, and named,
// cleaned, folded and hashed the whole text for each (at 5 MB, 9,500
// features: 5 GB of work, minutes).
func buildOwnersOfOneLongComponent(t testing.TB, scale int) []byte {
	db := sampleDB(t)
	long := addLongComponent(t, db, 512<<10)
	addClassPerFeature(t, db, long, 100*scale)
	return saveDB(t, db)
}

// addClassPerFeature adds n features F0, F1, … to db, each with a class
// InprocServer32 of component comp.
func addClassPerFeature(t testing.TB, db *msi.Database, comp string, n int) {
	ft, classes := table(t, db, "Feature"), table(t, db, "Class")
	for i := range n {
		f := fmt.Sprintf("F%d", i)
		must(t, ft.Insert(str(f), msi.Value{}, msi.Value{}, msi.Value{}, num(2), num(1), msi.Value{}, num(0)))
		insertClass(t, classes, fmt.Sprintf("{AAAAAAAA-0000-0000-0000-%012d}", i), comp, f, nil)
	}
}

// Each class is converted, into a registry-only component of its
// feature, within the budgets.
func checkOwnersOfOneLongComponent(t *testing.T, db *msi.Database) {
	var err error
	testenv.CheckBudget(t, "ClassToRegistry", func() {
		_, err = transform.ClassToRegistry(db, transform.ClassToRegistryOptions{})
	})
	must(t, err)
	n := 0
	for r := range table(t, db, "FeatureComponents").Rows() {
		if f, c := r.Get("Feature_").Str(), r.Get("Component_").Str(); strings.HasPrefix(f, "F") && strings.HasPrefix(c, "reg_LongComponent.") {
			n++
		}
	}
	if n != 100 {
		t.Errorf("%d registry-only components of the long component, want 100", n)
	}
}

// ownerSeeds returns small packages for FuzzRewrite whose classes each
// need a registry-only component of their own feature: 40 classes of App
// in a package whose FeatureComponents.Component_ column is 2 characters
// wide (16 such names, edit.IdentFitter), and 40 of a component named by
// 2 KiB (its name's digest in the new components' seeds and GUIDs).
func ownerSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, long := range []bool{false, true} {
		db := sampleDB(t)
		comp := "App"
		if long {
			comp = strings.Repeat("LongComponent.", 2<<10/14)
			addKeyFileComponent(t, db, comp)
		} else {
			fc := table(t, db, "FeatureComponents")
			cols := fc.Columns()
			var rows [][]msi.Value
			for r := range fc.Rows() {
				rows = append(rows, r.Values())
			}
			for i := range cols {
				if cols[i].Name == "Component_" {
					cols[i].Size = 2
				}
			}
			must(t, db.DropTable("FeatureComponents"))
			fc, err := db.CreateTable("FeatureComponents", cols)
			must(t, err)
			for _, r := range rows {
				must(t, fc.Insert(r...))
			}
		}
		addClassPerFeature(t, db, comp, 40)
		out = append(out, saveDB(t, db))
	}
	return out
}
