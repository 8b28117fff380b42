package mst_test

import (
	"io"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// TestDiffAllocationPerRow: Diff and Write keep a record as a reference
// to its row, not as a copy of its values, so a transform that creates
// a table of many rows costs a few bytes per row. A package under 5 MB
// holds a table of 1.2 million integer rows: with copies (629 bytes a
// row allocated here), msikit diff -o of it took 434 MB.
func TestDiffAllocationPerRow(t *testing.T) {
	const rows = 200000
	old, new := openSample(), openSample()
	big, err := new.CreateTable("Big", []msi.Column{{Name: "Id", Type: msi.ColInt32, Key: true}, {Name: "Value", Type: msi.ColInt16, Nullable: true}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if err := big.Insert(msi.IntValue(int32(i)), msi.IntValue(int32(i%1000))); err != nil {
			t.Fatal(err)
		}
	}
	var c *mst.Changes
	_, alloc := testenv.Measure(func() {
		c, err = mst.Diff(old, new)
		if err == nil {
			err = mst.Write(io.Discard, c, nil)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if tc := c.Table("Big"); tc == nil || tc.Len() != rows {
		t.Fatalf("Big: %v records, want %d", tc, rows)
	}
	if perRow := alloc / rows; perRow > 64 {
		t.Errorf("Diff and Write allocated %d bytes, %d a row of the created table; want at most 64", alloc, perRow)
	}
	t.Logf("%d bytes allocated, %d a row", alloc, alloc/rows)
}
