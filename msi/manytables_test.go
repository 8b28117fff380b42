package msi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
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
	db := openWithin(t, manyTables(t, n), n, 240)
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

// openWithin opens data, a package of at least n tables, and fails t if
// the open database holds more than budget bytes a table.
func openWithin(t *testing.T, data []byte, n int, budget uint64) *Database {
	t.Helper()
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
	perTable := live / uint64(n)
	t.Logf("%d bytes a table", perTable)
	if perTable > budget {
		t.Errorf("an open database holds %d bytes a table (%d in all for %d tables), budget %d", perTable, live, n, budget)
	}
	return db
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

// columnlessTables returns a package whose _Tables names n tables (of
// names as short as they come) that _Columns gives no column, each name
// listed repeat times: 3 bytes a row in _Tables, the most tables (and
// table errors) a package's bytes can name: 450,000 at 5 MB.
func columnlessTables(t testing.TB, n, repeat int) []byte {
	t.Helper()
	s := &synthDB{long: true}
	for i := range n {
		s.strs = append(s.strs, fmt.Sprintf("t%x", i))
	}
	var tables []byte
	for range repeat {
		for i := range n {
			id := uint32(i + 1)
			tables = append(tables, byte(id), byte(id>>8), byte(id>>16))
		}
	}
	s.tables = map[string][]byte{"_Tables": tables, "_Columns": nil}
	return s.bytes(t)
}

// TestColumnlessTablesMemory: an open database holds little for each
// table _Tables names and _Columns does not describe, and no error of its
// own until one is asked for (an error made for each of 450,000 such
// tables at once cost 100 bytes a table, and a Table grew to 128 bytes):
// 298 bytes a table before, with the tables' map and list regrown as they
// were added, 177 now.
func TestColumnlessTablesMemory(t *testing.T) {
	const n = 20000
	db := openWithin(t, columnlessTables(t, n, 1), n, 200)
	if got := len(db.TableNames()); got != n {
		t.Fatalf("%d tables, want %d", got, n)
	}
	// Each table's error names it, and is the same each time.
	for _, name := range []string{"t0", fmt.Sprintf("t%x", n-1)} {
		for range 2 {
			_, err := db.Table(name)
			var fe *FormatError
			if !errors.As(err, &fe) || !errors.Is(err, ErrFormat) || fe.Table != name || fe.Stream != "_Columns" || !strings.Contains(err.Error(), "no columns") {
				t.Errorf("Table(%s): %v, want a FormatError naming the table, _Columns and no columns", name, err)
			}
		}
	}
}

// TestColumnlessTableErrorCost: the error of a table _Columns does not
// describe, made each time it is asked for, is one FormatError, and its
// text is allocated at the size it has. info and tables -l ask for it for
// each of 360,000 such tables, and what each made (the message formatted
// again, a text sized for an offset that is not written, 96 bytes for the
// 53 of "msi: table t1f: stream _Columns: table has no columns", and the
// strings.Builder moved to the heap by fmt: 128) was garbage that the
// collector let the heap double for.
func TestColumnlessTableErrorCost(t *testing.T) {
	db := openWithin(t, columnlessTables(t, 100, 1), 100, 1000)
	var err error
	if allocs := testing.AllocsPerRun(100, func() { _, err = db.Table("t1f") }); allocs != 1 {
		t.Errorf("Table of a columnless table: %v allocations, want 1 (its FormatError)", allocs)
	}
	const want = "msi: table t1f: stream _Columns: table has no columns"
	if err == nil || err.Error() != want {
		t.Fatalf("Table(t1f): %v, want %s", err, want)
	}
	// 53 bytes of text: one allocation of the 64-byte size class.
	var before, after runtime.MemStats
	const n = 1000
	texts := make([]string, n)
	runtime.ReadMemStats(&before)
	for i := range texts {
		texts[i] = err.Error()
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 64 {
		t.Errorf("FormatError.Error: %d bytes a text of %d, want at most 64", per, len(want))
	}
	// With an offset the text still has its room.
	fe := &FormatError{Table: "T", Stream: "S", Offset: 1 << 62, Msg: "m", Err: errors.New("cause")}
	if got, want := fe.Error(), fmt.Sprintf("msi: table T: stream S: offset %d: m: cause", int64(1<<62)); got != want {
		t.Errorf("Error: %q, want %q", got, want)
	}
}

// TestColumnlessTablesWriteCost: writing a package of many tables costs
// no set of their names: the table streams no table describes are found
// through the tables' own index (a set made for each write held 13.5 MB
// for the 360,000 tables of msi-columnless-tables.msi): 223 bytes
// allocated a table before, 135 now.
func TestColumnlessTablesWriteCost(t *testing.T) {
	const n = 20000
	data := columnlessTables(t, n, 1)
	db, err := NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	// 135 bytes a table allocated now, 223 with the set.
	testenv.CheckBudgetOf(t, "Write", testenv.TimeBudget, 180*n, func() {
		if _, err := db.Write(io.Discard, &WriteOptions{Compact: true}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSaveCheckTableNames: the read-back of a saved package compares its
// tables with the database's without sorted copies of both lists (11.5
// MB beside the two databases for the 360,000 tables of
// msi-columnless-tables.msi), and still tells a different list.
func TestSaveCheckTableNames(t *testing.T) {
	const n = 20000
	data := columnlessTables(t, n, 1)
	db, err := NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out.msi")
	// 323 bytes allocated a table now (the new file written and opened
	// again), 355 with the sorted copies.
	testenv.CheckBudgetOf(t, "Save", testenv.TimeBudget, 340*n, func() {
		if err := db.Save(out, nil); err != nil {
			t.Fatal(err)
		}
	})
	// Another list of the same length, and a shorter one, are told.
	a, b := openSample(t), openSample(t)
	if !a.sameTableNames(b) {
		t.Fatal("sameTableNames: two opens of the sample differ")
	}
	names := b.TableNames()
	if err := b.DropTable(names[0]); err != nil {
		t.Fatal(err)
	}
	if a.sameTableNames(b) || b.sameTableNames(a) {
		t.Errorf("sameTableNames: a table fewer (%s dropped) not told", names[0])
	}
	if _, err := b.CreateTable("Other", []Column{{Name: "K", Type: ColString, Size: 72, Key: true}}); err != nil {
		t.Fatal(err)
	}
	if a.sameTableNames(b) || b.sameTableNames(a) {
		t.Errorf("sameTableNames: %s replaced by Other not told", names[0])
	}
}

// TestRepeatedTablesRowsWarnings: _Tables rows that name tables again are
// warned about a bounded number of times, not once a row (1.4 million
// rows naming a few tables, 3 bytes each, were as many warnings: 200 MB).
func TestRepeatedTablesRowsWarnings(t *testing.T) {
	const n, repeat = 100, 200
	data := columnlessTables(t, n, repeat)
	db, err := NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(db.TableNames()); got != n {
		t.Errorf("%d tables, want %d", got, n)
	}
	if got := len(db.Warnings); got > maxWarnings+1 {
		t.Errorf("%d warnings for %d repeated rows, want at most %d", got, n*(repeat-1), maxWarnings+1)
	}
	if len(db.Warnings) == 0 || !strings.Contains(db.Warnings[0], `_Tables lists "t0" twice`) || db.Warnings[len(db.Warnings)-1] != "further warnings suppressed" {
		t.Errorf("warnings %q ... %q, want the first repeat named and the rest suppressed", db.Warnings[:min(1, len(db.Warnings))], db.Warnings[max(0, len(db.Warnings)-1):])
	}
}

// TestSchemalessStreamsWarnings: table streams no table describes are
// warned about when the database is written, in name order and within
// the bound of the warnings (one each, unbounded, in map order before).
func TestSchemalessStreamsWarnings(t *testing.T) {
	s := &synthDB{}
	s.schema(nil)
	for i := range maxWarnings + 500 {
		s.tables[fmt.Sprintf("X%04d", i)] = []byte{1, 0}
	}
	data := s.bytes(t)
	db, err := NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	before := len(db.Warnings)
	if _, err := db.Write(io.Discard, &WriteOptions{Compact: true}); err != nil {
		t.Fatal(err)
	}
	got := db.Warnings[before:]
	if len(got) != maxWarnings+1-before || got[len(got)-1] != "further warnings suppressed" {
		t.Fatalf("%d warnings written (%d before), want %d and the last saying the rest were suppressed", len(got), before, maxWarnings+1-before)
	}
	if want := `table stream "X0000" has no schema; all strings kept`; got[0] != want {
		t.Errorf("first warning %q, want %q", got[0], want)
	}
	if !slices.IsSorted(got[:len(got)-1]) {
		t.Errorf("warnings not in name order: %q ...", got[:3])
	}
}

// TestLongColumnNamesOpen: tables whose columns are all named by one
// pooled 64 KiB text (12 bytes a column in _Columns) open within the
// budget, the tables told apart by the names' string ids (their texts,
// 2 MiB a table, were copied and hashed: 2.9 s for these 12,000 tables),
// and past 16 MiB of names a table is an error naming the bound.
func TestLongColumnNamesOpen(t *testing.T) {
	const ntab = 12000
	s := &synthDB{long: true}
	s.strs = append(s.strs, strings.Repeat("N", 64<<10-1)) // id 1
	bits := Column{Type: ColInt16, Key: true}.bits()
	var tcells, ccells []uint32
	for i := range ntab {
		s.strs = append(s.strs, fmt.Sprintf("t%x", i))
		tid := uint32(len(s.strs))
		tcells = append(tcells, tid)
		for c := 1; c <= 32; c++ {
			ccells = append(ccells, tid, uint32(uint16(c)^0x8000), 1, uint32(bits^0x8000))
		}
	}
	s.tables = map[string][]byte{
		"_Tables":  encodeTable(tablesCols, 3, tcells, len(tcells), nil),
		"_Columns": encodeTable(columnsCols, 3, ccells, len(ccells)/4, nil),
	}
	data := s.bytes(t)
	var db *Database
	testenv.CheckBudget(t, "NewDatabase", func() {
		var err error
		db, err = NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
	})
	ok := 0
	for _, name := range db.TableNames() {
		tab, err := db.Table(name)
		if err == nil {
			if len(tab.Columns()) != 32 {
				t.Fatalf("%s: %d columns", name, len(tab.Columns()))
			}
			ok++
			continue
		}
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Table != name || !strings.Contains(err.Error(), "16 MiB") {
			t.Fatalf("%s: %v, want an error naming the table and 16 MiB", name, err)
		}
	}
	if ok != 8 {
		t.Errorf("%d tables read, want 8 (16 MiB of 2 MiB of names a table)", ok)
	}
}
