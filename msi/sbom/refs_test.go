package sbom

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// TestRefsRepeatedName hands out 100,000 identifiers for one name (a
// package may repeat a File key): each costs a step, not a walk over the
// suffixes handed out before (5 billion lookups).
func TestRefsRepeatedName(t *testing.T) {
	var got []string
	testenv.CheckBudget(t, "100,000 refs of one name", func() {
		ids := newRefs("file:a-3")
		got = got[:0]
		for range 100000 {
			got = append(got, ids.unique("file:a"))
		}
	})
	if diff := cmp.Diff([]string{"file:a", "file:a-2", "file:a-4", "file:a-5"}, got[:4]); diff != "" {
		t.Errorf("first refs (-want +got):\n%s", diff)
	}
	if got[len(got)-1] != "file:a-100001" {
		t.Errorf("last ref %q, want file:a-100001", got[len(got)-1])
	}
}
