package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// rssMeasured says whether measureRSS measures anything.
const rssMeasured = true

// peakrss is internal/testenv/peakrss, built once per test binary into
// its own folder (removed by TestMain).
var peakrss struct {
	once sync.Once
	dir  string
	path string
	err  error
	n    atomic.Int64
}

// measureRSS has cmd, not yet started, run through
// internal/testenv/peakrss, and returns the function that gives, once cmd
// has run, the command's own peak resident set size in bytes. Measured
// directly, a child's ru_maxrss on Linux starts from this process's own
// peak (exec records the memory the child was started in), and this
// process can be big: a generated fixture, or the race detector's shadow
// memory, which stays. peakrss starts the command from its own few
// megabytes instead. cmd's exit status stays the command's (128+N for
// signal N).
func measureRSS(t *testing.T, cmd *exec.Cmd) func() int64 {
	t.Helper()
	peakrss.once.Do(buildPeakRSS)
	if peakrss.err != nil {
		t.Fatalf("building internal/testenv/peakrss: %v", peakrss.err)
	}
	report := filepath.Join(peakrss.dir, fmt.Sprintf("report-%d", peakrss.n.Add(1)))
	cmd.Args = append([]string{peakrss.path, report, cmd.Path}, cmd.Args[1:]...)
	cmd.Path = peakrss.path
	return func() int64 {
		t.Helper()
		b, err := os.ReadFile(report)
		os.Remove(report)
		var what, status string
		var rss int64
		if err == nil {
			_, err = fmt.Sscanf(string(b), "%s %s maxrss %d", &what, &status, &rss)
		}
		if err != nil {
			t.Errorf("peakrss wrote no report for %q: %v", strings.Join(cmd.Args[3:], " "), err)
		}
		return rss
	}
}

// buildPeakRSS builds internal/testenv/peakrss for measureRSS.
func buildPeakRSS() {
	gotool, err := exec.LookPath("go")
	if err != nil {
		peakrss.err = err
		return
	}
	if peakrss.dir, err = os.MkdirTemp("", "msikit-peakrss-"); err != nil {
		peakrss.err = err
		return
	}
	peakrss.path = filepath.Join(peakrss.dir, "peakrss")
	cmd := exec.Command(gotool, "build", "-o", peakrss.path, "./internal/testenv/peakrss")
	cmd.Dir = testenv.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		peakrss.err = fmt.Errorf("%v\n%s", err, out)
	}
}

// removePeakRSS removes what measureRSS built.
func removePeakRSS() {
	if peakrss.dir != "" {
		os.RemoveAll(peakrss.dir)
	}
}
