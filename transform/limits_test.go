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
