package mst_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// duplicateRows opens testdata/crafted/valid/msi-duplicate-rows.msi, whose
// Shortcut table holds the row AppStartMenu 801 times (and Component,
// File and FeatureComponents repeat keys too).
func duplicateRows(t *testing.T) *msi.Database {
	t.Helper()
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-duplicate-rows.msi"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// diffTransform diffs old and new and returns the changes and the
// transform written from them.
func diffTransform(t *testing.T, old, new *msi.Database) (*mst.Changes, []byte) {
	t.Helper()
	c, err := mst.Diff(old, new)
	if err != nil {
		t.Fatal(err)
	}
	si, err := mst.NewSummary(old, new, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := mst.Write(&buf, c, si); err != nil {
		t.Fatal(err)
	}
	return c, buf.Bytes()
}

// diffApply diffs old and new, writes the transform, applies it to a fresh
// copy of old (opened by reopen) and returns the changes and the result.
func diffApply(t *testing.T, old, new *msi.Database, reopen func() *msi.Database) (*mst.Changes, *msi.Database) {
	t.Helper()
	c, b := diffTransform(t, old, new)
	tr, err := mst.New(openBytes(t, b))
	if err != nil {
		t.Fatal(err)
	}
	target := reopen()
	if _, err := mst.Apply(target, tr, nil); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return c, target
}

// Deleting a key that 801 rows share is one delete record, which removes
// them all: Diff wrote one per row, and applying the second failed with
// "the transform deletes a row the table does not have".
func TestDiffDeletesRepeatedKeyOnce(t *testing.T) {
	old, new := duplicateRows(t), duplicateRows(t)
	sc, err := new.Table("Shortcut")
	if err != nil {
		t.Fatal(err)
	}
	if n := sc.DeleteFunc(func(r msi.Row) bool { return r.Get("Shortcut").Str() == "AppStartMenu" }); n != 801 {
		t.Fatalf("deleted %d rows, want 801", n)
	}
	c, applied := diffApply(t, old, new, func() *msi.Database { return duplicateRows(t) })
	if d := cmp.Diff([]string{"Shortcut delete [AppStartMenu]"}, tableChanges(c)); d != "" {
		t.Errorf("records (-want +got):\n%s", d)
	}
	if len(c.Unexpressible) != 0 {
		t.Errorf("unexpressible: %v", c.Unexpressible)
	}
	left, err := mst.Diff(applied, new)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string(nil), tableChanges(left)); d != "" {
		t.Errorf("the applied package differs from the new one (-want +got):\n%s", d)
	}
}

// Changing the rows of a repeated key is one update of its first row, and
// what a transform cannot say (the other 800 rows stay) is listed, not
// written as 801 updates of the same row.
func TestDiffNotesRepeatedKeys(t *testing.T) {
	old, new := duplicateRows(t), duplicateRows(t)
	sc, err := new.Table("Shortcut")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := sc.Lookup(msi.StrValue("AppStartMenu"))
	vals := first.Values()
	sc.DeleteFunc(func(r msi.Row) bool { return r.Get("Shortcut").Str() == "AppStartMenu" })
	target := sc.Columns()
	for i, col := range target {
		if col.Name == "Name" {
			vals[i] = msi.StrValue("Renamed")
		}
	}
	if err := sc.Insert(vals...); err != nil {
		t.Fatal(err)
	}
	c, _ := diffApply(t, old, new, func() *msi.Database { return duplicateRows(t) })
	var got []string
	for _, r := range tableChanges(c) {
		if strings.HasPrefix(r, "Shortcut ") {
			got = append(got, r)
		}
	}
	if d := cmp.Diff([]string{"Shortcut update [AppStartMenu Renamed]"}, got); d != "" {
		t.Errorf("Shortcut records (-want +got):\n%s", d)
	}
	var notes []string
	for _, d := range c.Unexpressible {
		notes = append(notes, d.String())
	}
	want := []string{`table Shortcut: "800 rows repeating the key of an earlier row" -> "0 rows repeating the key of an earlier row": ` +
		"a transform names rows by their key: it adds, changes or removes the first row of a key only " +
		"(the changes of 0 new rows that repeat a key are not written; 800 old rows that repeat a key the new package keeps stay)"}
	if d := cmp.Diff(want, notes); d != "" {
		t.Errorf("unexpressible (-want +got):\n%s", d)
	}
}

// Adding a key that 801 rows share is one insert: Diff wrote one per row,
// and applying the second failed with "the transform adds a row the table
// has". The inserts are told apart by new's index when they are many of
// its rows, by their keys when few (pad distinct rows in both packages).
func TestDiffInsertsRepeatedKeyOnce(t *testing.T) {
	for _, pad := range []int{0, 10000} {
		t.Run(fmt.Sprintf("pad%d", pad), func(t *testing.T) {
			padded := func(db *msi.Database) *msi.Database {
				sc, err := db.Table("Shortcut")
				if err != nil {
					t.Fatal(err)
				}
				first, _ := sc.Lookup(msi.StrValue("AppStartMenu"))
				for i := range pad {
					vals := first.Values()
					vals[0] = msi.StrValue(fmt.Sprintf("Pad%05d", i))
					if err := sc.Insert(vals...); err != nil {
						t.Fatal(err)
					}
				}
				return db
			}
			without := func() *msi.Database {
				db := padded(duplicateRows(t))
				sc, _ := db.Table("Shortcut")
				sc.DeleteFunc(func(r msi.Row) bool { return r.Get("Shortcut").Str() == "AppStartMenu" })
				return db
			}
			old, new := without(), padded(duplicateRows(t))
			c, _ := diffApply(t, old, new, without)
			var got []string
			for _, r := range tableChanges(c) {
				if strings.HasPrefix(r, "Shortcut ") {
					got = append(got, strings.Fields(r)[1]+" "+strings.Fields(r)[2])
				}
			}
			if d := cmp.Diff([]string{"insert [AppStartMenu"}, got); d != "" {
				t.Errorf("Shortcut records (-want +got):\n%s", d)
			}
			var notes []string
			for _, d := range c.Unexpressible {
				notes = append(notes, d.Name+": "+d.New)
			}
			if d := cmp.Diff([]string{"Shortcut: 800 rows repeating the key of an earlier row"}, notes); d != "" {
				t.Errorf("unexpressible (-want +got):\n%s", d)
			}
		})
	}
}

// A created table's rows are inserted once a key too.
func TestDiffCreatedTableRepeatedKeys(t *testing.T) {
	without := func() *msi.Database {
		db := duplicateRows(t)
		if err := db.DropTable("Shortcut"); err != nil {
			t.Fatal(err)
		}
		return db
	}
	c, applied := diffApply(t, without(), duplicateRows(t), without)
	n := 0
	for _, r := range tableChanges(c) {
		if strings.HasPrefix(r, "Shortcut insert [AppStartMenu ") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d inserts of AppStartMenu, want 1", n)
	}
	sc, err := applied.Table("Shortcut")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Len() != 2 {
		t.Errorf("the applied Shortcut table has %d rows, want 2 (one a key)", sc.Len())
	}
	if len(c.Unexpressible) != 1 || c.Unexpressible[0].Name != "Shortcut" {
		t.Errorf("unexpressible: %v", c.Unexpressible)
	}
}

// Binary cells whose stream no package can have (20,000 rows keyed by a
// 64,000-byte text: no stream name is that long) are alike in both
// packages: Diff failed on the first with "no stream", and building each
// row's value built its 64 KB stream name (1.3 GB at this size, 6.4 GB
// for the scaled fixture's 100,000 rows, 60 s).
func TestDiffBinaryCellsWithoutStreams(t *testing.T) {
	path := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-binary-rows-long-key.msi")
	open := func() *msi.Database {
		db, err := msi.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	old, new := open(), open()
	prop, err := new.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	if err := prop.Insert(msi.StrValue("ADDED"), msi.StrValue("1")); err != nil {
		t.Fatal(err)
	}
	var c *mst.Changes
	testenv.CheckBudget(t, "Diff", func() {
		if c, err = mst.Diff(old, new); err != nil {
			t.Fatalf("Diff: %v", err)
		}
	})
	if d := cmp.Diff([]string{"Property insert [ADDED 1]"}, tableChanges(c)); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
}
