package mst_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// withTables returns the sample package with n empty tables of one
// column added, the shape of the scaled hostile fixture
// msi-50k-empty-tables.msi (200,000 such tables in 5 MB).
func withTables(t testing.TB, n int) *msi.Database {
	t.Helper()
	db := openSample()
	cols := []msi.Column{{Name: "K", Type: msi.ColString, Size: 72, Key: true}}
	for i := 0; i < n; i++ {
		if _, err := db.CreateTable(fmt.Sprintf("T%d", i), cols); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if _, err := db.Write(&out, &msi.WriteOptions{Compact: true, DropSignature: true}); err != nil {
		t.Fatal(err)
	}
	back, err := msi.NewDatabase(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// TestManyTablesTransformMemory checks the memory of a transform that
// creates many tables (diff SAMPLE msi-50k-empty-tables.msi -o OUT.mst):
// what the changes hold per table, and what writing them and reading
// them back (Save) allocates per table. With a Record and its Values per
// _Tables and _Columns record, a second Changes for the read-back and
// its text outline, and two copies of each table's columns, Save
// allocated 2,177 bytes a table and the changes held 359; then 765 and
// 132, of which 237 the read-back's outlines (a 56-byte struct a table,
// grown by appending: 12.5 MB kept and 63 MB allocated for the 200,000
// tables of msi-50k-empty-tables.msi); 528 and 132 with the outlines
// encoded (6 bytes and the name a table); 528 and 116 with a
// TableChange of 96 bytes, not 104 (a size class of 112); 496 and 116
// with the read-back's tables merged from its sorted lists, not from a
// list of all their names (two per table) sorted again; 456 and 116
// with the ids of the _Tables and _Columns records sized once, not grown
// by appending.
func TestManyTablesTransformMemory(t *testing.T) {
	const n = 20000
	old, new := openSample(), withTables(t, n)
	var c *mst.Changes
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c, err := mst.Diff(old, new)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if len(c.Tables) != n {
		t.Fatalf("%d tables changed, want %d", len(c.Tables), n)
	}
	live := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("the changes hold %d bytes a table", live)
	if live > 124 {
		t.Errorf("the changes hold %d bytes a table, budget 124", live)
	}
	path := filepath.Join(t.TempDir(), "t.mst")
	_, alloc := testenv.Measure(func() {
		if err := mst.Save(path, c, nil, &mst.SaveOptions{Base: old}); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("Save allocated %d bytes a table", alloc/n)
	if alloc/n > 480 {
		t.Errorf("Save allocated %d bytes a table, budget 480", alloc/n)
	}
	runtime.KeepAlive(c)

	// The transform creates every table, with its column.
	tr, err := mst.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	back, err := tr.Decode(old)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Tables) != n {
		t.Fatalf("the transform changes %d tables, want %d", len(back.Tables), n)
	}
	for _, tc := range back.Tables {
		if !tc.Created || len(tc.Columns) != 1 || tc.Columns[0].Name != "K" || !tc.Columns[0].Key || tc.Len() != 0 {
			t.Fatalf("table %s: created %v, columns %+v, %d records", tc.Name, tc.Created, tc.Columns, tc.Len())
		}
	}
}

// TestSaveReadBackMismatch checks that Save refuses a transform that does
// not read back as the changes it was given, or not at all, and leaves
// nothing: changes edited after Diff into what Write cannot write
// faithfully.
func TestSaveReadBackMismatch(t *testing.T) {
	old, new := openSample(), withTables(t, 3)
	c, err := mst.Diff(old, new)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, want string
		edit       func(c *mst.Changes)
	}{
		// Write writes no column records for a dropped table.
		{"columns added to a dropped table", `reads back as ["T0 created=true dropped=false added=1 0/0/0" "T1 created=false dropped=true added=0 0/0/0"`, func(c *mst.Changes) { c.Tables[1].Created, c.Tables[1].Dropped = false, true }},
		{"a table created twice", "table T2 is created twice", func(c *mst.Changes) { c.Tables = append(c.Tables, c.Tables[2]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c2 := *c
			c2.Tables = nil
			for _, x := range c.Tables {
				y := *x
				c2.Tables = append(c2.Tables, &y)
			}
			tc.edit(&c2)
			path := filepath.Join(t.TempDir(), "t.mst")
			err := mst.Save(path, &c2, nil, &mst.SaveOptions{Base: old})
			if err == nil {
				t.Fatal("Save succeeded")
			}
			if _, serr := os.Stat(path); serr == nil {
				t.Errorf("Save left %s after failing: %v", path, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Save: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestWriteDecodedTransform checks that the changes read from a
// transform are written back as the same records: the records Decode
// gives share one buffer of values, which Write once kept past the
// record, writing the integers of the last record into every record.
func TestWriteDecodedTransform(t *testing.T) {
	old, new := openSample(), openSample()
	seq, err := new.Table("InstallExecuteSequence")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range seq.Rows() {
		if r.At(2).IsNull() || n == 3 {
			continue
		}
		key := r.Key()
		seqNo := int32(r.At(2).Int()) + int32(n) + 1
		if err := seq.Update(key, func(v []msi.Value) error { v[2] = msi.IntValue(seqNo); return nil }); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n < 2 {
		t.Fatalf("only %d rows updated", n)
	}
	data, c := encode(t, old, new, nil)
	if i, u, d := c.Table("InstallExecuteSequence").Counts(); u != n || i+d != 0 {
		t.Fatalf("the changes insert %d, update %d, delete %d rows, want %d updates", i, u, d, n)
	}
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := mst.New(db)
	if err != nil {
		t.Fatal(err)
	}
	back, err := tr.Decode(old)
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := mst.Write(&again, back, nil); err != nil {
		t.Fatal(err)
	}
	db2, err := msi.NewDatabase(bytes.NewReader(again.Bytes()), int64(again.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"InstallExecuteSequence", "_StringPool", "_StringData"} {
		want, _, err := db.RawTableStream(name)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := db2.RawTableStream(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("stream %s written back differs:\n got %x\nwant %x", name, got, want)
		}
	}
}
