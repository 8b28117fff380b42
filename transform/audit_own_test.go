package transform

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// own lists a feature's components each once, in FeatureComponents
// order, whether or not its rows repeat a pair, and sets no names aside
// for a feature whose rows name each component once (a feature can hold
// 120,000, listed twice by audit --json).
func TestOwnListsEachComponentOnce(t *testing.T) {
	m := &auditModel{}
	for _, f := range []string{"Plain", "Repeats", "Other"} {
		m.features.Set(f, &amFeature{name: f})
	}
	var fc fcPairs
	var plain []string
	for i := range 1000 {
		c := fmt.Sprintf("C%04d", i)
		plain = append(plain, c)
		fc.add("Plain", c)
		// Another feature holding the same components between the
		// rows of Plain repeats no pair of Plain.
		fc.add("Other", c)
	}
	for _, c := range []string{"A", "B", "A", "C", "B"} {
		fc.add("Repeats", c)
	}
	fc.group(m)

	own := func(f string) []string {
		var got []string
		m.own(f, func(c string) bool { got = append(got, c); return true })
		return got
	}
	for _, tc := range []struct {
		feature string
		want    []string
	}{
		{"Plain", plain},
		{"Other", plain},
		{"Repeats", []string{"A", "B", "C"}},
	} {
		if diff := cmp.Diff(tc.want, own(tc.feature)); diff != "" {
			t.Errorf("own(%s) (-want +got):\n%s", tc.feature, diff)
		}
		if got, want := m.distinctOf(m.features.Get(tc.feature)), len(slices.Compact(slices.Sorted(slices.Values(tc.want)))); got != want {
			t.Errorf("distinctOf(%s) = %d, want %d", tc.feature, got, want)
		}
	}
	n := 0
	if allocs := testing.AllocsPerRun(10, func() { m.own("Plain", func(string) bool { n++; return true }) }); allocs > 0 {
		t.Errorf("own of a feature of %d components: %v allocations, want none", len(plain), allocs)
	}
}
