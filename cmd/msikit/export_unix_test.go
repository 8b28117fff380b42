//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// TestExportTerminated: SIGTERM stops export -d among a package's binary
// cells, as it stops extract: exit status 1 with one line, a new folder
// not created, an existing one left with what it held, and no temporary
// folder left beside or inside it. IDT and JSON exports alike.
func TestExportTerminated(t *testing.T) {
	pkg := filepath.Join(t.TempDir(), "cells.msi")
	generateCellsInChild(t, pkg, 20000)
	for _, tc := range []struct {
		name   string
		flags  []string
		exists bool
	}{
		{"idt into a new folder", nil, false},
		{"idt into an existing folder", nil, true},
		{"json into a new folder", []string{"--json"}, false},
		{"json into an existing folder", []string{"--json"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			tmps := filepath.Join(parent, ".out.tmp-*", "Binary", "*")
			if tc.exists {
				if err := os.Mkdir(out, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(out, "keep.txt"), []byte("mine"), 0o644); err != nil {
					t.Fatal(err)
				}
				tmps = filepath.Join(out, ".msikit-tmp-*", "Binary", "*")
			}
			before := treeSums(t, parent)
			args := append([]string{"export", pkg, "-d", out}, tc.flags...)
			cmd, stderr, exited := startChild(t, []string{childSignalsEnv + "=1"}, args...)
			terminateWhenWriting(t, "export", pkg, cmd, stderr, exited, tmps)
			if diff := cmp.Diff(before, treeSums(t, parent)); diff != "" {
				t.Errorf("the files after SIGTERM (-before +after):\n%s", diff)
			}
			for _, d := range []string{parent, out} {
				if left, _ := filepath.Glob(filepath.Join(d, ".*")); len(left) > 0 {
					t.Errorf("left after SIGTERM: %q", left)
				}
			}
			if _, err := os.Stat(out); tc.exists != (err == nil) {
				t.Errorf("after SIGTERM, stat %s: %v", out, err)
			}
		})
	}
}

// unwritableFolder makes dir refuse new entries until the test ends: mode
// 0555, or for root, whom modes do not stop, the immutable attribute
// (chattr +i). It skips the test where neither works.
func unwritableFolder(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
	} else {
		chattr, err := exec.LookPath("chattr")
		if err != nil {
			t.Skip("running as root without chattr: cannot make a folder unwritable")
		}
		if out, err := exec.Command(chattr, "+i", dir).CombinedOutput(); err != nil {
			t.Skipf("running as root and chattr +i fails: %v: %s", err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command(chattr, "-i", dir).CombinedOutput(); err != nil {
				t.Errorf("chattr -i %s: %v: %s", dir, err, out)
			}
		})
	}
	probe := filepath.Join(dir, "probe")
	if err := os.WriteFile(probe, nil, 0o666); err == nil {
		os.Remove(probe)
		t.Skipf("%s is still writable", dir)
	}
}

// TestExportMergeFailsPartWay: export -d into an existing folder whose
// Icon subfolder refuses new files moves the entries that sort before
// Icon, then fails: the error says so (how many, into which folder, and
// why), never that nothing was written, and the rest is removed.
func TestExportMergeFailsPartWay(t *testing.T) {
	full := filepath.Join(t.TempDir(), "full")
	if code, _, stderr := runCLI(t, "export", samplePath(), "-d", full); code != exitOK {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	all, err := os.ReadDir(full)
	if err != nil {
		t.Fatal(err)
	}
	var before []string // the entries moved before Icon
	for _, e := range all {
		if e.Name() >= "Icon" {
			break
		}
		before = append(before, e.Name())
	}
	if len(before) < 2 || len(before) == len(all) {
		t.Fatalf("export holds %d entries, %d before Icon: the test proves nothing", len(all), len(before))
	}

	out := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(filepath.Join(out, "Icon"), 0o755); err != nil {
		t.Fatal(err)
	}
	unwritableFolder(t, filepath.Join(out, "Icon"))
	code, _, stderr := runCLI(t, "export", samplePath(), "-d", out)
	want := fmt.Sprintf("msikit: %s: %s: %d new files or folders moved in before a move failed (the others removed): move %s: ",
		samplePath(), out, len(before), filepath.Join(out, "Icon", "Icon.app.ico"))
	if code != exitFailure || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want exit 1 and one line starting %q", code, stderr, want)
	}
	got, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff(append(before, "Icon"), names); diff != "" {
		t.Errorf("entries of %s after the failed move (-want +got):\n%s", out, diff)
	}
	if ents, _ := os.ReadDir(filepath.Join(out, "Icon")); len(ents) != 0 {
		t.Errorf("Icon holds %d entries", len(ents))
	}
}

// TestExportToStdoutTerminated: SIGTERM stops an export to standard
// output within 1,024 rows, IDT or JSON: --max-bytes 0 lifts the bound on
// the text, and msi-binary-rows-long-key.msi's Binary table then makes
// gigabytes of it (each row names its cell by a long pooled key). Exit
// status 1 with one line. (Before, the export wrote on to its end after
// the signal, exit status 0: 5-10 s here, and 51 GB over 9 minutes for
// the 5 MB scaled fixture of the same make.)
func TestExportToStdoutTerminated(t *testing.T) {
	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-binary-rows-long-key.msi")
	for _, flags := range [][]string{{"Binary"}, {"--json"}} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			args := append([]string{"export", "--max-bytes", "0", pkg}, flags...)
			// Standard output is the null device (startChild's default).
			cmd, stderr, exited := startChild(t, []string{childSignalsEnv + "=1"}, args...)
			waitOpened(t, cmd, pkg, exited, stderr)
			time.Sleep(300 * time.Millisecond) // writing rows
			terminateChild(t, strings.Join(args, " "), pkg, cmd, exited, stderr)
		})
	}
}
