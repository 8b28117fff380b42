package edit

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// narrowTaken returns the hashed names of a column of width characters
// (under 10: "_" and width-1 hex digits), all taken but free.
func narrowTaken(width int, free ...string) map[string]bool {
	taken := map[string]bool{}
	digits := width - 1
	for j := range 1 << (4 * digits) {
		taken[strings.ToLower(fmt.Sprintf("_%0*X", digits, j))] = true
	}
	for _, f := range free {
		delete(taken, strings.ToLower(f))
	}
	return taken
}

// TestFitIdentNarrowFull: in a column of 2 characters whose 16 hashed
// names are taken, FitIdent says so at once (it tried 2^20 hashes for
// each: 100 names took 64 s and 5.7 GB), and finds the one name left
// free, which no hash may reach.
func TestFitIdentNarrowFull(t *testing.T) {
	taken := narrowTaken(2)
	var got []string
	testenv.CheckBudget(t, "FitIdent", func() {
		got = got[:0]
		for i := range 100 {
			got = append(got, FitIdent(fmt.Sprintf("name%d", i), 2, fmt.Sprintf("seed%d", i), taken))
		}
	})
	if diff := cmp.Diff(make([]string, 100), got); diff != "" {
		t.Errorf("names in a full column (-want +got):\n%s", diff)
	}
	for _, free := range []string{"_0", "_7", "_F"} {
		if got := FitIdent("name", 2, "seed", narrowTaken(2, free)); got != free {
			t.Errorf("FitIdent with only %s free = %q", free, got)
		}
	}
}

// TestIdentFitterNarrowFull: once the 4,096 hashed names of a column of
// 4 characters are taken, an IdentFitter looks for none again (FitIdent
// looks through them all each time: 1,000 names took 12.9 s), but still
// gives a base that fits and is free.
func TestIdentFitterNarrowFull(t *testing.T) {
	taken := narrowTaken(4)
	var f IdentFitter
	var got []string
	testenv.CheckBudget(t, "IdentFitter.Fit", func() {
		got = got[:0]
		for i := range 1000 {
			got = append(got, f.Fit(fmt.Sprintf("name%d", i), 4, fmt.Sprintf("seed%d", i), taken))
		}
		got = append(got, f.Fit("a_b", 4, "seed", taken))
	})
	want := append(make([]string, 1000), "a_b")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names in a full column (-want +got):\n%s", diff)
	}
}
