package testenv

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// Safety budgets for hostile input: an operation on a crafted file must
// end (normally with an error) within TimeBudget and grow the heap by less
// than HeapBudget.
const (
	TimeBudget = time.Second
	HeapBudget = 64 << 20
)

// raceSlowdown scales TimeBudget under the race detector, whose
// instrumentation makes code 2-20 times slower (Go's race detector
// documentation); the limit stays a bound on runaway work, not a
// benchmark.
const raceSlowdown = 10

// Scaled returns d, multiplied by the race detector's slowdown factor when
// it is on.
func Scaled(d time.Duration) time.Duration {
	if RaceEnabled {
		return d * raceSlowdown
	}
	return d
}

// Measure runs f once and returns its wall time and the growth of the
// total bytes allocated (TotalAlloc) while it ran: an upper bound of the
// heap it could have held.
func Measure(f func()) (time.Duration, uint64) {
	d, _, alloc := measure(true, f)
	return d, alloc
}

// measure is Measure that also returns the CPU time the whole process
// used while f ran (0 where the system does not tell); it collects
// garbage first when gc is set.
func measure(gc bool, f func()) (d, cpu time.Duration, alloc uint64) {
	var before, after runtime.MemStats
	if gc {
		runtime.GC()
	}
	runtime.ReadMemStats(&before)
	c0 := processCPU()
	start := time.Now()
	f()
	d = time.Since(start)
	if c := processCPU(); c0 > 0 {
		cpu = c - c0
	}
	runtime.ReadMemStats(&after)
	return d, cpu, after.TotalAlloc - before.TotalAlloc
}

// LiveBytes returns how much the live heap grew while f ran, counting
// what f's result keeps alive: the heap after a collection, with the
// result still referenced, less the heap after a collection before f (0
// when it shrank). For tests bounding what a value holds.
func LiveBytes(f func() any) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

// FreedBytes returns how much the live heap shrank when drop ran: the
// heap after a collection, less the heap after drop and a collection (0
// when it grew). drop lets go of a value (sets the last reference to it
// to nil), so that what the value alone held is measured, not what was
// made beside it (the rows a pass added to a database, say).
func FreedBytes(drop func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	drop()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		return 0
	}
	return before.HeapAlloc - after.HeapAlloc
}

// CheckBudget runs f and fails t if it takes longer than TimeBudget
// (scaled under the race detector) or allocates HeapBudget or more. A run
// over the time budget is tried once more before failing, because a test
// machine under load can stall any single run; a real runaway (a loop over
// a cyclic chain, a quadratic walk) is over budget every time. A second
// run over the budget in wall time still keeps it when the CPU time the
// process used meanwhile does (see OverTime). f must be repeatable.
func CheckBudget(t testing.TB, what string, f func()) {
	t.Helper()
	CheckBudgetOf(t, what, TimeBudget, HeapBudget, f)
}

// CheckBudgetOf is CheckBudget with other budgets, for work whose size a
// documented limit bounds rather than the input alone (a rewrite pass
// planning up to its MaxChanges, an export writing 50,000 files): f must
// take less than limit (scaled under the race detector) and allocate less
// than heap bytes in total.
func CheckBudgetOf(t testing.TB, what string, limit time.Duration, heap uint64, f func()) {
	t.Helper()
	limit = Scaled(limit)
	var d, cpu time.Duration
	var alloc uint64
	for try := 0; try < 2; try++ {
		d, cpu, alloc = measure(true, f)
		if alloc >= heap {
			t.Errorf("%s: allocated %d bytes, budget %d", what, alloc, heap)
			return
		}
		if d < limit && (try == 1 || !rerun) {
			return
		}
	}
	if !OverTime(d, cpu, limit) {
		t.Logf("%s: took %v twice on a loaded machine, with %v of the process's CPU time: within the budget of %v", what, d.Round(time.Millisecond), cpu.Round(time.Millisecond), limit)
		return
	}
	t.Errorf("%s: took %v twice (%v of the process's CPU time), budget %v", what, d, cpu, limit)
}

