package mst_test

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// fanoutPackage returns a package holding a FeatureComponents table of n
// rows (50 features x n/50 components) but row skip (-1 for none), plus a
// row of F000 and component extra unless it is "".
func fanoutPackage(t testing.TB, n, skip int, extra string) []byte {
	t.Helper()
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fc, err := db.Table("FeatureComponents")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if i == skip {
			continue
		}
		if err := fc.Insert(msi.StrValue(fmt.Sprintf("F%03d", i%50)), msi.StrValue(fmt.Sprintf("C%06d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if extra != "" {
		if err := fc.Insert(msi.StrValue("F000"), msi.StrValue(extra)); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := db.Write(&buf, &msi.WriteOptions{KeepPackageCode: true}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fanoutDB is the database of fanoutPackage, read from its bytes (no key
// index built yet).
func fanoutDB(t testing.TB, n, skip int, extra string) *msi.Database {
	t.Helper()
	return openBytes(t, fanoutPackage(t, n, skip, extra))
}

func openBytes(t testing.TB, b []byte) *msi.Database {
	t.Helper()
	db, err := msi.NewDatabase(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestDiffCostPerRow bounds the allocations of Diff per row compared:
// rewrite --as-transform on msi-feature-component-fanout.msi compares 1.1
// million FeatureComponents rows, and each lookup of one database's row
// in the other, each value read twice, cost there.
func TestDiffCostPerRow(t *testing.T) {
	const n = 20000
	old, new := fanoutDB(t, n, -1, ""), fanoutDB(t, n, 7, "Cnew")
	var c *mst.Changes
	allocs := testing.AllocsPerRun(1, func() {
		var err error
		if c, err = mst.Diff(old, new); err != nil {
			t.Fatal(err)
		}
	})
	var got []string
	for _, tc := range c.Tables {
		for r := range tc.Records() {
			got = append(got, fmt.Sprintf("%s %v %v", tc.Name, r.Op, r.Values))
		}
	}
	want := []string{"FeatureComponents insert [F000 Cnew]", "FeatureComponents delete [F007 C000007]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if allocs > n/20 {
		t.Errorf("Diff of two tables of %d rows allocated %v times, want at most %d", n, allocs, n/20)
	}
}

// TestDiffIndexesOneSide: the old rows a new row's key found need no
// lookup in new to know they were not deleted. With no row deleted, Diff
// indexes old's keys only: new's index (12 bytes a row) is never built.
func TestDiffIndexesOneSide(t *testing.T) {
	const n = 20000
	old, new := fanoutDB(t, n, -1, ""), fanoutDB(t, n, -1, "Cadded")
	// Every table read before counting: what is counted is the diff.
	for _, db := range []*msi.Database{old, new} {
		for _, name := range db.TableNames() {
			if tab, err := db.Table(name); err == nil {
				tab.Len()
			}
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c, err := mst.Diff(old, new)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Tables) == 0 {
		t.Fatal("no change found")
	}
	// One index of n rows is about 8*4/3 bytes a row; each small table's
	// index of old, 8 KiB; comparing streams, 256 KiB.
	got, limit := after.TotalAlloc-before.TotalAlloc, uint64(n*12+640<<10)
	t.Logf("Diff allocated %d bytes", got)
	if got > limit {
		t.Errorf("Diff of two tables of %d rows, one row added, allocated %d bytes, want at most %d (one key index)", n, got, limit)
	}
}

// BenchmarkDiffFanout opens two packages of a 100,000-row
// FeatureComponents table differing in two rows and computes the changes
// (the Diff of rewrite --as-transform on msi-feature-component-fanout.msi,
// a tenth of its rows).
func BenchmarkDiffFanout(b *testing.B) {
	const n = 100000
	pa, pb := fanoutPackage(b, n, -1, ""), fanoutPackage(b, n, 7, "Cnew")
	b.SetBytes(int64(len(pa) + len(pb)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := mst.Diff(openBytes(b, pa), openBytes(b, pb)); err != nil {
			b.Fatal(err)
		}
	}
}
