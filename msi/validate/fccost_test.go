package validate

import (
	"fmt"
	"testing"
)

// TestFeatureComponentsCostPerRow bounds the allocations of Validate per
// FeatureComponents row: rewrite --validate on
// msi-feature-component-fanout.msi validates 1.1 million of them twice
// (the input and the output). A row's values are read into one slice
// for the whole table (ICE03), and a component's features are listed
// with one lookup a row (ICE21), not a Get and a Set.
func TestFeatureComponentsCostPerRow(t *testing.T) {
	allocs := func(features int) float64 {
		f := baseInstaller()
		for i := range features {
			name := fmt.Sprintf("F%03d", i)
			f.add("Feature", row(name, "Main", name, "", 1, 1, "", 0))
			f.add("FeatureComponents", row(name, "C1"))
			for j := range 49 {
				f.add("FeatureComponents", row(name, fmt.Sprintf("C%03d", j+2)))
			}
		}
		for j := range 49 {
			f.add("Component", row(fmt.Sprintf("C%03d", j+2), fmt.Sprintf("{11111111-1111-1111-1111-%012d}", j+2), "INSTALLDIR", 0, "", ""))
		}
		db := f.build(t)
		return testing.AllocsPerRun(1, func() {
			if _, err := Validate(db, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, big := allocs(40), allocs(80) // 2,000 and 4,000 rows more
	perRow := (big - small) / 2000
	t.Logf("%v and %v allocations: %.2f a row", small, big, perRow)
	if perRow > 0.5 {
		t.Errorf("Validate allocated %.2f times a FeatureComponents row, want at most 0.5", perRow)
	}
}
