package classreg

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// TestPlanHeldPerRow bounds what the planner holds once it has planned
// every Registry row, per row planned, the Input aside: the peak of a
// rewrite with MaxChanges raised. On the verbs of one extension of
// testdata/crafted (two Registry rows and a removal per verb, as the
// 200,000 verbs of the scaled fixture msi-verbs-of-one-extension.msi,
// where msikit rewrite --max-changes 2147483647 held 173 MB live at
// that point, its heap at the 220 MiB soft memory limit), and on the
// ProgId chain:
//
//   - each row was an Addition of 104 bytes with an identifier of its
//     own (48), kept in a map of the identifiers in use (44), and the
//     lower-case copy of its key (48) in a map of such texts (36), in
//     a map of the slots given a row of each component (16): 400
//     bytes a planned row on the verbs, 383 on the chain.
//   - now a row is 64 bytes (its identifier a digest, written when it
//     is added; its name, component and reason numbers of texts it
//     shares), the identifiers in use a set of digests, its key
//     numbered without a copy, the slots of other components kept only
//     for slots of several components: 276 and 298; with the digests
//     of the rows planned no longer kept (they cannot collide) and the
//     verbs' commands made once: 237 and 262.
func TestPlanHeldPerRow(t *testing.T) {
	if testing.Short() {
		t.Skip("plans 60,000 ProgIds")
	}
	for _, tc := range []struct {
		fixture string
		budget  int64
	}{
		{"msi-verbs-of-one-extension.msi", 270},
		{"msi-progid-chain-60k.msi", 290},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			in, err := readInput(db, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var rows int64
			held := testenv.LiveBytes(func() any {
				p := analyze(in, Options{MaxChanges: math.MaxInt32})
				p.generate()
				rows = int64(p.plan.adds.len())
				return p
			})
			if rows < 20_000 {
				t.Fatalf("%d Registry rows planned, want at least 20,000", rows)
			}
			per := int64(held) / rows
			t.Logf("%d Registry rows planned, %d removals: the planner held %d bytes, %d a row", rows, len(in.Verbs)+len(in.ProgIDs), held, per)
			if per > tc.budget {
				t.Errorf("the planner held %d bytes a planned Registry row, budget %d", per, tc.budget)
			}
		})
	}
}
