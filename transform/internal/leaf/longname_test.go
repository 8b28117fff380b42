package leaf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform/internal/edit"
)

// longComponentTexts returns distinct texts of size bytes each, differing
// only in their last characters (so that comparing two of them reads them
// whole).
func longComponentTexts(size, distinct int) []string {
	texts := make([]string, distinct)
	for j := range texts {
		tail := fmt.Sprintf("_%06d", j)
		texts[j] = strings.Repeat("C", size-len(tail)) + tail
	}
	return texts
}

// longComponentPackage returns testdata/sample.msi with n more features
// under Core, each holding ComServer and one component whose key is one
// of distinct texts of size bytes (the features take them in turn), and
// one Class row per feature naming the feature and its long component:
// n groups for leaf-features, each naming a long component. With n =
// 2,000 and one 1 MiB text the package is 1.28 MB; the pass made a leaf
// name, a seed and a reason out of the whole text for each group (2,000
// copies and FNV hashes of 1 MiB), and --dry-run printed the text in
// each FeatureComponents row (4 GB of output).
func longComponentPackage(t testing.TB, n, size, distinct int) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	texts := longComponentTexts(size, distinct)
	row := func(cols []msi.Column, vals map[string]msi.Value) []msi.Value {
		out := make([]msi.Value, len(cols))
		for j, c := range cols {
			if v, ok := vals[c.Name]; ok {
				out[j] = v
			} else if c.Type != msi.ColString {
				out[j] = msi.IntValue(0)
			}
		}
		return out
	}
	feature := func(i int) string { return fmt.Sprintf("Long%04d", i) }
	rebuildTable(t, db, "Component", "Component", func(cols []msi.Column) [][]msi.Value {
		var rows [][]msi.Value
		for j, text := range texts {
			rows = append(rows, row(cols, map[string]msi.Value{
				"Component":   msi.StrValue(text),
				"ComponentId": msi.StrValue(fmt.Sprintf("{10000000-0000-0000-0000-%012d}", j)),
				"Directory_":  msi.StrValue("BINDIR"),
			}))
		}
		return rows
	})
	rebuildTable(t, db, "Feature", "", func(cols []msi.Column) [][]msi.Value {
		var rows [][]msi.Value
		for i := range n {
			rows = append(rows, row(cols, map[string]msi.Value{
				"Feature":        msi.StrValue(feature(i)),
				"Feature_Parent": msi.StrValue("Core"),
				"Level":          msi.IntValue(1),
			}))
		}
		return rows
	})
	rebuildTable(t, db, "FeatureComponents", "Component_", func(cols []msi.Column) [][]msi.Value {
		var rows [][]msi.Value
		for i := range n {
			for _, c := range []string{texts[i%distinct], "ComServer"} {
				rows = append(rows, row(cols, map[string]msi.Value{
					"Feature_": msi.StrValue(feature(i)), "Component_": msi.StrValue(c),
				}))
			}
		}
		return rows
	})
	rebuildTable(t, db, "Class", "Component_", func(cols []msi.Column) [][]msi.Value {
		var rows [][]msi.Value
		for i := range n {
			rows = append(rows, row(cols, map[string]msi.Value{
				"CLSID":      msi.StrValue(fmt.Sprintf("{20000000-0000-0000-0000-%012d}", i)),
				"Context":    msi.StrValue("InprocServer32"),
				"Component_": msi.StrValue(texts[i%distinct]),
				"Feature_":   msi.StrValue(feature(i)),
			}))
		}
		return rows
	})
	var out bytes.Buffer
	if _, err := db.Write(&out, &msi.WriteOptions{Compact: true, DropSignature: true}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestWriteLongComponentPackages writes the packages of
// longComponentPackage to $MSIKIT_LEAFLONG_OUT, for measuring the CLI on
// them: 2,000 features naming one shared 1 MiB component (1.28 MB), the
// same with a 4 MiB component (4.5 MB), and 2,000 features naming 2,000
// distinct 2 KiB components (4.3 MB).
func TestWriteLongComponentPackages(t *testing.T) {
	dir := os.Getenv("MSIKIT_LEAFLONG_OUT")
	if dir == "" {
		t.Skip("MSIKIT_LEAFLONG_OUT not set")
	}
	for _, p := range []struct {
		name              string
		n, size, distinct int
	}{
		{"leaf-long-1m.msi", 2000, 1 << 20, 1},
		{"leaf-long-4m.msi", 2000, 4 << 20, 1},
		{"leaf-long-distinct.msi", 2000, 2 << 10, 2000},
	} {
		if err := os.WriteFile(filepath.Join(dir, p.name), longComponentPackage(t, p.n, p.size, p.distinct), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The pass on entry points naming long components costs what their
// number costs, not their number times the text's length: a leaf's name
// and reason take a bounded prefix of the text, and its digest is taken
// once per text.
func TestRunLongComponents(t *testing.T) {
	for _, c := range []struct {
		what              string
		n, size, distinct int
	}{
		{"2,000 features naming one 256 KiB component", 2000, 256 << 10, 1},
		{"400 features naming 400 distinct 8 KiB components", 400, 8 << 10, 400},
	} {
		data := longComponentPackage(t, c.n, c.size, c.distinct)
		open := func() *msi.Database {
			db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			return db
		}
		var log *edit.Log
		_, base := testenv.Measure(func() { open() })
		testenv.CheckBudgetOf(t, "leaf-features on "+c.what, testenv.TimeBudget, base+uint64(c.n)*perGroupAlloc+uint64(c.distinct*c.size), func() {
			var err error
			if log, err = Run(open(), Options{}); err != nil {
				t.Fatal(err)
			}
		})
		leaves := 0
		for _, ch := range log.Changes {
			if ch.Op == edit.Add && ch.Table == "Feature" && strings.HasPrefix(ch.New[1], "Long") {
				leaves++
			}
		}
		if leaves != c.n {
			t.Errorf("%s: %d leaves, want %d", c.what, leaves, c.n)
		}
	}
}

// perGroupAlloc is what TestRunLongComponents lets the pass allocate per
// group beyond opening the package and one copy of each long text (msi's
// string pool copies a text that a new row names, once). The pass
// allocated 1.9 MB a group on 256 KiB components and 64 KB on 8 KiB
// ones when it made each leaf's name out of the whole texts; it
// allocates 11 KB (most of it msi's inserts and updates) now.
const perGroupAlloc = 24 << 10

// A leaf's name keeps what it was for real names, and for a long one
// its first characters, an FNV of a digest of the whole text: equal
// texts in other bytes give the same name, texts that differ only past
// the prefix differ.
func TestFeatureNameLong(t *testing.T) {
	taken := map[string]bool{}
	for _, c := range [][2]string{{"Core", "ComServer"}, {"Core", strings.Repeat("C", 72)}, {strings.Repeat("P", 38), strings.Repeat("x-y", 300)}} {
		got := new(namer).featureName(c[0], c[1], maxFeatureKey, taken)
		want := edit.FitIdent(c[0]+"_"+c[1], maxFeatureKey, c[0]+"\x00"+c[1], taken)
		if got != want {
			t.Errorf("featureName(%.20q, %.20q) = %q, want %q as before", c[0], c[1], got, want)
		}
	}
	texts := longComponentTexts(1<<20, 2)
	var n namer
	a := n.featureName("Core", texts[0], maxFeatureKey, taken)
	again := n.featureName("Core", strings.Clone(texts[0]), maxFeatureKey, taken)
	b := n.featureName("Core", texts[1], maxFeatureKey, taken)
	prefix := edit.SanitizeIdent("Core_" + texts[0][:maxFeatureKey])[:maxFeatureKey-9] + "_"
	if !strings.HasPrefix(a, prefix) || len(a) != maxFeatureKey {
		t.Errorf("name %q, want %q and 8 hex digits", a, prefix)
	}
	if a != again || a == b {
		t.Errorf("names %q, %q (same text in other bytes), %q (another text): want the first two equal, the third different", a, again, b)
	}
}

// rebuildTable recreates table in db with column (if any) unlimited in
// size, its rows kept and the rows more returns (given the columns)
// appended.
func rebuildTable(t testing.TB, db *msi.Database, table, column string, more func(cols []msi.Column) [][]msi.Value) {
	t.Helper()
	old, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	cols := old.Columns()
	var rows [][]msi.Value
	for r := range old.Rows() {
		rows = append(rows, r.Values())
	}
	for i := range cols {
		if cols[i].Name == column {
			cols[i].Size = 0
		}
	}
	rows = append(rows, more(cols)...)
	if err := db.DropTable(table); err != nil {
		t.Fatal(err)
	}
	tab, err := db.CreateTable(table, cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := tab.Insert(r...); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
	}
}
