package main

import (
	"bytes"
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

// TestBatchOutputIsAnotherInput: a batch whose output for one package is
// another package of the batch (named so: sbom writes a.msi's document to
// DIR/a.msi.cdx.json; or a symbolic link there, which the write follows)
// is refused before anything is written, exit 2, every input as it was.
// Before, "sbom a.msi a.msi.cdx.json -o ." replaced the second package
// with the first one's document and exited 0.
func TestBatchOutputIsAnotherInput(t *testing.T) {
	sample, err := os.ReadFile(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		files []string          // copies of the sample, in dir
		links map[string]string // symbolic links in dir: name -> target
		args  func(dir string) []string
	}{
		{"sbom, named like the output", []string{"a.msi", "a.msi.cdx.json"}, nil, func(dir string) []string {
			return []string{"sbom", filepath.Join(dir, "a.msi"), filepath.Join(dir, "a.msi.cdx.json"), "-o", dir}
		}},
		{"rewrite, a link at the output", []string{"a.msi", "b.msi"}, map[string]string{"out/a.msi": "../b.msi"}, func(dir string) []string {
			return []string{"rewrite", "--leaf-features", filepath.Join(dir, "a.msi"), filepath.Join(dir, "b.msi"), "-o", filepath.Join(dir, "out")}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, f), sample, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for l, target := range tt.links {
				os.MkdirAll(filepath.Dir(filepath.Join(dir, l)), 0o777)
				if err := os.Symlink(target, filepath.Join(dir, l)); err != nil {
					t.Skip(err)
				}
			}
			code, _, stderr := runCLI(t, tt.args(dir)...)
			if code != exitUsage || !strings.Contains(stderr, "another package of the batch") {
				t.Errorf("exit %d, want 2 and the refusal; stderr:\n%s", code, stderr)
			}
			for _, f := range tt.files {
				if got, err := os.ReadFile(filepath.Join(dir, f)); err != nil || !bytes.Equal(got, sample) {
					t.Errorf("%s was replaced (err %v)", f, err)
				}
			}
		})
	}
}
