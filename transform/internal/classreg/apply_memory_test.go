package classreg

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform/internal/edit"
)

// A probeSink keeps the changes it takes, as transform's report does,
// and every probeEvery of them collects garbage and records the live
// heap: what the pass holds while it applies its plan.
type probeSink struct {
	changes []edit.Change
	peak    uint64
}

const probeEvery = 10_000

func (s *probeSink) Grow(n int) { s.changes = slices.Grow(s.changes, n) }

func (s *probeSink) Add(c edit.Change) {
	s.changes = append(s.changes, c)
	if len(s.changes)%probeEvery == 0 {
		s.peak = max(s.peak, liveHeap())
	}
}

func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestApplyHoldsLittleBesideReport converts the 60,000-row ProgId chain
// of testdata/crafted (180,058 changes with MaxChanges raised, as msikit
// rewrite --max-changes 2147483647 does on the scaled fixture of 180,000
// rows) and bounds, per change:
//
//   - what the pass holds while it applies its plan beyond what it
//     leaves: the plan's rows are let go as they are applied. The plan
//     was held whole until the last row was added (its 120,000 Registry
//     rows of 104 bytes, its removals and a map of copies of them): 108
//     bytes a change at the last probe; 20 now, the budget 40.
//   - what it leaves (the changes, the database's tables): the text of
//     an added row is the database's, not the plan's strings besides it,
//     and the ProgIds that follow one class share one reason: 394 bytes;
//     352 with the reason made for each ProgId; 326 now, the budget 345.
//   - what it allocates, planning included: the plan's rows grow in
//     chunks, not by append; the added rows' texts are cut from blocks,
//     their cells not made twice, their integers not scanned with fmt;
//     the removals are found through an index, not a map of copies:
//     1,793 bytes; 1,296 now, the budget 1,500.
func TestApplyHoldsLittleBesideReport(t *testing.T) {
	if testing.Short() {
		t.Skip("converts 60,000 ProgIds")
	}
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-progid-chain-60k.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	base := liveHeap()
	sink := &probeSink{}
	_, alloc := testenv.Measure(func() {
		_, err = Run(db, Options{DropUnexpressible: true, MaxChanges: math.MaxInt32, Sink: sink})
	})
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(sink.changes))
	if n < 180_000 {
		t.Fatalf("%d changes, want at least 180,000", n)
	}
	left := liveHeap()
	runtime.KeepAlive(sink)
	runtime.KeepAlive(db)
	over, held := (int64(sink.peak)-int64(left))/n, (int64(left)-int64(base))/n
	t.Logf("per change: %d bytes held while applying beyond what is left, %d left, %d allocated", over, held, int64(alloc)/n)
	if over > 40 {
		t.Errorf("applying the plan held %d bytes a change above what the pass leaves, budget 40", over)
	}
	if held > 345 {
		t.Errorf("the pass left %d bytes a change (its changes and the tables), budget 345", held)
	}
	if a := int64(alloc) / n; a > 1500 {
		t.Errorf("the pass allocated %d bytes a change, budget 1500", a)
	}
}

// BenchmarkRunProgIDChain converts the 60,000-row ProgId chain of
// testdata/crafted with MaxChanges raised (180,058 changes), reading
// the package included.
func BenchmarkRunProgIDChain(b *testing.B) {
	path := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-progid-chain-60k.msi")
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
		if _, err := Run(db, Options{DropUnexpressible: true, MaxChanges: math.MaxInt32}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
