//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if err := tc.make(dir); err != nil {
				t.Skip(err)
			}
			type result struct {
				code           int
				stdout, stderr string
			}
			done := make(chan result, 1)
			go func() {
				code, stdout, stderr := runCLI(t, "extract", samplePath(), "-d", dir)
				done <- result{code, stdout, stderr}
			}()
			var got result
			select {
			case got = <-done:
			case <-time.After(10 * time.Second):
				// Unblock an open of the named pipe, then fail.
				if f, err := os.OpenFile(dir, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					f.Close()
				}
				got = <-done
				t.Errorf("extract -d %s: still running after 10 s", tc.name)
			}
			want := result{exitFailure, "", "msikit: " + samplePath() + ": " + dir + " is not a folder\n"}
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
	// Wait until files are being written into the temporary folder.
	caught := false
	for deadline := time.Now().Add(60 * time.Second); !caught && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("extract finished (%v) before it could be terminated; stderr: %s", err, stderr.String())
		default:
		}
		tmps, _ := filepath.Glob(filepath.Join(parent, ".out.tmp-*", "*"))
		caught = len(tmps) > 0
	}
	if !caught {
		cmd.Process.Kill()
		t.Fatal("no temporary folder with files after 60 s")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
		t.Fatalf("extract ended with %v after SIGTERM, want exit status %d; stderr: %s", err, exitFailure, stderr.String())
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || lines[0] != "msikit: "+pkg+": stopped by a signal (terminated)" {
		t.Errorf("stderr after SIGTERM: %q, want one line naming the package and the signal", stderr.String())
	}
	left, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left beside the output after SIGTERM: %s", e.Name())
	}
}

// TestSecondSignal: a command that cannot stop at once (here verify,
// blocked opening a named pipe no one writes to) is still running after
// the first SIGTERM, which only asks it to stop; a second ends it at once
// with one line.
func TestSecondSignal(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.msi")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Skip(err)
	}
	cmd, stderr, exited := startChild(t, []string{childSignalsEnv + "=1"}, "verify", fifo)
	defer func() {
		// Unblock the open if the child still waits in it.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	}()
	// Let the child reach the open, then ask it to stop: it cannot.
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		t.Fatalf("verify ended (%v) on the first SIGTERM while blocked; stderr: %s", err, stderr.String())
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
		t.Fatal("verify still running 10 s after a second SIGTERM")
	}
}
