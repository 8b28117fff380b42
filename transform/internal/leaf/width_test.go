package leaf

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/msikit/msikit/msi"
)

// TestFitIdent checks generated identifiers against the column width:
// always a valid Identifier of at most width characters, free in taken,
// deterministic.
func TestFitIdent(t *testing.T) {
	long := strings.Repeat("Feature", 10) + "_" + strings.Repeat("Comp", 20)
	for _, width := range []int{72, 38, 32, 12, 10, 9, 5, 2} {
		taken := map[string]bool{}
		n := 20
		if width == 2 {
			n = 16 // "_" and one hex digit: 16 names in all
		}
		for i := 0; i < n; i++ {
			name := edit.FitIdent(long, width, "seed", taken)
			if name == "" || len(name) > width || !reIdentTest.MatchString(name) || taken[strings.ToLower(name)] {
				t.Fatalf("width %d, attempt %d: %q (taken %v)", width, i, name, taken[strings.ToLower(name)])
			}
			if again := edit.FitIdent(long, width, "seed", taken); again != name {
				t.Errorf("width %d: not deterministic: %q then %q", width, name, again)
			}
			taken[strings.ToLower(name)] = true
		}
	}
	if got := edit.FitIdent("9 bad-name", 38, "s", map[string]bool{}); got != "__bad_name" {
		t.Errorf("sanitized %q", got)
	}
	if got := edit.FitIdent("toolong", 1, "s", map[string]bool{}); got != "" {
		t.Errorf("width 1: %q, want \"\"", got)
	}
}

// TestLeafNarrowFeatureColumn runs the leaf pass on a package whose
// Feature key column is declared 32 wide (as a real package does) with a
// parent feature name that leaves no room for "<parent>_<component>": the
// leaves must fit 32 characters, stay valid and unique, and the pass must
// not fail.
func TestLeafNarrowFeatureColumn(t *testing.T) {
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	narrowFeatureTable(t, db, 32)
	if w := edit.IdentWidth(db, maxFeatureKey, "Feature.Feature"); w != 32 {
		t.Fatalf("identWidth = %d, want 32", w)
	}
	// A 31-character parent: every "<parent>_<component>" is too long.
	renameFeature(t, db, "Core", "CoreFeatureWithAVeryLongName_31")
	rep, err := Run(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	leaves := 0
	seen := map[string]bool{}
	for _, c := range rep.Changes {
		if c.Op != edit.Add || c.Table != "Feature" {
			continue
		}
		leaves++
		name := c.Key[0]
		if len(name) > 32 || !reIdentTest.MatchString(name) || seen[strings.ToLower(name)] {
			t.Errorf("leaf %q: longer than 32, invalid or repeated", name)
		}
		seen[strings.ToLower(name)] = true
	}
	if leaves == 0 {
		t.Fatal("no leaf was made")
	}
}

// narrowFeatureTable recreates the Feature table with its key and parent
// columns declared width characters wide, keeping its rows.
func narrowFeatureTable(t *testing.T, db *msi.Database, width int) {
	t.Helper()
	ft, err := db.Table("Feature")
	if err != nil {
		t.Fatal(err)
	}
	cols := ft.Columns()
	var rows [][]msi.Value
	for r := range ft.Rows() {
		rows = append(rows, r.Values())
	}
	for i := range cols {
		if cols[i].Name == "Feature" || cols[i].Name == "Feature_Parent" {
			cols[i].Size = width
		}
	}
	if err := db.DropTable("Feature"); err != nil {
		t.Fatal(err)
	}
	nt, err := db.CreateTable("Feature", cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := nt.Insert(r...); err != nil {
			t.Fatal(err)
		}
	}
}

// renameFeature renames a feature in every column that names features.
func renameFeature(t *testing.T, db *msi.Database, from, to string) {
	t.Helper()
	for _, tc := range []struct{ table, column string }{
		{"Feature", "Feature"}, {"Feature", "Feature_Parent"}, {"FeatureComponents", "Feature_"},
		{"Condition", "Feature_"}, {"Class", "Feature_"}, {"Extension", "Feature_"}, {"TypeLib", "Feature_"},
		{"PublishComponent", "Feature_"}, {"MsiAssembly", "Feature_"}, {"Shortcut", "Target"},
	} {
		if !slices.Contains(db.TableNames(), tc.table) {
			continue
		}
		tb, err := db.Table(tc.table)
		if err != nil {
			t.Fatal(err)
		}
		col, ok := tb.Column(tc.column)
		if !ok {
			continue
		}
		var keys [][]msi.Value
		for r := range tb.Rows() {
			if r.Get(tc.column).Str() == from {
				keys = append(keys, r.Key())
			}
		}
		for _, k := range keys {
			if err := tb.Update(k, func(v []msi.Value) error { v[col.Number-1] = msi.StrValue(to); return nil }); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// reIdentTest is the Identifier data type, as the tests check it.
var reIdentTest = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)
