package transform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/msi"
)

// widenColumns re-creates table name of db with the columns cols made
// unlimited (size 0), keeping its rows, so that cells longer than the
// standard widths can be stored.
func widenColumns(t testing.TB, db *msi.Database, name string, cols ...string) *msi.Table {
	t.Helper()
	old, err := db.Table(name)
	if err != nil {
		t.Fatal(err)
	}
	columns := old.Columns()
	var rows [][]msi.Value
	for r := range old.Rows() {
		rows = append(rows, r.Values())
	}
	for i := range columns {
		for _, c := range cols {
			if columns[i].Name == c {
				columns[i].Size = 0
			}
		}
	}
	if err := db.DropTable(name); err != nil {
		t.Fatal(err)
	}
	tab, err := db.CreateTable(name, columns)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := tab.Insert(r...); err != nil {
			t.Fatal(err)
		}
	}
	return tab
}

// insertCells inserts a row of tab whose cells are named by column, the
// others null.
func insertCells(t testing.TB, tab *msi.Table, cells map[string]msi.Value) {
	t.Helper()
	vals := make([]msi.Value, len(tab.Columns()))
	for j, c := range tab.Columns() {
		vals[j] = cells[c.Name]
	}
	if err := tab.Insert(vals...); err != nil {
		t.Fatal(err)
	}
}

// shortcutsInLongPlaces adds n advertised shortcuts of the sample's
// component App, all in one directory and of one name, each a pooled
// text of a kilobyte: the place of each one's descriptor joins them.
func shortcutsInLongPlaces(t testing.TB, n int) *msi.Database {
	db := openSample(t)
	scs := widenColumns(t, db, "Shortcut", "Directory_", "Name")
	dir, name := strings.Repeat("d", 1000), "s|"+strings.Repeat("n", 1000)
	for i := range n {
		insertCells(t, scs, map[string]msi.Value{"Shortcut": msi.StrValue(fmt.Sprintf("s%d", i)), "Directory_": msi.StrValue(dir),
			"Name": msi.StrValue(name), "Component_": msi.StrValue("App"), "Target": msi.StrValue("Core")})
	}
	return saveReopen(t, db)
}

// publishedLongData adds n qualified components of App, 100 a category,
// whose AppData is one of two pooled texts of a kilobyte, in turn.
func publishedLongData(t testing.TB, n int) *msi.Database {
	db := openSample(t)
	tab, err := db.CreateTable("PublishComponent", []msi.Column{
		{Name: "ComponentId", Type: msi.ColString, Size: 38, Key: true},
		{Name: "Qualifier", Type: msi.ColString, Size: 255, Key: true},
		{Name: "Component_", Type: msi.ColString, Size: 72, Key: true},
		{Name: "AppData", Type: msi.ColString, Nullable: true},
		{Name: "Feature_", Type: msi.ColString, Size: 38},
	})
	if err != nil {
		t.Fatal(err)
	}
	data := [2]string{"0" + strings.Repeat("a", 1020), "1" + strings.Repeat("a", 1020)}
	for i := range n {
		insertCells(t, tab, map[string]msi.Value{"ComponentId": msi.StrValue(fmt.Sprintf("{11111111-2222-3333-4444-%012d}", i/100)),
			"Qualifier": msi.StrValue(fmt.Sprintf("q%d", i%100)), "Component_": msi.StrValue("App"), "AppData": msi.StrValue(data[i%2]),
			"Feature_": msi.StrValue("Core")})
	}
	return saveReopen(t, db)
}

// TestAuditHeldLongSharedParts: a report holds the texts of the package
// its descriptors join (a shortcut's directory and name) or quote (a
// qualified component's AppData in its data) once for all the rows that
// share them, not a copy a row. Measured for 20,000 rows: 2,127 bytes a
// shortcut and 1,246 a qualified component before; 62 and 64 now.
func TestAuditHeldLongSharedParts(t *testing.T) {
	const n = 20000
	for _, shape := range []struct {
		name string
		db   func() *msi.Database
	}{
		{"shortcuts", func() *msi.Database { return shortcutsInLongPlaces(t, n) }},
		{"published", func() *msi.Database { return publishedLongData(t, n) }},
	} {
		t.Run(shape.name, func(t *testing.T) {
			per := heldPerEntryPoint(t, shape.db(), n)
			if per > 200 {
				t.Errorf("the report holds %d bytes per entry point, budget 200", per)
			}
		})
	}
}

// TestAuditLongWhereRead: the places made when an entry point is read
// are those its descriptors name, each text clipped.
func TestAuditLongWhereRead(t *testing.T) {
	db := openSample(t)
	scs := widenColumns(t, db, "Shortcut", "Directory_", "Name")
	classes := widenColumns(t, db, "Class", "CLSID", "Context")
	dir, name := strings.Repeat("d", 1000), strings.Repeat("n", 1000)
	clsid, ctx := "{"+strings.Repeat("c", 2000)+"}", strings.Repeat("x", 1000)
	for i := range 2 {
		insertCells(t, scs, map[string]msi.Value{"Shortcut": msi.StrValue(fmt.Sprintf("s%d", i)), "Directory_": msi.StrValue(dir),
			"Name": msi.StrValue("s|" + name), "Component_": msi.StrValue("App"), "Target": msi.StrValue("Core")})
		insertCells(t, classes, map[string]msi.Value{"CLSID": msi.StrValue(clsid), "Context": msi.StrValue(ctx[i:]),
			"Component_": msi.StrValue("App"), "Feature_": msi.StrValue("Core")})
	}
	rep, err := Audit(saveReopen(t, db), AuditOptions{NoRewrite: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ep := range rep.EntryPoints() {
		if !(ep.Table == "Class" && ep.Key[0] == clsid || ep.Table == "Shortcut" && (ep.Key[0] == "s0" || ep.Key[0] == "s1")) {
			continue
		}
		for _, d := range ep.Descriptors {
			got = append(got, ep.Table+": "+d.Where)
		}
	}
	clipped := "{" + strings.Repeat("c", 119) + "…(2002 bytes)"
	want := []string{
		`Class: HKCR\CLSID\` + clipped + `\` + ctx,
		`Class: HKCR\CLSID\` + clipped + `\` + ctx[1:],
		"Shortcut: " + dir + `\` + name + ".lnk (DarwinDataBlock)",
		"Shortcut: " + dir + `\` + name + ".lnk (DarwinDataBlock)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("descriptors' places (-want +got):\n%s", diff)
	}
}
