package validate

import (
	"fmt"
	"runtime"
	"testing"
)

// TestFeatureComponentsBytesPerRow bounds the bytes Validate allocates
// per FeatureComponents row: a component's features are held as 4-byte
// ids in one slice for all components (ICE21's index), not a slice of
// 16-byte strings each grown row by row (16 bytes a row, and as much
// again in copies while growing: 50 MB for the 1.1 million rows of
// msi-feature-component-fanout.msi, twice in rewrite --validate).
func TestFeatureComponentsBytesPerRow(t *testing.T) {
	alloc := func(features int) float64 {
		f := baseInstaller()
		for i := range features {
			name := fmt.Sprintf("F%03d", i)
			f.add("Feature", row(name, "Main", name, "", 1, 1, "", 0))
			for j := range 100 {
				f.add("FeatureComponents", row(name, fmt.Sprintf("C%03d", j)))
			}
		}
		for j := range 100 {
			f.add("Component", row(fmt.Sprintf("C%03d", j), fmt.Sprintf("{11111111-1111-1111-1111-%012d}", j), "INSTALLDIR", 0, "", ""))
		}
		db := f.build(t)
		// The tables decoded first: what is counted is Validate's own.
		for _, name := range db.TableNames() {
			if tab, err := db.Table(name); err == nil {
				tab.Len()
			}
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := Validate(db, nil); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return float64(after.TotalAlloc - before.TotalAlloc)
	}
	small, big := alloc(100), alloc(300) // 10,000 and 30,000 rows
	perRow := (big - small) / 20000
	t.Logf("%.0f and %.0f bytes: %.1f a row", small, big, perRow)
	if perRow > 28 {
		t.Errorf("Validate allocated %.1f bytes a FeatureComponents row, want at most 28", perRow)
	}
}
