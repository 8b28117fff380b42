package transform

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// A FileTypeMask of more patterns than the standard column holds keeps its
// class advertised (or, with DropUnexpressible, loses its FileType values),
// so that one shared string cannot make the pass write millions of rows.
func TestPlanFileTypeMaskLimit(t *testing.T) {
	masks := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("0,2,FFFF,%04X", i)
		}
		return strings.Join(parts, ";")
	}
	fileTypes := func(plan *classRegPlan) int {
		n := 0
		for _, kv := range crKVs(plan) {
			if strings.HasPrefix(kv.Key, `FileType\`) {
				n++
			}
		}
		return n
	}
	for _, tt := range []struct {
		name      string
		mask      string
		drop      bool
		wantTypes int
		converted bool
		note      string
	}{
		{"at the limit", masks(crMaxFileTypes), false, crMaxFileTypes, true, ""},
		{"stops at an empty pattern", masks(3) + ";;" + masks(500), false, 3, true, ""},
		{"over the limit", masks(crMaxFileTypes + 1), false, 0, false, "left advertised (registration group cannot be expressed faithfully): FileTypeMask has 129 patterns"},
		{"over the limit, dropped", masks(32000), true, 0, true, "dropped the FileType values: FileTypeMask has 32000 patterns"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := crOddBase()
			in.Classes[0].FileTypeMask = tt.mask
			plan := planClassRegistry(in, ClassToRegistryOptions{DropUnexpressible: tt.drop})
			if got := fileTypes(plan); got != tt.wantTypes {
				t.Errorf("%d FileType rows, want %d", got, tt.wantTypes)
			}
			converted := len(plan.Remove) > 0
			if converted != tt.converted {
				t.Errorf("converted = %v, want %v (removed %v)", converted, tt.converted, crRemovedKeys(plan))
			}
			if tt.note != "" && !crHasNote(plan, Warning, crTblClass, tt.note) {
				t.Errorf("no warning %q in %+v", tt.note, plan.Notes)
			}
		})
	}
}

// Planning stops at MaxChanges (rows) and at MaxChanges × 512 bytes of
// added row text, however the input repeats itself.
func TestPlanMaxChanges(t *testing.T) {
	in := crHostile(2000)
	if plan := planClassRegistry(in, ClassToRegistryOptions{DropUnexpressible: true}); plan.over != "" {
		t.Fatalf("default limit hit by %d-row tables: %s", 2000, plan.over)
	}
	plan := planClassRegistry(in, ClassToRegistryOptions{DropUnexpressible: true, MaxChanges: 100})
	if !strings.Contains(plan.over, "more than 100 row changes") || len(plan.Add)+len(plan.Remove) > 100 {
		t.Errorf("over = %q with %d adds and %d removes, want a stop at 100", plan.over, len(plan.Add), len(plan.Remove))
	}
	// One 100 KiB description shared by every class: the text bound.
	in = crHostile(200)
	long := strings.Repeat("d", 100<<10)
	for i := range in.Classes {
		in.Classes[i].Description = long
		in.Classes[i].CLSID = fmt.Sprintf("{AAAAAAAA-0000-0000-0000-%012d}", i)
		in.Classes[i].ref.Key[0] = in.Classes[i].CLSID
	}
	plan = planClassRegistry(in, ClassToRegistryOptions{DropUnexpressible: true, MaxChanges: 100})
	if !strings.Contains(plan.over, "bytes of Registry row text") {
		t.Errorf("over = %q, want the text bound", plan.over)
	}
}

func openSampleDB(t *testing.T) *msi.Database {
	t.Helper()
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A pass stopped by MaxChanges returns ErrTooManyChanges and changes
// nothing.
func TestPassesMaxChanges(t *testing.T) {
	for _, tt := range []struct {
		name string
		run  func(db *msi.Database) (*Report, error)
	}{
		{"class-to-registry", func(db *msi.Database) (*Report, error) {
			return ClassToRegistry(db, ClassToRegistryOptions{MaxChanges: 3})
		}},
		{"leaf-features", func(db *msi.Database) (*Report, error) {
			return SplitAdvertised(db, SplitAdvertisedOptions{MaxChanges: 1})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := openSampleDB(t)
			rep, err := tt.run(db)
			if !errors.Is(err, ErrTooManyChanges) || rep != nil {
				t.Fatalf("got %v, %v; want ErrTooManyChanges and no report", rep, err)
			}
			if db.Modified() {
				t.Error("the database changed")
			}
			for _, name := range db.TableNames() {
				if tab, err := db.Table(name); err == nil && tab.Modified() {
					t.Errorf("table %s changed", name)
				}
			}
		})
	}
}

// A feature with more Condition rows than the pass copies into each leaf
// keeps its entry points; at the limit every leaf gets all of them.
func TestPlanLeavesConditionLimit(t *testing.T) {
	for _, n := range []int{maxLeafConditions, maxLeafConditions + 1} {
		in := leafBaseInput()
		for i := 0; i < n; i++ {
			in.Conditions = append(in.Conditions, leafCondition{"Core", int32(i + 1), "X"})
		}
		rep := &Report{}
		plan := planLeaves(in, leafOptions{}, rep)
		if n <= maxLeafConditions {
			if len(plan.Features) == 0 || len(plan.Conditions) != n*len(plan.Features) {
				t.Errorf("%d conditions: %d leaves, %d copied conditions", n, len(plan.Features), len(plan.Conditions))
			}
			continue
		}
		if len(plan.Features) != 0 {
			t.Errorf("%d conditions: %d leaves made", n, len(plan.Features))
		}
		want := fmt.Sprintf(`feature "Core" has %d Condition rows, which every leaf under it would copy; the pass copies at most %d; left alone`, n, maxLeafConditions)
		found := false
		for _, r := range leafNoteReasons(rep) {
			found = found || strings.HasSuffix(r, want)
		}
		if !found {
			t.Errorf("no note %q in %q", want, leafNoteReasons(rep))
		}
	}
}

// A component shared by many features gets a short note per leaf.
func TestOtherFeaturesShort(t *testing.T) {
	var feats []string
	for i := 0; i < 20; i++ {
		feats = append(feats, fmt.Sprintf("F%02d", i))
	}
	got := otherFeatures(feats, "F03")
	want := "F00, F01, F02, F04, F05, F06, F07, F08, and 11 more"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("otherFeatures (-want +got):\n%s", diff)
	}
	if got := otherFeatures([]string{"A", "B"}, "A"); got != "B" {
		t.Errorf("otherFeatures = %q, want B", got)
	}
}
