package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
)

// Whole-command budget for any input under 5 MB (SECURITY.md).
const (
	commandTime = 5 * time.Second
	commandRSS  = 256 << 20
)

// TestExtractHostileWholeCommand runs "msikit extract" and "msikit
// rewrite --dry-run" (whose assembly-names pass reads files out of the
// cabinets) in a child process on every crafted fixture that is a valid
// package (the layout, cabinet and extraction attacks), under a 2 GiB
// address-space limit: each exits 0 or 1 within 5 s and 256 MiB of peak
// RSS, as the process sees it, and prints no raw control characters
// (tabs and line ends apart: the dry run's IDT diff has them).
func TestExtractHostileWholeCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("child processes; skipped in -short mode")
	}
	if testenv.RaceEnabled {
		// The child is this test binary: the race detector's own memory
		// does not fit the 2 GiB address space, and its RSS is not the
		// command's. TestEveryCommandOnCraftedFixtures checks a normal
		// build on the same fixtures in every run.
		t.Skip("budgets are for the production binary; skipped under -race")
	}
	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "testdata", "crafted", "valid", "*.msi"))
	n := 0
	for _, f := range files {
		if !readsCleanly(f) {
			continue // malformed: TestInfoOnHostileFiles and the fuzz fixtures cover them
		}
		n++
		for _, args := range [][]string{
			{"extract", f, "-d", "OUT"},
			{"rewrite", "--dry-run", f},
		} {
			t.Run(filepath.Base(f)+"/"+args[0], func(t *testing.T) {
				runBounded(t, args)
			})
		}
	}
	if n < 8 {
		t.Fatalf("only %d valid crafted packages", n)
	}
	// --max-bytes stops the size bomb before it writes anything.
	t.Run("max-bytes", func(t *testing.T) {
		out := t.TempDir()
		code, _, stderr := runBounded(t, []string{"extract", filepath.Join(repoRoot(t), "testdata", "crafted", "valid", "msi-size-bomb-64mib.msi"), "-d", out, "--max-bytes", "1000000"})
		if code != exitFailure || !strings.Contains(stderr, "more than --max-bytes 1000000; 0 files written") || len(treeSums(t, out)) != 0 {
			t.Errorf("exit %d, %d files written, stderr %q", code, len(treeSums(t, out)), stderr)
		}
	})
}

// runBounded runs msikit args in a child process (OUT replaced by a fresh
// folder) and fails t unless it exits 0 or 1 within commandTime (tried
// twice: a loaded machine can stall one run; a second run over it in wall
// time keeps it when its CPU time does, as overTime judges) and
// commandRSS, with one-line diagnostics and no raw control characters.
func runBounded(t *testing.T, args []string) (int, string, string) {
	t.Helper()
	var code int
	var stdout, stderr string
	var d, cpu time.Duration
	for try := 0; try < 2; try++ {
		a := append([]string(nil), args...)
		for i := range a {
			if a[i] == "OUT" {
				a[i] = t.TempDir()
			}
		}
		cmd := child(t, []string{childASEnv + "=" + "2147483648"}, a...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		peak := measureRSS(t, cmd)
		start := time.Now()
		err := cmd.Run()
		d = time.Since(start)
		if cmd.ProcessState != nil {
			cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		var ee *exec.ExitError
		switch {
		case err == nil:
			code = 0
		case errors.As(err, &ee) && ee.Exited():
			code = ee.ExitCode()
		default:
			t.Fatalf("%v; stderr: %.500s", err, e.String())
		}
		stdout, stderr = o.String(), e.String()
		rss := peak()
		if code != exitOK && code != exitFailure {
			t.Fatalf("exit %d; stderr: %.1000s", code, stderr)
		}
		if strings.Contains(stderr, "goroutine ") {
			t.Fatalf("panic trace:\n%.1000s", stderr)
		}
		if rss >= commandRSS {
			t.Fatalf("peak RSS %d MiB, budget %d MiB", rss>>20, commandRSS>>20)
		}
		for _, s := range []string{stdout, stderr} {
			if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f }) {
				t.Fatalf("raw control characters in the output: %q", s)
			}
		}
		for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
			if l != "" && !strings.HasPrefix(l, "msikit: ") {
				t.Fatalf("stderr line %q does not start with msikit:", l)
			}
		}
		if rssMeasured {
			t.Logf("exit %d in %v, peak RSS %d MiB", code, d.Round(time.Millisecond), rss>>20)
		} else {
			t.Logf("exit %d in %v, peak RSS not checked (measured on Linux only, not on %s)", code, d.Round(time.Millisecond), runtime.GOOS)
		}
		if d < commandTime {
			return code, stdout, stderr
		}
	}
	if !overTime(childResult{wall: d, cpu: cpu}) {
		t.Logf("took %v twice on a loaded machine, with %v of CPU time: within the budget of %v", d.Round(time.Millisecond), cpu.Round(time.Millisecond), commandTime)
		return code, stdout, stderr
	}
	t.Errorf("over %v twice (%v of CPU time)", commandTime, cpu)
	return code, stdout, stderr
}
