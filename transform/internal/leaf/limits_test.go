package leaf

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/transform/internal/edit"
)

// A feature with more Condition rows than the pass copies into each leaf
// keeps its entry points; at the limit every leaf gets all of them.
func TestPlanLeavesConditionLimit(t *testing.T) {
	for _, n := range []int{maxLeafConditions, maxLeafConditions + 1} {
		in := baseInput()
		for i := 0; i < n; i++ {
			in.Conditions = append(in.Conditions, Condition{"Core", int32(i + 1), "X"})
		}
		rep := &edit.Log{}
		plan := makePlan(in, Options{}, rep)
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
		for _, r := range noteReasons(rep) {
			found = found || strings.HasSuffix(r, want)
		}
		if !found {
			t.Errorf("no note %q in %q", want, noteReasons(rep))
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

// otherFeatures lists what a scan of the whole list would, for f absent,
// first, last, repeated, and lists with repeats of others and of every
// length around maxListed.
func TestOtherFeaturesAgreesWithScan(t *testing.T) {
	scan := func(sorted []string, f string) string {
		var out []string
		n := 0
		for _, g := range sorted {
			if g == f {
				continue
			}
			if n < maxListed {
				out = append(out, g)
			}
			n++
		}
		if n > maxListed {
			out = append(out, fmt.Sprintf("and %d more", n-maxListed))
		}
		return strings.Join(out, ", ")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for try := 0; try < 2000; try++ {
		sorted := make([]string, r.IntN(2*maxListed+4))
		for i := range sorted {
			sorted[i] = fmt.Sprintf("F%d", r.IntN(12))
		}
		sort.Strings(sorted)
		f := fmt.Sprintf("F%d", r.IntN(14)) // F12 and F13 are never in the list
		if got, want := otherFeatures(sorted, f), scan(sorted, f); got != want {
			t.Fatalf("otherFeatures(%q, %q) = %q, want %q", sorted, f, got, want)
		}
	}
}

// A component in every one of 20,000 features gets a note per leaf that
// costs the same whatever the number of features: a scan of the list per
// leaf was quadratic (400 million comparisons here, seconds).
func TestOtherFeaturesManyShared(t *testing.T) {
	const n = 20000
	sorted := make([]string, n)
	for i := range sorted {
		sorted[i] = fmt.Sprintf("F%06d", i)
	}
	total := 0
	testenv.CheckBudget(t, "otherFeatures for each of 20,000 features", func() {
		for _, f := range sorted {
			total += len(otherFeatures(sorted, f))
		}
	})
	if want := otherFeatures(sorted, "F000003"); want != "F000000, F000001, F000002, F000004, F000005, F000006, F000007, F000008, and 19991 more" {
		t.Errorf("note: %q", want)
	}
}
