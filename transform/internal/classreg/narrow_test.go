package classreg

import "testing"

// A Registry key column narrower than an "_n" suffix (a crafted package
// can declare s1) gives identifiers that do not fit rather than a panic:
// cutting the identifier to make room for "_2" in one byte sliced it
// to -1. Inserting such a row fails with the table's error.
func TestRegistryKeyColumnNarrowerThanSuffix(t *testing.T) {
	for _, width := range []int{1, 2, 3} {
		in := oddBase()
		in.RegistryWidth = width
		plan := makePlan(in, Options{})
		seen := map[string]bool{}
		for _, a := range plan.Add {
			if seen[a.Row.ID] {
				t.Errorf("width %d: identifier %q given twice", width, a.Row.ID)
			}
			seen[a.Row.ID] = true
		}
		if len(plan.Add) < 2 {
			t.Fatalf("width %d: %d rows planned, want at least 2", width, len(plan.Add))
		}
	}
}
