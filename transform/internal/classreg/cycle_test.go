package classreg

import (
	"context"
	"runtime"
	"strconv"
	"testing"

	"github.com/msikit/msikit/transform/internal/edit"
)

// progIDCycle is oddBase with n ProgIds in one ProgId_Parent cycle that
// no class or extension names: each a warning, a note and (when
// registered) a problem, as in fuzz's msi-progid-cycle.msi.
func progIDCycle(n int) *Input {
	in := oddBase()
	for i := 0; i < n; i++ {
		id := "P" + strconv.Itoa(i)
		in.ProgIDs = append(in.ProgIDs, ProgIDRow{ProgID: id, Parent: "P" + strconv.Itoa((i+1)%n), ref: RowRef{Key: []string{id}}})
	}
	return in
}

// TestPlanProgIDCycleMemory bounds what planning holds per row of a
// ProgId cycle, the Input aside: the row's facts and its two notes. It
// held 144 bytes of facts (copies of what the Input has) and a problem
// for each row, 409 bytes a row at the end of analysis (and its notes
// grew by append, the old and the new array live at once); it holds
// 245 now (notes 144, facts 40, the ProgId index), the budget 280.
func TestPlanProgIDCycleMemory(t *testing.T) {
	const n = 50_000
	in := progIDCycle(n)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	p := analyze(in, Options{})
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if got := p.plan.notes.Len(); got < 2*n {
		t.Fatalf("%d notes on a %d-row cycle, want at least %d", got, n, 2*n)
	}
	if per := (int64(ms.HeapAlloc) - int64(before)) / n; per > 280 {
		t.Errorf("analysis of a %d-row ProgId cycle holds %d bytes a row, budget 280", n, per)
	}
	runtime.KeepAlive(p)
	runtime.KeepAlive(in)
}

// BenchmarkPlanProgIDCycle plans a 50,000-row ProgId cycle.
func BenchmarkPlanProgIDCycle(b *testing.B) {
	in := progIDCycle(50_000)
	b.ReportAllocs()
	for b.Loop() {
		makePlan(in, Options{})
	}
}

// BenchmarkPlanProgIDCycleStop is BenchmarkPlanProgIDCycle with a Stop
// on a live context, as msikit rewrite runs the pass: what looking at
// the context every 1,024 steps costs.
func BenchmarkPlanProgIDCycleStop(b *testing.B) {
	in := progIDCycle(50_000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		makePlan(in, Options{Stop: edit.NewStop(ctx, "class-to-registry")})
	}
}
