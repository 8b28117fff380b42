package msi

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// TestLongStringWrite writes a string of 64 KiB or more (an extended pool
// entry) and checks msiinfo reads it back.
func TestLongStringWrite(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	db, _ := coreOpenCopy(t, coreSample)
	prop, _ := db.Table("Property")
	big := strings.Repeat("0123456789", 7000) // 70,000 bytes
	if err := prop.Insert(StrValue("BIGVALUE"), StrValue(big)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "long.msi")
	if err := db.Save(out, nil); err != nil {
		t.Fatal(err)
	}
	exp, err := testenv.Command(t, msiinfo, "export", out, "Property").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(exp, []byte("BIGVALUE\t"+big+"\r\n")) {
		t.Error("msiinfo export does not show the 70,000-byte value")
	}
	db2, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	p2, _ := db2.Table("Property")
	if r, ok := p2.Lookup(StrValue("BIGVALUE")); !ok || r.Get("Value").Str() != big {
		t.Error("long string not read back")
	}
}

// TestManyStringsLongRefs adds enough strings to need 3-byte references,
// checks the pool flag, and that msiinfo reads the re-encoded tables.
func TestManyStringsLongRefs(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	if testing.Short() {
		t.Skip("slow under -short")
	}
	db, in := coreOpenCopy(t, coreSample)
	tab, err := db.CreateTable("ManyStrings", []Column{
		{Name: "Key", Type: ColString, Size: 16, Key: true},
		{Name: "Val", Type: ColInt32},
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 66000
	for i := 0; i < n; i++ {
		if err := tab.Insert(StrValue(fmt.Sprintf("s%06d", i)), IntValue(int32(i))); err != nil {
			t.Fatal(err)
		}
	}
	db2, out := saveReopen(t, db, "many.msi")
	if !db2.pool.longRefs {
		t.Error("pool of more than 65535 strings written without the long-reference flag")
	}
	poolEntry := db2.tableStreams[poolStream]
	ps, _ := poolEntry.Open()
	var h [4]byte
	ps.ReadAt(h[:], 0)
	if binary.LittleEndian.Uint32(h[:])&0x80000000 == 0 {
		t.Error("bit 31 of the pool header not set")
	}
	for _, name := range []string{"Property", "File", "Feature"} {
		want, err1 := testenv.Command(t, msiinfo, "export", in, name).Output()
		got, err2 := testenv.Command(t, msiinfo, "export", out, name).Output()
		if err1 != nil || err2 != nil || !bytes.Equal(want, got) {
			t.Errorf("%s: msiinfo export differs after switching to 3-byte references (%v, %v)", name, err1, err2)
		}
	}
	got, err := testenv.Command(t, msiinfo, "export", out, "ManyStrings").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(got), "\r\n"), "\r\n")
	if len(lines) != 3+n || lines[3] != "s000000\t0" || lines[len(lines)-1] != fmt.Sprintf("s%06d\t%d", n-1, n-1) {
		t.Errorf("ManyStrings: %d lines, first %q last %q", len(lines), lines[3], lines[len(lines)-1])
	}
}

// Rows naming one long text, row after row, as a library user or a
// rewrite copying a pooled string does: each Insert, Update and Lookup
// must not hash, scan, measure or (for non-ASCII text) encode the whole
// text again. 2,000 inserts and 2,000 updates naming one 2 MB text took
// 2-50 s and, non-ASCII, allocated 10 MB an insert.
func TestSharedLongTextEdits(t *testing.T) {
	data, err := os.ReadFile(coreSample)
	if err != nil {
		t.Fatal(err)
	}
	for _, long := range []string{strings.Repeat("[LONG]", 350_000), strings.Repeat("[LÖNG]", 300_000)} {
		db, err := NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		const n = 2000
		run := 0
		var vt, kt *Table
		testenv.CheckBudget(t, "2,000 inserts naming one 2 MB text in a value and in a key", func() {
			run++
			vt = mustCreate(t, db, fmt.Sprintf("LongValue%d", run), []Column{
				{Name: "K", Type: ColString, Size: 72, Key: true},
				{Name: "V", Type: ColString, Size: 255, Nullable: true},
				{Name: "N", Type: ColInt32},
			})
			kt = mustCreate(t, db, fmt.Sprintf("LongKey%d", run), []Column{
				{Name: "K", Type: ColString, Key: true},
				{Name: "N", Type: ColInt32, Key: true},
			})
			for i := range n {
				if err := vt.Insert(StrValue(fmt.Sprint("k", i)), StrValue(long), IntValue(0)); err != nil {
					t.Fatal(err)
				}
				if err := kt.Insert(StrValue(long), IntValue(int32(i))); err != nil {
					t.Fatal(err)
				}
			}
		})
		testenv.CheckBudget(t, "2,000 updates and lookups of rows naming one 2 MB text", func() {
			for i := range n {
				err := vt.Update([]Value{StrValue(fmt.Sprint("k", i))}, func(vals []Value) error {
					vals[2] = IntValue(vals[2].Int() + 1)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := kt.Lookup(StrValue(long), IntValue(int32(i))); !ok {
					t.Fatalf("row %d of the long key not found", i)
				}
			}
		})
		// The same text in other bytes is the same string, and a key.
		if err := vt.Insert(StrValue("other"), StrValue(strings.Clone(long)), IntValue(0)); err != nil {
			t.Fatal(err)
		}
		if err := kt.Insert(StrValue(strings.Clone(long)), IntValue(0)); err == nil {
			t.Error("a row whose key is a copy of an existing one's was inserted")
		}
		ids := map[uint32]int{}
		for r := range vt.Len() {
			ids[vt.Row(r).Get("V").id]++
		}
		for r := range kt.Len() {
			ids[kt.Row(r).Get("K").id]++
		}
		if len(ids) != 1 {
			t.Errorf("the long text has %d string ids (%v), want 1", len(ids), ids)
		}
		if got, want := vt.Row(n).Get("V").Str(), long; got != want {
			t.Errorf("the copy reads back as %d bytes, want the %d of the text", len(got), len(want))
		}
	}
}

func mustCreate(t *testing.T, db *Database, name string, cols []Column) *Table {
	t.Helper()
	tab, err := db.CreateTable(name, cols)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}
