package transform

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// With MaxChanges raised past what the package needs (msikit rewrite
// --max-changes 2147483647), splitting 40,000 qualified components of
// one component in one feature (msi-publish-grid.msi of the scaled
// hostile fixtures, 460,000 rows there, at a smaller size) updates each
// PublishComponent row; the pass and the text of its report allocate
// little beside the changes they keep. Per change, opening the package
// included: 1,106 bytes while the changes were logged and then copied
// into the report (899 with only that undone), each entry point kept its
// key as text and 144 bytes, and the plan listed each update again; 779
// then; 651 since applying the updates reuses one key buffer (779 with
// only that undone). The budget is 720 (1,000 under the race detector,
// whose own allocations add 120 a change).
func TestSplitAdvertisedRaisedMaxChangesBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("splits 40,000 PublishComponent rows")
	}
	const n = 40000
	path := filepath.Join(t.TempDir(), "grid.msi")
	if err := publishGrid(t, n/100, 100).Save(path, nil); err != nil {
		t.Fatal(err)
	}
	var rep *Report
	var err error
	run := func() {
		var db *msi.Database
		if db, err = msi.Open(path); err != nil {
			return
		}
		defer db.Close()
		rep, err = SplitAdvertised(db, SplitAdvertisedOptions{MaxChanges: math.MaxInt32})
		if err == nil {
			err = rep.WriteText(io.Discard)
		}
	}
	_, alloc := testenv.Measure(run)
	t.Logf("%d bytes allocated, %d a change", alloc, alloc/n)
	budget := uint64(720)
	if testenv.RaceEnabled {
		budget = 1000 // 771 under the race detector
	}
	testenv.CheckBudgetOf(t, "SplitAdvertised and WriteText", 2*testenv.TimeBudget, n*budget, run)
	if err != nil {
		t.Fatal(err)
	}
	var updates []Change
	for _, c := range rep.Changes() {
		if c.Op == OpUpdate && c.Table == "PublishComponent" {
			updates = append(updates, c)
		}
	}
	if len(updates) != n {
		t.Fatalf("%d PublishComponent rows updated, want %d", len(updates), n)
	}
	want := Change{Op: OpUpdate, Table: "PublishComponent",
		Key:    []string{"{11111111-2222-3333-4444-000000000000}", "q0", "App"},
		Old:    []string{"{11111111-2222-3333-4444-000000000000}", "q0", "App", "", "Core"},
		New:    []string{"{11111111-2222-3333-4444-000000000000}", "q0", "App", "", "Core_App"},
		Reason: "Feature_ Core → Core_App"}
	if diff := cmp.Diff(want, updates[0]); diff != "" {
		t.Errorf("first update (-want +got):\n%s", diff)
	}
}

// BenchmarkSplitAdvertisedPublishGrid splits 40,000 qualified components
// of one component in one feature with MaxChanges raised (40,018
// changes), opening the package and writing the report's text included.
func BenchmarkSplitAdvertisedPublishGrid(b *testing.B) {
	const n = 40000
	path := filepath.Join(b.TempDir(), "grid.msi")
	if err := publishGrid(b, n/100, 100).Save(path, nil); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		db, err := msi.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := SplitAdvertised(db, SplitAdvertisedOptions{MaxChanges: math.MaxInt32})
		if err == nil {
			err = rep.WriteText(io.Discard)
		}
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
