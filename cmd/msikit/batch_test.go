package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// forEachOrdered emits every result once, in order, and never holds
// more than jobs results (started and not yet emitted).
func TestForEachOrdered(t *testing.T) {
	for _, jobs := range []int{1, 2, 3, 8} {
		const n = 50
		var mu sync.Mutex
		held, most := 0, 0
		var got []int
		forEachOrdered(n, jobs, nil, func(i int) int {
			mu.Lock()
			held++
			most = max(most, held)
			mu.Unlock()
			return i * i
		}, func(i, r int) {
			if r != i*i {
				t.Errorf("jobs %d: emit(%d, %d), want the result of work(%d), %d", jobs, i, r, i, i*i)
			}
			got = append(got, i)
			mu.Lock()
			held--
			mu.Unlock()
		})
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("jobs %d: emitted (-want +got):\n%s", jobs, d)
		}
		if most > jobs {
			t.Errorf("jobs %d: %d results held at once", jobs, most)
		}
	}
}

// cancelOnWrite is a standard output that cancels the command's context
// at its first write.
type cancelOnWrite struct {
	strings.Builder
	once   sync.Once
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.once.Do(w.cancel)
	return w.Builder.Write(p)
}

// A batch rewrite writes each package's report when it is done, not
// after the last package: here the first write stops the command (as a
// signal would), so the packages after the first are never rewritten.
// When every report was held to the end, all three were rewritten before
// anything was written, and their reports held at once (a folder of six
// links to one package with a 55 MB --dry-run report took 349 MiB).
func TestRewriteBatchWritesAsItGoes(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.msi", "b.msi", "c.msi"} {
		if err := os.Symlink(samplePath(), filepath.Join(dir, name)); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	for _, extra := range [][]string{nil, {"--json"}} {
		ctx, cancel := context.WithCancel(context.Background())
		stdout := &cancelOnWrite{cancel: cancel}
		var stderr strings.Builder
		args := append([]string{"rewrite", "--dry-run", "--all", "--jobs", "1", dir}, extra...)
		code := run(ctx, args, strings.NewReader(""), stdout, &stderr)
		cancel()
		out := stdout.String()
		if code != exitFailure {
			t.Errorf("%v: exit %d, want %d (stopped after the first package)\nstdout:\n%s\nstderr:\n%s", args, code, exitFailure, out, stderr.String())
		}
		if !strings.Contains(stderr.String(), "rewrite: 2 of 3 packages failed") {
			t.Errorf("%v: stderr does not say the two packages after the first failed:\n%s", args, stderr.String())
		}
		if extra == nil && !strings.Contains(out, filepath.Join(dir, "a.msi")+" (dry run, nothing written): class-to-registry") {
			t.Errorf("%v: the first package's report is not in stdout:\n%.2000s", args, out)
		}
	}
}

// verify and sbom write each package's lines when it is done too, and a
// signal stops them between packages, after what was done is written:
// the first write stops the command here, so only the first of three
// packages is reported. Before, every package was done before anything
// was written, so all three were.
func TestBatchStopsAfterWhatIsWritten(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.msi", "b.msi", "c.msi"} {
		if err := os.Symlink(samplePath(), filepath.Join(dir, name)); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	out := t.TempDir()
	for _, args := range [][]string{
		{"verify", "--jobs", "1", dir},
		{"verify", "--json", "--jobs", "1", dir},
		{"sbom", "--jobs", "1", "-o", out, dir},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		stdout := &cancelOnWrite{cancel: cancel}
		var stderr strings.Builder
		code := run(ctx, args, strings.NewReader(""), stdout, &stderr)
		cancel()
		got := stdout.String()
		if code != exitFailure || !strings.Contains(stderr.String(), "context canceled") {
			t.Errorf("%v: exit %d, want %d and the stop named\nstdout:\n%s\nstderr:\n%s", args, code, exitFailure, got, stderr.String())
		}
		if !strings.Contains(got, filepath.Join(dir, "a.msi")) {
			t.Errorf("%v: the first package is not reported:\n%s", args, got)
		}
		for _, later := range []string{"b.msi", "c.msi"} {
			if strings.Contains(got, filepath.Join(dir, later)) {
				t.Errorf("%v: %s was done after the stop:\n%s", args, later, got)
			}
		}
	}
}
