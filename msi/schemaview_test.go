package msi

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// schemaRows is a system table's rows as text, sorted.
func schemaRows(t *testing.T, db *Database, name string) []string {
	t.Helper()
	tab, err := db.Table(name)
	if err != nil {
		t.Fatalf("Table(%s): %v", name, err)
	}
	var rows []string
	for r := range tab.Rows() {
		var f []string
		for _, v := range r.Values() {
			f = append(f, v.String())
		}
		rows = append(rows, fmt.Sprint(f))
	}
	slices.Sort(rows)
	return rows
}

// writeReopen writes db to memory and reads it back.
func writeReopen(t *testing.T, db *Database) *Database {
	t.Helper()
	var buf bytes.Buffer
	if _, err := db.Write(&buf, nil); err != nil {
		t.Fatal(err)
	}
	db2, err := NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return db2
}

// The system tables _Tables and _Columns show the schema as edited, not as
// read: after CreateTable, AddColumn and DropTable they list what a write
// stores (FuzzRewrite found _Columns read before a pass created
// MsiAssemblyName still served after it).
func TestSchemaTablesSeeEdits(t *testing.T) {
	db := openSample(t)
	before := schemaRows(t, db, "_Columns") // loads and caches the source view
	tablesBefore := schemaRows(t, db, "_Tables")

	nt, err := db.CreateTable("NewTable", []Column{
		{Name: "Key", Type: ColString, Size: 72, Key: true},
		{Name: "Count", Type: ColInt16, Nullable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(before), "[NewTable 1 Key 11592]", "[NewTable 2 Count 5378]")
	slices.Sort(want)
	if d := cmp.Diff(want, schemaRows(t, db, "_Columns")); d != "" {
		t.Errorf("_Columns after CreateTable (-want +got):\n%s", d)
	}
	wantTables := append(slices.Clone(tablesBefore), "[NewTable]")
	slices.Sort(wantTables)
	if d := cmp.Diff(wantTables, schemaRows(t, db, "_Tables")); d != "" {
		t.Errorf("_Tables after CreateTable (-want +got):\n%s", d)
	}

	if err := nt.AddColumn(Column{Name: "Extra", Type: ColString, Nullable: true}); err != nil {
		t.Fatal(err)
	}
	want = append(want, "[NewTable 3 Extra 7424]")
	slices.Sort(want)
	if d := cmp.Diff(want, schemaRows(t, db, "_Columns")); d != "" {
		t.Errorf("_Columns after AddColumn (-want +got):\n%s", d)
	}

	if err := db.DropTable("Icon"); err != nil {
		t.Fatal(err)
	}
	want = slices.DeleteFunc(want, func(s string) bool { return len(s) > 6 && s[:6] == "[Icon " })
	wantTables = slices.DeleteFunc(wantTables, func(s string) bool { return s == "[Icon]" })
	if d := cmp.Diff(want, schemaRows(t, db, "_Columns")); d != "" {
		t.Errorf("_Columns after DropTable (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantTables, schemaRows(t, db, "_Tables")); d != "" {
		t.Errorf("_Tables after DropTable (-want +got):\n%s", d)
	}

	// What the write stores is what was shown.
	db2 := writeReopen(t, db)
	for _, name := range []string{"_Tables", "_Columns"} {
		if d := cmp.Diff(schemaRows(t, db, name), schemaRows(t, db2, name)); d != "" {
			t.Errorf("%s changed by writing (-edited +reread):\n%s", name, d)
		}
	}
}

// A write that changes the schema keeps the _Columns rows of a table whose
// columns cannot be read (and rows naming no table) as they were: they used
// to be dropped with the regenerated _Columns.
func TestSchemaChangeKeepsUnreadableColumns(t *testing.T) {
	s := &synthDB{}
	s.schema([]tableDef{{"Property", []colDef{{"Property", 0x2d48}, {"Value", 0x0f00}}}})
	tid, orphan, c := s.id("Gap"), s.id("Orphan"), s.id("C")
	pid := s.id("Property")
	// Gap's columns are numbered 1 and 5: the table cannot be read.
	// Orphan has columns but no _Tables row.
	cells := []uint32{
		pid, 1 ^ 0x8000, s.id("Property"), 0x2d48 ^ 0x8000,
		pid, 2 ^ 0x8000, s.id("Value"), 0x0f00 ^ 0x8000,
		tid, 1 ^ 0x8000, c, 0x2d48 ^ 0x8000,
		tid, 5 ^ 0x8000, c, 0x0502 ^ 0x8000,
		orphan, 1 ^ 0x8000, c, 0x2d48 ^ 0x8000,
	}
	s.tables["_Tables"] = encodeTable(tablesCols, 2, []uint32{pid, tid}, 2, nil)
	s.tables["_Columns"] = encodeTable(columnsCols, 2, sortRows(columnsCols, columnsKeys, cells, 5, nil), 5, nil)
	db := s.open(t)
	if _, err := db.Table("Gap"); err == nil {
		t.Fatal("table Gap reads; the test needs one that does not")
	}
	before := schemaRows(t, db, "_Columns")
	if _, err := db.CreateTable("Added", []Column{{Name: "K", Type: ColString, Key: true}}); err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(before), "[Added 1 K 11520]")
	slices.Sort(want)
	if d := cmp.Diff(want, schemaRows(t, db, "_Columns")); d != "" {
		t.Errorf("_Columns after CreateTable (-want +got):\n%s", d)
	}
	db2 := writeReopen(t, db)
	if d := cmp.Diff(want, schemaRows(t, db2, "_Columns")); d != "" {
		t.Errorf("_Columns written (-want +got):\n%s", d)
	}
}
