package mst_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// registryAdded returns the sample and a copy of it with n Registry rows
// added, each with a Key of about size bytes of its own (shorter than a
// string a pool borrows), as rewrite --as-transform diffs a package and
// its rewrite in memory.
func registryAdded(t testing.TB, n, size int) (old, new *msi.Database) {
	t.Helper()
	open := func() *msi.Database {
		db, err := msi.Open(testenv.SampleMSI())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	old, new = open(), open()
	reg, err := new.Table("Registry")
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("k", size-20)
	for i := range n {
		if err := reg.Insert(msi.StrValue(fmt.Sprintf("reg%07d", i)), msi.IntValue(2), msi.StrValue(fmt.Sprintf("Software\\%s\\%07d", pad, i)),
			msi.Null, msi.StrValue("v"), msi.StrValue("Core")); err != nil {
			t.Fatal(err)
		}
	}
	return old, new
}

// Write reads the strings of the transform's pool where the databases
// keep them, and writes _StringData from there: rewrite --as-transform of
// 380,000 new Registry rows (msi-verbs-of-one-extension.msi, the limit
// raised) copied 34 MB of the rewritten database's strings into the
// transform's pool, then made a 30 MB _StringData of them at once. Here
// 40,000 Keys of 200 bytes (8 MB): Write allocated 28.4 MB, 9.1 MB after.
func TestWriteKeepsStringsWhereTheyAre(t *testing.T) {
	const n, size = 40000, 200
	old, new := registryAdded(t, n, size)
	c, err := mst.Diff(old, new)
	if err != nil {
		t.Fatal(err)
	}
	si, err := mst.NewSummary(old, new, &mst.SummaryOptions{Created: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	// Less than the strings once and a half: copied, they were
	// allocated twice, beside the records and the index.
	testenv.CheckBudgetOf(t, "Write", testenv.TimeBudget, n*size*3/2, func() {
		if err := mst.Write(io.Discard, c, si); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkWriteAddedRows writes the transform from the sample to a copy
// of it in memory with 100,000 Registry rows added (rewrite
// --as-transform's case: the strings are the rewritten database's added
// ones): the bytes written per second.
func BenchmarkWriteAddedRows(b *testing.B) {
	old, new := registryAdded(b, 100000, 100)
	c, err := mst.Diff(old, new)
	if err != nil {
		b.Fatal(err)
	}
	var n countWriter
	if err := mst.Write(&n, c, nil); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := mst.Write(io.Discard, c, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// countWriter counts the bytes written to it.
type countWriter int64

func (w *countWriter) Write(p []byte) (int, error) {
	*w += countWriter(len(p))
	return len(p), nil
}
