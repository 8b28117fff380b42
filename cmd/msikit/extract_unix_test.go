//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// TestExtractIntoNonFolder: -d naming something that is not a folder (a
// regular file, a named pipe) fails at once with one line, without
// opening it: opening a named pipe blocks until a writer comes.
func TestExtractIntoNonFolder(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(p string) error
	}{
		{"regular file", func(p string) error { return os.WriteFile(p, nil, 0o666) }},
		{"named pipe", func(p string) error { return syscall.Mkfifo(p, 0o666) }},
	} {
		// Said as a refused output file is: "is a named pipe, not a
		// folder".
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if err := tc.make(dir); err != nil {
				t.Skip(err)
			}
			type result struct {
				code           int
				stdout, stderr string
			}
			var got result
			testenv.FinishOrReleasePipes(t, "extract -d "+tc.name, func() {
				got.code, got.stdout, got.stderr = runCLI(t, "extract", samplePath(), "-d", dir)
			}, dir)
			want := result{exitFailure, "", "msikit: " + samplePath() + ": " + dir + " is a " + tc.name + ", not a folder\n"}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(result{})); diff != "" {
				t.Errorf("extract -d %s (-want +got):\n%s", tc.name, diff)
			}
		})
	}
}

// TestExtractTerminated: SIGTERM (what a CI system sends a job that runs
// out of time) stops an extraction into a new folder as an interrupt
// does: exit status 1 with one line, and neither the folder nor its
// temporary folder left behind.
func TestExtractTerminated(t *testing.T) {
	pkg := filepath.Join(t.TempDir(), "many.msi")
	generateInChild(t, pkg, 40000, 200, 1<<10, 1)
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	cmd, stderr, exited := startChild(t, []string{childSignalsEnv + "=1"}, "extract", pkg, "-d", out)
	terminateWhenWriting(t, "extract", pkg, cmd, stderr, exited, filepath.Join(parent, ".out.tmp-*", "*"))
	left, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left beside the output after SIGTERM: %s", e.Name())
	}
}

// TestSecondSignal: a command that cannot stop at once (here log explain,
// blocked opening a named pipe no one writes to: a log is read as a
// stream, so a pipe is taken, unlike a package) is still running after
// the first SIGTERM, which only asks it to stop; a second ends it at once
// with one line.
func TestSecondSignal(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.log")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Skip(err)
	}
	cmd, stderr, exited := startChild(t, []string{childSignalsEnv + "=1"}, "log", "explain", fifo)
	defer func() {
		// Unblock the open if the child still waits in it.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	}()
	// Let the child reach the open, then ask it to stop: it cannot. (A
	// fixed 300 ms wait was too short on a loaded machine for this test
	// binary, slower under -race, to start, and a SIGTERM before its
	// handler killed it.)
	waitBlockedOpening(t, cmd, exited, stderr)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		t.Fatalf("log explain ended (%v) on the first SIGTERM while blocked; stderr: %s", err, stderr.String())
	case <-time.After(300 * time.Millisecond):
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitFailure || stderr.String() != "msikit: stopped by a second signal (terminated)\n" {
			t.Errorf("after a second SIGTERM: %v, stderr %q; want exit status 1 and one line", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("log explain still running 10 s after a second SIGTERM")
	}
}

// TestExtractModesFollowUmask: both ways extract writes (a new folder
// filled as a whole; a folder holding files, one file at a time) give new
// files 0666 and new folders 0777 less the umask, as cp, tar and
// msiextract do; a file extract replaces keeps its mode, and so does the
// folder itself. Not parallel: the umask is the process's.
func TestExtractModesFollowUmask(t *testing.T) {
	const replaced = "Program Files (x86)/SynthCorp/data/data1.txt"
	for _, u := range []int{0o022, 0o077, 0o002} {
		for _, existing := range []bool{false, true} {
			name := fmt.Sprintf("umask %03o into a new folder", u)
			if existing {
				name = fmt.Sprintf("umask %03o into a folder holding files", u)
			}
			t.Run(name, func(t *testing.T) {
				old := syscall.Umask(u)
				defer syscall.Umask(old)
				file, folder := fs.FileMode(0o666&^u), fs.FileMode(0o777&^u)
				out := filepath.Join(t.TempDir(), "out")
				want := map[string]fs.FileMode{}
				if existing {
					p := filepath.Join(out, filepath.FromSlash(replaced))
					if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
						t.Fatal(err)
					}
					for _, f := range []string{p, filepath.Join(out, "keep.txt")} {
						if err := os.WriteFile(f, []byte("old"), 0o600); err != nil {
							t.Fatal(err)
						}
						if err := os.Chmod(f, 0o640); err != nil { // whatever the umask
							t.Fatal(err)
						}
					}
					want["keep.txt"] = 0o640
				}
				code, stdout, stderr := runCLI(t, "extract", samplePath(), "-d", out)
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
					rel, err := filepath.Rel(out, line)
					if err != nil {
						t.Fatal(err)
					}
					want[filepath.ToSlash(rel)] = file
					for d := filepath.Dir(rel); d != "."; d = filepath.Dir(d) {
						want[filepath.ToSlash(d)] = folder
					}
				}
				if existing {
					// Made before: they keep their modes.
					want[replaced] = 0o640
					for d := path.Dir(replaced); d != "."; d = path.Dir(d) {
						want[d] = 0o700
					}
				}
				if _, ok := want[replaced]; !ok {
					t.Fatalf("%s is not extracted: the test proves nothing", replaced)
				}
				got := map[string]fs.FileMode{}
				err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
					if err != nil || p == out {
						return err
					}
					fi, err := d.Info()
					if err != nil {
						return err
					}
					rel, _ := filepath.Rel(out, p)
					got[filepath.ToSlash(rel)] = fi.Mode().Perm()
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("modes below %s (-want +got):\n%s", out, diff)
				}
				if fi, err := os.Stat(out); err != nil {
					t.Error(err)
				} else if !existing && fi.Mode().Perm() != folder {
					t.Errorf("the folder itself: %v, want %v", fi.Mode().Perm(), folder)
				}
			})
		}
	}
}

