package msi

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// TestDuplicateKeys reads a table stream holding rows with repeated keys
// (which Insert refuses to make): equal texts in distinct pool entries
// are the same key, a differing integer part is not.
func TestDuplicateKeys(t *testing.T) {
	s := &synthDB{}
	s.schema([]tableDef{{"T", []colDef{{"K", 0x2d48}, {"N", 0x2502}, {"V", 0x1d48}}}})
	a, b := s.id("a"), s.id("b")
	s.strs = append(s.strs, "a") // a second entry with the same text
	a2 := uint32(len(s.strs))
	v := s.id("v")
	const one, two = 0x8001, 0x8002
	cells := []uint32{
		a, one, v,
		b, one, v,
		a, one, 0, // repeats row 0
		a, two, v,
		a2, one, v, // repeats row 0 through another pool entry
		b, two, 0,
	}
	s.tables["T"] = encodeTable([]Column{{Type: ColString}, {Type: ColInt16}, {Type: ColString}}, 2, cells, 6, nil)
	db := s.open(t)
	tab, err := db.Table("T")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for r := range tab.Rows() {
		keys = append(keys, r.Get("K").Str()+"/"+r.Get("N").String())
	}
	if diff := cmp.Diff([]string{"a/1", "b/1", "a/1", "a/2", "a/1", "b/2"}, keys); diff != "" {
		t.Fatalf("rows as stored (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2, 4}, tab.DuplicateKeys()); diff != "" {
		t.Errorf("DuplicateKeys (-want +got):\n%s", diff)
	}
	// The index it built serves lookups: the first of the equal rows.
	r, ok := tab.Lookup(StrValue("a"), IntValue(1))
	if !ok || r.Get("V").Str() != "v" {
		t.Errorf("Lookup(a, 1) = %v, %v; want the first row", r, ok)
	}
	prop, err := openSample(t).Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	if got := prop.DuplicateKeys(); got != nil {
		t.Errorf("sample Property: DuplicateKeys = %v, want nil", got)
	}
}

// TestDuplicateLongKeys indexes a table whose rows all repeat one long
// key, held by two pool entries of equal text: each string id is hashed
// once and the two texts compared once, not once per row (20,000 rows
// of a 2 MiB key were 80 GB of hashing and comparing).
func TestDuplicateLongKeys(t *testing.T) {
	const rows = 20000
	long := strings.Repeat("K", 2<<20)
	s := &synthDB{}
	s.schema([]tableDef{{"T", []colDef{{"K", 0x2d48}, {"V", 0x1d48}}}})
	a := s.id(long)
	s.strs = append(s.strs, long) // a second entry with the same text
	a2 := uint32(len(s.strs))
	v := s.id("v")
	cells := make([]uint32, 0, 2*rows)
	for r := range rows {
		cells = append(cells, []uint32{a, a2}[r%2], v)
	}
	s.tables["T"] = encodeTable([]Column{{Type: ColString}, {Type: ColString}}, 2, cells, rows, nil)
	pkg := s.bytes(t)
	var dups []int
	var found bool
	testenv.CheckBudget(t, "index 20,000 rows keyed by one 2 MiB text", func() {
		db, err := NewDatabase(bytes.NewReader(pkg), int64(len(pkg)))
		if err != nil {
			t.Fatal(err)
		}
		tab, err := db.Table("T")
		if err != nil {
			t.Fatal(err)
		}
		dups = tab.DuplicateKeys()
		for r := range tab.Rows() {
			_, found = tab.Lookup(r.Get("K")) // by a cell of the table
		}
	})
	if len(dups) != rows-1 || dups[0] != 1 || !found {
		t.Errorf("DuplicateKeys: %d rows from %v, Lookup %v; want %d from row 1, found", len(dups), dups[:min(len(dups), 3)], found, rows-1)
	}
}
