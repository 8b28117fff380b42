package winemsi

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/wineoracle"
)

// fakeTool returns a Tool whose wine is a shell script: its run numbered
// n (1-based) prints outputs[n-1] and exits with exits[n-1]. It counts
// its runs in the returned file.
func fakeTool(t *testing.T, outputs []string, exits []int) (*Tool, string) {
	t.Helper()
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs")
	var b strings.Builder
	b.WriteString("#!/bin/sh\nn=$(( $(cat '" + runs + "' 2>/dev/null | wc -l) + 1 ))\necho run >> '" + runs + "'\ncase $n in\n")
	for i := range exits {
		b.WriteString("  " + strconv.Itoa(i+1) + ") printf '" + outputs[i] + "'; exit " + strconv.Itoa(exits[i]) + ";;\n")
	}
	b.WriteString("esac\nexit 99\n")
	wine := filepath.Join(dir, "wine")
	if err := os.WriteFile(wine, []byte(b.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	// Persist runs the wineserver beside wine.
	if err := os.WriteFile(filepath.Join(dir, "wineserver"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(dir, "prefix")
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		t.Fatal(err)
	}
	return &Tool{Exe: "winemsi.exe", Prefix: wineoracle.Attach(wine, prefix)}, runs
}

// recorder is a testing.TB that records Fatal instead of ending the test.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = format
	panic(r)
}

func (r *recorder) Fatal(args ...any) {
	r.fatal = "fatal"
	panic(r)
}

// runRecorded runs w.Run and reports whether it failed its TB.
func runRecorded(t *testing.T, w *Tool) (failed bool) {
	r := &recorder{TB: t}
	defer func() {
		if v := recover(); v != nil {
			if v != r {
				panic(v)
			}
			failed = true
		}
	}()
	_, err := w.Run(r, new(Script))
	return err != nil
}

// TestRunOnceMoreIfNotStarted checks that Run makes a second run only
// when the first failed before the tool's first line, and never a third.
func TestRunOnceMoreIfNotStarted(t *testing.T) {
	for _, tt := range []struct {
		name     string
		outputs  []string
		exits    []int
		wantFail bool
		wantRuns int
	}{
		{"succeeds", []string{`start\ndone\n`}, []int{0}, false, 1},
		{"not started, then succeeds", []string{``, `start\ndone\n`}, []int{1, 0}, false, 2},
		{"not started twice", []string{``, ``, `start\ndone\n`}, []int{1, 1, 0}, true, 2},
		{"crashed after it started", []string{`start\n`, `start\ndone\n`}, []int{5, 0}, true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, runs := fakeTool(t, tt.outputs, tt.exits)
			if got := runRecorded(t, w); got != tt.wantFail {
				t.Errorf("Run failed: %v, want %v", got, tt.wantFail)
			}
			b, err := os.ReadFile(runs)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(string(b), "\n"); got != tt.wantRuns {
				t.Errorf("the tool ran %d times, want %d", got, tt.wantRuns)
			}
		})
	}
}
