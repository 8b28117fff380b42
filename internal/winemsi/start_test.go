package winemsi

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/msikit/msikit/internal/wineoracle"
)

// fakeTool returns a Tool whose wine is wineoracle.FakeWine: its run
// numbered n (1-based) prints outputs[n-1] and exits with exits[n-1].
func fakeTool(t *testing.T, outputs []string, exits []int) (w *Tool, wine string) {
	t.Helper()
	dir := t.TempDir()
	var runs []string
	for i := range exits {
		runs = append(runs, "printf '"+outputs[i]+"'; exit "+strconv.Itoa(exits[i]))
	}
	wine, err := wineoracle.FakeWine(dir, runs)
	if err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(dir, "prefix")
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		t.Fatal(err)
	}
	return &Tool{Exe: "winemsi.exe", Prefix: wineoracle.Attach(wine, prefix)}, wine
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
			w, wine := fakeTool(t, tt.outputs, tt.exits)
			if got := runRecorded(t, w); got != tt.wantFail {
				t.Errorf("Run failed: %v, want %v", got, tt.wantFail)
			}
			if got, err := wineoracle.FakeRuns(wine); err != nil || got != tt.wantRuns {
				t.Errorf("the tool ran %d times (%v), want %d", got, err, tt.wantRuns)
			}
		})
	}
}
