package mst_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// sharedPackage returns the sample with rows whose cells share long
// pooled strings, in the shapes of the scaled fixtures rewrite
// --as-transform refused with ErrLimit: a table of n rows of 15 string
// cells all one pooled 64 KiB text (msi-wide-rows-shared-64k), n
// Registry rows whose Value is one pooled 64 KiB formatted text
// (msi-registry-shared-formatted), and n Property rows whose values are
// one of four pooled 20-70 KiB texts (msi-shared-64k-everywhere,
// msi-shared-long-strings).
func sharedPackage(t testing.TB, n int) []byte {
	t.Helper()
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cols := []msi.Column{{Name: "Id", Type: msi.ColInt32, Size: 4, Key: true}}
	for c := range 15 {
		cols = append(cols, msi.Column{Name: fmt.Sprintf("C%d", c), Type: msi.ColString, Nullable: true})
	}
	wide, err := db.CreateTable("Wide", cols)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := db.Table("Registry")
	if err != nil {
		t.Fatal(err)
	}
	prop, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	// Each long text is inserted as a plain string once, then as the
	// pooled value read back (the fixtures' builders do the same).
	pooled := func(tab *msi.Table, col int, s string, have *msi.Value) msi.Value {
		if have.Kind() == msi.KindString {
			return *have
		}
		return msi.StrValue(s)
	}
	remember := func(tab *msi.Table, col int, have *msi.Value) {
		if have.Kind() != msi.KindString {
			*have = tab.Row(tab.Len() - 1).At(col)
		}
	}
	wideText := strings.Repeat("w", 64<<10)
	formatted := strings.Repeat("[$ComServer][~]", 64<<10/len("[$ComServer][~]"))
	bigs := []string{strings.Repeat("[A]", 20000), strings.Repeat("[%X]", 16000), strings.Repeat("a;", 30000), strings.Repeat("[\\[]", 12000)}
	var wideV, regV msi.Value
	propV := make([]msi.Value, len(bigs))
	vals := make([]msi.Value, 16)
	for i := range n {
		vals[0] = msi.IntValue(int32(i))
		for c := 1; c < 16; c++ {
			vals[c] = pooled(wide, 1, wideText, &wideV)
		}
		if err := wide.Insert(vals...); err != nil {
			t.Fatal(err)
		}
		remember(wide, 1, &wideV)
		if err := reg.Insert(msi.StrValue(fmt.Sprintf("shared%d", i)), msi.IntValue(2), msi.StrValue("k"), msi.Null, pooled(reg, 4, formatted, &regV), msi.StrValue("App")); err != nil {
			t.Fatal(err)
		}
		remember(reg, 4, &regV)
		b := i % len(bigs)
		if err := prop.Insert(msi.StrValue(fmt.Sprintf("P%d", i)), pooled(prop, 1, bigs[b], &propV[b])); err != nil {
			t.Fatal(err)
		}
		remember(prop, 1, &propV[b])
	}
	var buf bytes.Buffer
	if _, err := db.Write(&buf, &msi.WriteOptions{KeepPackageCode: true}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// editShared makes in db (a sharedPackage) the kind of changes a rewrite
// pass makes: an update of one cell to another long text, rows inserted
// that name the shared texts, a row deleted.
func editShared(t testing.TB, db *msi.Database, inserts int) {
	t.Helper()
	wide, err := db.Table("Wide")
	if err != nil {
		t.Fatal(err)
	}
	shared := wide.Row(0).At(1)
	if err := wide.Update([]msi.Value{msi.IntValue(3)}, func(v []msi.Value) error {
		v[2] = msi.StrValue(strings.Repeat("x", 64<<10))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	reg, err := db.Table("Registry")
	if err != nil {
		t.Fatal(err)
	}
	for i := range inserts {
		if err := reg.Insert(msi.StrValue(fmt.Sprintf("new%d", i)), msi.IntValue(2), msi.StrValue("k"), msi.Null, shared, msi.StrValue("App")); err != nil {
			t.Fatal(err)
		}
	}
	prop, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	if n := prop.DeleteFunc(func(r msi.Row) bool { return r.At(0).Str() == "P1" }); n != 1 {
		t.Fatalf("%d rows deleted, want 1", n)
	}
}

// tableChanges lists the changes of c as text, a long value clipped to
// its length (for cmp.Diff).
func tableChanges(c *mst.Changes) []string {
	var out []string
	for _, tc := range c.Tables {
		for r := range tc.Records() {
			var vals []string
			for i, v := range r.Values {
				if !r.Present(i) {
					continue
				}
				s := v.String()
				if len(s) > 64 {
					s = fmt.Sprintf("%.8s…(%d bytes)", s, len(s))
				}
				vals = append(vals, s)
			}
			out = append(out, fmt.Sprintf("%s %v %v", tc.Name, r.Op, vals))
		}
	}
	return out
}

// Rows sharing long pooled strings are compared, written as a transform,
// read back, shown and applied within the budgets: Diff counted 64 KiB
// for each cell naming a 64 KiB string, each time, and refused 300 rows
// of 15 such cells (1.9 MB a row) with ErrLimit, where rewrite wrote
// the package. The transform applied to the old package gives the new
// one's tables.
func TestSharedLongStringsTransform(t *testing.T) {
	const n, inserts = 300, 2000
	data := sharedPackage(t, n)
	old := openBytes(t, data)
	new := openBytes(t, data)
	editShared(t, new, inserts)
	var c *mst.Changes
	testenv.CheckBudget(t, "Diff", func() {
		var err error
		if c, err = mst.Diff(old, new); err != nil {
			t.Fatal(err)
		}
	})
	got := tableChanges(c)
	want := []string{"Property delete [P1]"}
	want = append(want, fmt.Sprintf("Wide update [3 %s…(%d bytes)]", strings.Repeat("x", 8), 64<<10))
	var regs []string
	for i := range inserts {
		regs = append(regs, fmt.Sprintf("Registry insert [new%d 2 k  wwwwwwww…(65536 bytes) App]", i))
	}
	// Registry's inserts come in key order.
	if diff := cmp.Diff(want, filterOut(got, "Registry ")); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sortedCopy(regs), sortedCopy(keep(got, "Registry "))); diff != "" {
		t.Errorf("Registry changes (-want +got):\n%.2000s", diff)
	}

	path := filepath.Join(t.TempDir(), "shared.mst")
	si, err := mst.NewSummary(old, new, nil)
	if err != nil {
		t.Fatal(err)
	}
	testenv.CheckBudget(t, "Save (with its read-back)", func() {
		if err := mst.Save(path, c, si, &mst.SaveOptions{Base: old}); err != nil {
			t.Fatal(err)
		}
	})
	tr, err := mst.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var back *mst.Changes
	testenv.CheckBudget(t, "Decode", func() {
		if back, err = tr.Decode(old); err != nil {
			t.Fatal(err)
		}
	})
	if diff := cmp.Diff(sortedCopy(got), sortedCopy(tableChanges(back))); diff != "" {
		t.Errorf("decoded changes (-Diff +Decode):\n%.2000s", diff)
	}
	testenv.CheckBudget(t, "WriteText", func() {
		if err := mst.WriteText(io.Discard, old, back); err != nil {
			t.Fatal(err)
		}
	})
	var applied *msi.Database
	testenv.CheckBudget(t, "Apply", func() {
		applied = openBytes(t, data)
		if _, err := mst.Apply(applied, tr, &mst.ApplyOptions{Skip: mst.AllChecks}); err != nil {
			t.Fatal(err)
		}
	})
	left, err := mst.Diff(applied, new)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string(nil), tableChanges(left)); diff != "" {
		t.Errorf("the applied package differs from the new one (-want +got):\n%.2000s", diff)
	}
}

// keyedByOneText returns the sample with a table Keyed of n rows keyed by
// one pooled text of size bytes and a number (0..n-1), whose Value column
// is "v" plus the number, or "w" plus it for the rows in changed.
func keyedByOneText(t *testing.T, n, size int, changed map[int]bool) []byte {
	t.Helper()
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := db.CreateTable("Keyed", []msi.Column{
		{Name: "A", Type: msi.ColString, Size: 0, Key: true},
		{Name: "B", Type: msi.ColInt32, Size: 4, Key: true},
		{Name: "Value", Type: msi.ColString, Size: 0, Nullable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	v := msi.StrValue(strings.Repeat("k", size))
	for i := range n {
		val := fmt.Sprintf("v%d", i)
		if changed[i] {
			val = fmt.Sprintf("w%d", i)
		}
		if err := tab.Insert(v, msi.IntValue(int32(i)), msi.StrValue(val)); err != nil {
			t.Fatal(err)
		}
		v = tab.Row(tab.Len() - 1).At(0) // the pooled text, not a new string
	}
	var buf bytes.Buffer
	if _, err := db.Write(&buf, &msi.WriteOptions{KeepPackageCode: true}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Rows keyed by one long pooled text are looked up in the other database
// by that text: msi hashes and compares it once per database (not once per
// row, which was 100 GB of hashing for 100,000 rows of a 1 MiB key), and
// Diff counts it so, where it used to refuse 20,000 rows of a 64 KiB key
// with ErrLimit (rewrite --as-transform of msi-duplicate-long-keys.msi).
func TestDiffRowsKeyedByOneLongText(t *testing.T) {
	const n = 100000
	changed := map[int]bool{7: true, 99998: true}
	old := openBytes(t, keyedByOneText(t, n, 1<<20, nil))
	new := openBytes(t, keyedByOneText(t, n, 1<<20, changed))
	var c *mst.Changes
	testenv.CheckBudgetOf(t, "Diff", 2*testenv.TimeBudget, testenv.HeapBudget, func() {
		var err error
		if c, err = mst.Diff(old, new); err != nil {
			t.Fatalf("Diff of %d rows keyed by one 1 MiB text: %v", n, err)
		}
	})
	want := []string{
		"Keyed update [kkkkkkkk…(1048576 bytes) 7 w7]",
		"Keyed update [kkkkkkkk…(1048576 bytes) 99998 w99998]",
	}
	if d := cmp.Diff(want, tableChanges(c)); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
}

// Across codepages a key's text is converted for every lookup, and Diff
// still counts that: rows keyed by one long text stay refused (after
// converting 64 KiB texts up to the budget: about 120 MB allocated, a
// text at a time).
func TestDiffLongKeysAcrossCodepagesStillCounted(t *testing.T) {
	b := keyedByOneText(t, 20000, 64<<10, nil)
	old, new := openBytes(t, b), openBytes(t, b)
	if err := new.SetCodepage(65001); err != nil {
		t.Fatal(err)
	}
	if old.Codepage() == new.Codepage() {
		t.Fatalf("both codepages are %d", old.Codepage())
	}
	testenv.CheckBudgetOf(t, "Diff", testenv.TimeBudget, 192<<20, func() {
		if _, err := mst.Diff(old, new); !errors.Is(err, mst.ErrLimit) {
			t.Errorf("Diff of 20,000 rows keyed by one 64 KiB text in two codepages: %v, want ErrLimit", err)
		}
	})
}

// A transform whose records name one long string 100,000 times, as a
// transform msikit writes for rows sharing a pooled string does, is
// written, decoded (each distinct string counted once), shown and
// applied within the budgets; so is one whose records name 500 distinct
// long strings 200 times each.
func TestDecodeManyReferencesToOneString(t *testing.T) {
	for _, tc := range []struct {
		name         string
		texts, bytes int
	}{
		{"one 64 KiB string", 1, 64 << 10},
		{"500 strings of 8 KiB", 500, 8 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manyReferences(t, tc.texts, tc.bytes)
		})
	}
}

func manyReferences(t *testing.T, texts, size int) {
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var buf bytes.Buffer
	if _, err := db.Write(&buf, &msi.WriteOptions{KeepPackageCode: true}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	old, new := openBytes(t, data), openBytes(t, data)
	tab, err := new.CreateTable("Many", []msi.Column{
		{Name: "Id", Type: msi.ColInt32, Size: 4, Key: true},
		{Name: "Text", Type: msi.ColString, Nullable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	const rows = 100000
	pooled := make([]msi.Value, texts)
	for i := range pooled {
		pooled[i] = msi.StrValue(fmt.Sprintf("%06d", i) + strings.Repeat("t", size-6))
	}
	for i := range rows {
		j := i % texts
		if err := tab.Insert(msi.IntValue(int32(i)), pooled[j]); err != nil {
			t.Fatal(err)
		}
		pooled[j] = tab.Row(tab.Len() - 1).At(1)
	}
	var mstData bytes.Buffer
	testenv.CheckBudget(t, "Diff and Write", func() {
		c, err := mst.Diff(old, new)
		if err != nil {
			t.Fatal(err)
		}
		mstData.Reset()
		// Write adds each cell's string to the transform's pool: a long
		// one is hashed and compared once, not for each cell.
		if err := mst.Write(&mstData, c, nil); err != nil {
			t.Fatal(err)
		}
	})
	tdb := openBytes(t, mstData.Bytes())
	tr, err := mst.New(tdb)
	if err != nil {
		t.Fatal(err)
	}
	base := openBytes(t, data)
	var back *mst.Changes
	testenv.CheckBudget(t, "Decode", func() {
		if back, err = tr.Decode(base); err != nil {
			t.Fatal(err)
		}
	})
	if n := back.Tables[0].Len(); n != rows {
		t.Fatalf("%d records decoded, want %d", n, rows)
	}
	testenv.CheckBudget(t, "WriteText", func() {
		var n countingWriter
		if err := mst.WriteText(&n, base, back); err != nil {
			t.Fatal(err)
		}
		// Each long text whole 8 times, then clipped.
		if limit := texts*8*size + rows*200; int(n) > limit {
			t.Errorf("WriteText wrote %d bytes, want at most %d", n, limit)
		}
	})
	testenv.CheckBudget(t, "ApplyChanges", func() {
		base := openBytes(t, data)
		rep, err := mst.ApplyChanges(base, back, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Tables[0].Inserted; got != rows {
			t.Errorf("%d rows inserted, want %d", got, rows)
		}
	})
}

type countingWriter int

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}

func keep(ss []string, prefix string) []string {
	var out []string
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func filterOut(ss []string, prefix string) []string {
	var out []string
	for _, s := range ss {
		if !strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func sortedCopy(ss []string) []string {
	out := append([]string(nil), ss...)
	slices.Sort(out)
	return out
}

// A transform of changes to rows keyed by one long text, as Diff now
// writes one, is decoded and applied within the budgets too: a record's
// key is looked up by the identity of its string, hashed once (not
// 20,000 times 1 MiB).
func TestApplyRowsKeyedByOneLongText(t *testing.T) {
	const n = 20000
	changed := map[int]bool{}
	for i := range n {
		if i%2 == 0 {
			changed[i] = true
		}
	}
	oldB, newB := keyedByOneText(t, n, 1<<20, nil), keyedByOneText(t, n, 1<<20, changed)
	old, new := openBytes(t, oldB), openBytes(t, newB)
	_, mstBytes := diffTransform(t, old, new)
	target := openBytes(t, oldB)
	testenv.CheckBudget(t, "Decode and apply", func() {
		tr, err := mst.New(openBytes(t, mstBytes))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := mst.Apply(target, tr, nil)
		if err != nil {
			t.Fatalf("Apply of %d updates keyed by one 1 MiB text: %v", len(changed), err)
		}
		updated := 0
		for _, tr := range rep.Tables {
			updated += tr.Updated
		}
		if updated != len(changed) {
			t.Errorf("%d rows updated, want %d", updated, len(changed))
		}
	})
	left, err := mst.Diff(target, new)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string(nil), tableChanges(left)); d != "" {
		t.Errorf("the applied package differs from the new one (-want +got):\n%.2000s", d)
	}
}
