package validate

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestIdenticalRowsBuiltOnce: rows repeating one row (here alternating
// between two pool strings holding the same 24 KiB text, which no
// comparison of string ids would take for the same) have their findings
// counted again, not built, formatted and hashed once per row: what ICE03
// builds does not grow with the rows.
func TestIdenticalRowsBuiltOnce(t *testing.T) {
	db := openCrafted(t, "msi-duplicate-long-keys.msi")
	tab, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len() < 10000 {
		t.Fatalf("Property: %d rows, want the crafted package's 12,000", tab.Len())
	}
	c := newChecker(context.Background(), db, kindOf(db), 0)
	var fs []Finding
	c.yield = func(f Finding) bool { fs = append(fs, f); return true }
	for i := range registry {
		if registry[i].ICE == "ICE03" {
			c.start(&registry[i])
			registry[i].run(c)
			c.flush()
		}
	}
	if c.err != nil {
		t.Fatal(c.err)
	}
	total := 0
	for _, f := range fs {
		total += 1 + f.Duplicates
	}
	if total < tab.Len() {
		t.Fatalf("ICE03: %d findings, want one a row at least", total)
	}
	if c.built > 1000 {
		t.Errorf("ICE03 built %d findings for %d, want the rows repeating one row counted without building theirs", c.built, total)
	}
}

// TestReplayedRowsSame: the findings of rows counted by replaying the row
// before them are those a check of each row gives, with the findings
// bounded or not, and spilled to a file or not.
func TestReplayedRowsSame(t *testing.T) {
	for _, name := range []string{"msi-duplicate-long-keys.msi", "msi-duplicate-rows.msi"} {
		db := openCrafted(t, name)
		for _, max := range []int{-1, 2} {
			for _, spill := range []int{spillBytes, 2 << 10} { // 2 KiB: a run every few findings
				opts := &Options{MaxFindings: max, Rules: []string{"ICE03"}} // the rule that replays
				old := spillBytes
				spillBytes = spill
				got, err := Validate(db, opts)
				if err != nil {
					t.Fatal(err)
				}
				replayRows = false
				want, err := Validate(db, opts)
				replayRows, spillBytes = true, old
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s, max %d, spill %d: (-each row checked +replayed):\n%s", name, max, spill, diff)
				}
			}
		}
	}
}