// TestWriterModesFollowUmask: every package writer gives a new output
// 0666 less the umask, as extract and export -d give their files. Not
// parallel: the umask is the process's.
func TestWriterModesFollowUmask(t *testing.T) {
	dir := t.TempDir()
	for _, w := range writers(t, dir) {
		for _, u := range []int{0o022, 0o077} {
			t.Run(fmt.Sprintf("%s umask %03o", w.name, u), func(t *testing.T) {
				checkWriter(t, w)
				old := syscall.Umask(u)
				defer syscall.Umask(old)
				out := filepath.Join(t.TempDir(), "out.msi")
				if code, _, stderr := runCLI(t, w.args(samplePath(), out)...); code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				fi, err := os.Stat(out)
				if err != nil {
					t.Fatal(err)
				}
				if want := fs.FileMode(0o666 &^ u); fi.Mode().Perm() != want {
					t.Errorf("mode %v, want %v", fi.Mode().Perm(), want)
				}
			})
		}
	}
}

// terminateWhenWriting waits (up to 60 s) until files matching glob are
// being written by the child command what started by startChild, sends it
// SIGTERM, and checks that it exits with status 1 and one line naming pkg
// and the signal.
func terminateWhenWriting(t *testing.T, what, pkg string, cmd *exec.Cmd, stderr *bytes.Buffer, exited <-chan error, glob string) {
	t.Helper()
	caught := false
	for deadline := time.Now().Add(60 * time.Second); !caught && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("%s finished (%v) before it could be terminated; stderr: %s", what, err, stderr.String())
		default:
		}
		m, _ := filepath.Glob(glob)
		caught = len(m) > 0
	}
	if !caught {
		cmd.Process.Kill()
		t.Fatalf("no file matching %s after 60 s", glob)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
		t.Fatalf("%s ended with %v after SIGTERM, want exit status %d; stderr: %s", what, err, exitFailure, stderr.String())
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || lines[0] != "msikit: "+pkg+": stopped by a signal (terminated)" {
		t.Errorf("stderr after SIGTERM: %q, want one line naming the package and the signal", stderr.String())
	}
}
