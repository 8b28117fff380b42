package msi

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// manyTables returns a package holding n empty tables of one column, the
// shape of the scaled hostile fixture msi-50k-empty-tables.msi (200,000
// such tables in 5 MB).
func manyTables(t testing.TB, n int) []byte {
	t.Helper()
	db := openSample(t)
	cols := []Column{{Name: "K", Type: ColString, Size: 72, Key: true}}
	for i := 0; i < n; i++ {
		if _, err := db.CreateTable(fmt.Sprintf("T%d", i), cols); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if _, err := db.Write(&out, &WriteOptions{Compact: true, DropSignature: true}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestManyTablesMemory checks what an open database holds per table of a
// package of many empty tables of one shape. Every command opens its
// package, and some open two (a written file is read back), so this is
// what bounds their memory on msi-50k-empty-tables.msi: 335 bytes a
// table when each table had its own columns, 199 with the tables of one
// shape sharing them.
func TestManyTablesMemory(t *testing.T) {
	const n = 20000
	data := manyTables(t, n)
	var db *Database
	live := testenv.LiveBytes(func() any {
		var err error
		db, err = NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
	if got := len(db.TableNames()); got < n {
		t.Fatalf("%d tables, want at least %d", got, n)
	}
	perTable := live / n
	t.Logf("%d bytes a table", perTable)
	if perTable > 240 {
		t.Errorf("an open database holds %d bytes a table (%d in all for %d tables), budget 240", perTable, live, n)
	}
	// The tables still read as their own.
	for _, name := range []string{"T0", fmt.Sprintf("T%d", n-1)} {
		tab, err := db.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		if cols := tab.Columns(); len(cols) != 1 || cols[0].Name != "K" || !cols[0].Key || tab.Len() != 0 {
			t.Errorf("%s: columns %+v, %d rows", name, cols, tab.Len())
		}
	}
}

// TestSharedSchemaNotChanged checks that adding a column to one of many
// tables of one shape leaves the others' columns as they were.
func TestSharedSchemaNotChanged(t *testing.T) {
	data := manyTables(t, 3)
	db, err := NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	t0, err := db.Table("T0")
	if err != nil {
		t.Fatal(err)
	}
	if err := t0.AddColumn(Column{Name: "V", Type: ColInt32, Nullable: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"T1", "T2"} {
		tab, err := db.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(tab.Columns()); n != 1 {
			t.Errorf("%s has %d columns after a column was added to T0, want 1", name, n)
		}
	}
	if n := len(t0.Columns()); n != 2 {
		t.Errorf("T0 has %d columns, want 2", n)
	}
}

// BenchmarkOpenManyTables opens a package of 20,000 empty tables of one
// shape: the cost of a table that is declared and never read.
func BenchmarkOpenManyTables(b *testing.B) {
	data := manyTables(b, 20000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewDatabase(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}