// rerun, set by MSIKIT_BUDGET_RERUN=1, makes every budget check run its
// work twice, as it does when the first run is over the time budget on a
// loaded machine, so that work that is not repeatable (a test's closure
// appending to a value made outside it, so the second run's result is
// twice the first) fails on any machine instead of only a loaded one.
var rerun = os.Getenv("MSIKIT_BUDGET_RERUN") == "1"

// minWaitFactor bounds, as a multiple of a time budget, the wall time of
// a run whose CPU time keeps the budget (see OverTime), on a machine
// whose load is at most three runnable threads per CPU.
const minWaitFactor = 6

// waitFactor is minWaitFactor, or twice the machine's load per CPU (its
// one-minute load average over the CPUs the process may use) when that is
// more: with n runnable threads per CPU a run gets about 1/n of a CPU, so
// its wall time stretches about n times. Measured on the 2-core machine on
// 2026-12-07: at load 15, with go test niced, a run with 193 ms of CPU
// time took 3.7 s, 7.4 times its 500 ms budget.
// loadAverage is readLoadAverage, a variable for tests.
var loadAverage = readLoadAverage

func waitFactor() float64 {
	f := float64(minWaitFactor)
	if l := loadAverage(); l > 0 {
		f = max(f, 2*l/float64(runtime.GOMAXPROCS(0)))
	}
	return f
}

// OverTime reports whether a run that took wall time d and cpu of CPU
// time (its own, or an upper bound of it such as the whole process's)
// broke the time budget limit. The budget is for a machine running the
// work, so a run slower than limit in wall time keeps it when its CPU
// time does: other jobs sharing the CPUs (go test runs packages at once,
// CI machines are shared) stretch wall time several times. Measured on a
// 2-core machine at load 9 (2026-12-04): fuzz's mst-delete-insert-100k.mst
// took 12-14 s of wall time under -race, over its 10 s, with about 2 s of
// CPU time each; 1.0-1.2 s without -race, over 1 s, with 0.2 s. A run
// that waits instead of working (a sleep, a blocked read) still breaks
// the budget past waitFactor times it (6, or more on a machine loaded
// past three runnable threads per CPU). Where the CPU time is unknown
// (cpu 0), wall time alone decides.
func OverTime(d, cpu, limit time.Duration) bool {
	if d < limit {
		return false
	}
	return cpu <= 0 || cpu >= limit || float64(d) >= waitFactor()*float64(limit)
}

// Budgets of one fuzz input: whatever the input, a target's work on it
// must end within FuzzTimeBudget (scaled under the race detector) and
// allocate at most FuzzHeapBudget plus FuzzHeapPerByte per input byte.
const (
	FuzzTimeBudget  = 2 * time.Second
	FuzzHeapBudget  = 256 << 20
	FuzzHeapPerByte = 64
)

// CheckFuzzBudget runs f for a fuzz input of size bytes and fails t if it
// exceeds the fuzz budgets. Unlike CheckBudget it does not collect garbage
// first, so that fuzzing keeps its pace; like it, a run over the time
// budget is tried once more, and a second one over it in wall time keeps
// it when its CPU time does (OverTime; f must be repeatable).
func CheckFuzzBudget(t testing.TB, size int, f func()) {
	t.Helper()
	limit, heap := Scaled(FuzzTimeBudget), uint64(FuzzHeapBudget+FuzzHeapPerByte*size)
	for try := 0; ; try++ {
		d, cpu, a := measure(false, f)
		if a > heap {
			t.Fatalf("input of %d bytes allocated %d MiB (limit %d MiB)", size, a>>20, heap>>20)
		}
		if d <= limit && (try == 1 || !rerun) {
			return
		}
		if try == 1 {
			if !OverTime(d, cpu, limit) {
				t.Logf("input of %d bytes took %v twice on a loaded machine, with %v of the process's CPU time: within the limit of %v", size, d.Round(time.Millisecond), cpu.Round(time.Millisecond), limit)
				return
			}
			t.Fatalf("input of %d bytes took %v twice (%v of the process's CPU time; limit %v)", size, d, cpu, limit)
		}
	}
}
