package testenv

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records what CheckBudgetOf reports.
type recorder struct {
	testing.TB
	errors, logs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

// spinCPU works until the process has used d more CPU time.
func spinCPU(d time.Duration) {
	start := processCPU()
	for x := 0; processCPU()-start < d; x++ {
		_ = strings.Repeat("x", x%64)
	}
}

// TestCheckBudgetCPUTime: a run over its time budget in wall time twice
// keeps the budget when the process used less CPU time than the budget
// meanwhile (a machine busy with other jobs: here a sleep stands for the
// time the scheduler gave them), unless it waited more than waitFactor
// times the budget; a run that used more CPU time than the budget breaks
// it. (Before, any second run over the budget in wall time broke it.)
func TestCheckBudgetCPUTime(t *testing.T) {
	if processCPU() == 0 {
		t.Skip("the process's CPU time is not read on this system")
	}
	const limit = 50 * time.Millisecond
	scaled := Scaled(limit)
	for _, tt := range []struct {
		name     string
		f        func()
		wantFail bool
	}{
		{"waits for the CPU", func() { spinCPU(scaled / 10); time.Sleep(2 * scaled) }, false},
		{"works past the budget", func() { spinCPU(scaled + scaled/5) }, true},
		{"waits past the wait limit", func() { spinCPU(scaled / 10); time.Sleep(time.Duration(waitFactor()*float64(scaled)) + scaled) }, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			CheckBudgetOf(r, tt.name, limit, 1<<30, tt.f)
			if failed := len(r.errors) > 0; failed != tt.wantFail {
				t.Errorf("failed %v (errors %q, logs %q), want %v", failed, r.errors, r.logs, tt.wantFail)
			}
			if !tt.wantFail && (len(r.logs) != 1 || !strings.Contains(r.logs[0], "on a loaded machine")) {
				t.Errorf("logs %q, want one naming the loaded machine", r.logs)
			}
		})
	}
}

// TestOverTime: past the budget in wall time, a run keeps it when its
// CPU time does and it waited less than waitFactor times the budget: 6
// times, or twice the load per CPU on a busier machine.
func TestOverTime(t *testing.T) {
	const s = time.Second
	defer func() { loadAverage = readLoadAverage }()
	cpus := float64(runtime.GOMAXPROCS(0))
	for _, tt := range []struct {
		d, cpu time.Duration
		load   float64 // per CPU
		want   bool
	}{
		{s / 2, 5 * s, 0, false}, // within the budget in wall time
		{2 * s, s / 2, 0, false},
		{2 * s, s, 0, true},
		{2 * s, 0, 0, true},     // CPU time unknown
		{6 * s, s / 2, 0, true}, // waited 6 times the budget
		{6 * s, s / 2, 3, true},
		{6 * s, s / 2, 7.5, false}, // load 15 on 2 CPUs: up to 15 times
		{15 * s, s / 2, 7.5, true},
		{8 * s, 8 * s, 7.5, true}, // worked past the budget
	} {
		loadAverage = func() float64 { return tt.load * cpus }
		if got := OverTime(tt.d, tt.cpu, s); got != tt.want {
			t.Errorf("OverTime(%v, %v, 1s) at load %.1f per CPU = %v, want %v", tt.d, tt.cpu, tt.load, got, tt.want)
		}
	}
}

// TestRerun: with MSIKIT_BUDGET_RERUN=1 (rerun) every check runs its work
// twice, so that work that is not repeatable shows on an idle machine.
func TestRerun(t *testing.T) {
	defer func(r bool) { rerun = r }(rerun)
	for _, r := range []bool{false, true} {
		rerun = r
		n := 0
		CheckBudget(t, "count", func() { n++ })
		if want := map[bool]int{false: 1, true: 2}[r]; n != want {
			t.Errorf("rerun %v: the work ran %d times, want %d", r, n, want)
		}
		n = 0
		CheckFuzzBudget(t, 0, func() { n++ })
		if want := map[bool]int{false: 1, true: 2}[r]; n != want {
			t.Errorf("rerun %v: the fuzz input's work ran %d times, want %d", r, n, want)
		}
	}
}

// FreedBytes measures what the value dropped held, and nothing of what
// is still held.
func TestFreedBytes(t *testing.T) {
	kept := make([]byte, 8<<20)
	dropped := make([]byte, 16<<20)
	freed := FreedBytes(func() { dropped = nil })
	if freed < 15<<20 || freed > 17<<20 {
		t.Errorf("dropping 16 MiB freed %d bytes", freed)
	}
	if freed := FreedBytes(func() {}); freed > 1<<20 {
		t.Errorf("dropping nothing freed %d bytes", freed)
	}
	_, _ = kept[0], dropped
}
