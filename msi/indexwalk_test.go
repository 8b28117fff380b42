package msi

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// fanoutTable returns a FeatureComponents-like table of n rows with a
// two-string key (features x components), read back from a package, its
// key index not built yet.
func fanoutTable(t *testing.T, n int) *Table {
	t.Helper()
	db, err := Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := db.CreateTable("Fanout", []Column{{Name: "Feature_", Type: ColString, Size: 38, Key: true}, {Name: "Component_", Type: ColString, Size: 72, Key: true}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := tab.Insert(StrValue(fmt.Sprintf("F%03d", i%50)), StrValue(fmt.Sprintf("C%05d", i))); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := db.Write(&buf, &WriteOptions{KeepPackageCode: true}); err != nil {
		t.Fatal(err)
	}
	back, err := NewDatabase(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := back.Table("Fanout")
	if err != nil {
		t.Fatal(err)
	}
	if rt.index != nil {
		t.Fatal("the key index is built before it is needed")
	}
	return rt
}

// TestIndexWalksOncePerRow counts the probe sequences the key index walks
// (a walk starts with a cache miss on a big table: rewrite --as-transform
// and --validate on msi-feature-component-fanout.msi index 1.1 million
// rows several times). Indexing a row walks once, not a find then an
// insert; DuplicateKeys on a table whose index holds every row (no key
// repeated) knows the answer without looking each row up again; Insert
// walks once a row.
func TestIndexWalksOncePerRow(t *testing.T) {
	const n = 5000
	tab := fanoutTable(t, n)
	if d := tab.DuplicateKeys(); d != nil {
		t.Fatalf("DuplicateKeys = %v, want none", d)
	}
	if w := tab.index.walks; w > n {
		t.Errorf("indexing %d rows and DuplicateKeys walked %d probe sequences, want at most %d", n, w, n)
	}
	before := tab.index.walks
	for i := range 100 {
		if err := tab.Insert(StrValue("New"), StrValue(fmt.Sprintf("C%05d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if w := tab.index.walks - before; w > 100 {
		t.Errorf("100 inserts walked %d probe sequences, want at most 100", w)
	}
	// A repeated key is still refused.
	if err := tab.Insert(StrValue("New"), StrValue("C00000")); err == nil {
		t.Error("Insert of an existing key succeeded")
	}
}

// TestLookupAllocatesNothing: Lookup of a key of a few cells read from a
// database allocates nothing (mst.Diff looks every row of one database
// up in the other).
func TestLookupAllocatesNothing(t *testing.T) {
	tab, other := fanoutTable(t, 100), fanoutTable(t, 100)
	key := other.Row(57).Key()
	if r, ok := tab.Lookup(key...); !ok || r.At(1).Str() != key[1].Str() {
		t.Fatal("Lookup did not find the row")
	}
	if a := testing.AllocsPerRun(100, func() { tab.Lookup(key...) }); a != 0 {
		t.Errorf("Lookup allocated %v times, want 0", a)
	}
}
