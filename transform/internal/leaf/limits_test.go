package leaf

import (
	"fmt"
	"github.com/google/go-cmp/cmp"
	"github.com/msikit/msikit/transform/internal/edit"
	"strings"
	"testing"
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
