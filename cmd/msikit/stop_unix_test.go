//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/install"
)

// TestExtractTerminatedInFile: SIGTERM stops extract inside one file,
// not only between files: the 0.5 GB file of the MSZIP bomb, with
// --max-ratio 0 (no bound), is being written when the signal comes;
// extract stops within a cabinet block and exits with status 1 and one
// line. Into a new folder it leaves neither the folder nor its temporary
// folder; into a folder holding files, the folder as it was, without the
// file's temporary file. (Before, decoding went on to the file's end, and
// the extraction finished with status 0.)
func TestExtractTerminatedInFile(t *testing.T) {
	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-mszip-bomb.msi")
	db, err := msi.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	files, err := install.Files(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rel string
	for f := range files {
		rel = filepath.FromSlash(f.Path)
	}
	db.Close()
	for _, exists := range []bool{false, true} {
		name := "into a new folder"
		if exists {
			name = "into a folder holding files"
		}
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			writing := filepath.Join(parent, ".out.tmp-*", rel)
			if exists {
				if err := os.MkdirAll(filepath.Join(out, filepath.Dir(rel)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(out, "keep.txt"), []byte("mine"), 0o644); err != nil {
					t.Fatal(err)
				}
				writing = filepath.Join(out, filepath.Dir(rel), ".*")
			}
			before := treeSums(t, parent)
			cmd, stderr, exited := startChild(t, []string{childSignalsEnv + "=1"}, "extract", pkg, "-d", out, "--max-ratio", "0")
			terminateWhenWriting(t, "extract", pkg, cmd, stderr, exited, writing)
			if diff := cmp.Diff(before, treeSums(t, parent)); diff != "" {
				t.Errorf("the files after SIGTERM (-before +after):\n%s", diff)
			}
			if left, _ := filepath.Glob(filepath.Join(parent, ".*")); len(left) > 0 {
				t.Errorf("left after SIGTERM: %q", left)
			}
			if left, _ := filepath.Glob(filepath.Join(out, filepath.Dir(rel), ".*")); len(left) > 0 {
				t.Errorf("left after SIGTERM: %q", left)
			}
		})
	}
}

// TestSBOMTerminated: SIGTERM stops sbom while it decodes one package:
// msi-cab-copies-far.msi with --max-ratio 0 decodes its 131 MB folder
// again for each of 2,000 cabinet files (262 GB, minutes). sbom exits
// with status 1 and one line within seconds of the signal and writes no
// document. (Before, it decoded on until the end.)
func TestSBOMTerminated(t *testing.T) {
	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-cab-copies-far.msi")
	dir := t.TempDir()
	out := filepath.Join(dir, "out.cdx.json")
	cmd, stderr, exited := startChild(t, []string{childSignalsEnv + "=1"}, "sbom", pkg, "--max-ratio", "0", "-o", out)
	waitOpened(t, cmd, pkg, exited, stderr)
	// Well into decoding the copies (each 0.1-1 s).
	time.Sleep(500 * time.Millisecond)
	terminateChild(t, "sbom", pkg, cmd, exited, stderr)
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("left after SIGTERM: %v", left)
	}
}

// progIDCycle writes the sample with n more ProgId rows in one
// ProgId_Parent cycle (fuzz's msi-progid-cycle.msi, larger) to path:
// class-to-registry and the audit read, check and note each row.
func progIDCycle(t *testing.T, path string, n int) {
	t.Helper()
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := db.Table("ProgId")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := tab.Insert(msi.StrValue(fmt.Sprintf("P%d", i)), msi.StrValue(fmt.Sprintf("P%d", (i+1)%n)), msi.Value{}, msi.Value{}, msi.Value{}, msi.Value{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Save(path, nil); err != nil {
		t.Fatal(err)
	}
}

// TestRewriteAuditTerminated: SIGTERM stops rewrite --class-to-registry
// and audit inside their loops over a package's rows: the sample with a
// ProgId cycle of 480,000 rows (13 MB), whose rewrite takes about 2 s of
// CPU and audit 5 s, is signalled 300 ms after the command opened it.
// Each exits with status 1 and one line, and rewrite writes no output.
// (Before, rewrite finished its one pass and wrote the output, status
// 0, and audit ran to its end and printed its report.)
func TestRewriteAuditTerminated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 13 MB package")
	}
	dir := t.TempDir()
	pkg := filepath.Join(dir, "cycle.msi")
	progIDCycle(t, pkg, 480_000)
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"rewrite", []string{"rewrite", pkg, "--class-to-registry", "-o", filepath.Join(dir, "out.msi")}},
		{"audit", []string{"audit", pkg, "--max-entry-points", "1000000"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd, stderr, exited := startChild(t, []string{childSignalsEnv + "=1"}, tt.args...)
			waitOpened(t, cmd, pkg, exited, stderr)
			time.Sleep(300 * time.Millisecond)
			terminateChild(t, tt.name, pkg, cmd, exited, stderr)
			if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 1 {
				t.Errorf("in the folder after SIGTERM: %q, want only the package", left)
			}
		})
	}
}

// terminateChild sends SIGTERM to the child cmd (started with
// childSignalsEnv set) and checks that it exits within 20 s with status 1
// and one line on standard error, "msikit: PKG: stopped by a signal
// (terminated)"; a child still running then is killed and fails the test.
func terminateChild(t *testing.T, what, pkg string, cmd *exec.Cmd, exited <-chan error, stderr *bytes.Buffer) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
			t.Fatalf("%s ended with %v after SIGTERM, want exit status %d; stderr: %s", what, err, exitFailure, stderr.String())
		}
		t.Logf("%s exited %v after SIGTERM", what, time.Since(signalled).Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("%s still running 20 s after SIGTERM; stderr: %s", what, stderr.String())
	}
	if got, want := stderr.String(), "msikit: "+pkg+": stopped by a signal (terminated)\n"; got != want {
		t.Errorf("%s: stderr after SIGTERM: %q, want %q", what, got, want)
	}
}

// waitOpened waits (up to 60 s) until the child cmd has opened path,
// which it does after installing its signal handler, so that a signal
// then asks it to stop instead of killing it. Where /proc is missing it
// waits a second.
func waitOpened(t *testing.T, cmd *exec.Cmd, path string, exited <-chan error, stderr interface{ String() string }) {
	t.Helper()
	if runtime.GOOS != "linux" {
		time.Sleep(time.Second)
		return
	}
	want, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	fds := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "fd")
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("ended (%v) before opening %s; stderr: %s", err, path, stderr.String())
		default:
		}
		links, _ := os.ReadDir(fds)
		for _, l := range links {
			if target, err := os.Readlink(filepath.Join(fds, l.Name())); err == nil && strings.EqualFold(target, want) {
				return
			}
		}
	}
	cmd.Process.Kill()
	t.Fatalf("%s not opened within 60 s", path)
}

// openatSyscall is the number of openat, the call os.Open makes, on the
// architectures where waitBlockedOpening reads it from /proc.
var openatSyscall = map[string]string{"amd64": "257", "arm64": "56", "riscv64": "56", "loong64": "56", "386": "295"}

// waitBlockedOpening waits (up to 60 s) until a thread of the child cmd
// is blocked in openat opening a named pipe (/proc/PID/task/*/syscall
// names the call a blocked thread is in; wchan, where the kernel shows
// it, is wait_for_partner, the wait for the pipe's other end). Where
// /proc does not tell, it waits 300 ms.
func waitBlockedOpening(t *testing.T, cmd *exec.Cmd, exited <-chan error, stderr interface{ String() string }) {
	t.Helper()
	openat, ok := openatSyscall[runtime.GOARCH]
	if runtime.GOOS != "linux" || !ok {
		time.Sleep(300 * time.Millisecond)
		return
	}
	tasks := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "task")
	start := time.Now()
	for deadline := start.Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("ended (%v) before blocking in an open; stderr: %s", err, stderr.String())
		default:
		}
		ids, err := os.ReadDir(tasks)
		if err != nil {
			t.Logf("%v: waiting 300 ms instead", err)
			time.Sleep(300 * time.Millisecond)
			return
		}
		for _, id := range ids {
			call, err := os.ReadFile(filepath.Join(tasks, id.Name(), "syscall"))
			if err != nil {
				if errors.Is(err, fs.ErrPermission) {
					t.Logf("%v: waiting 300 ms instead", err)
					time.Sleep(300 * time.Millisecond)
					return
				}
				continue
			}
			if f := strings.Fields(string(call)); len(f) == 0 || f[0] != openat {
				continue
			}
			wchan, _ := os.ReadFile(filepath.Join(tasks, id.Name(), "wchan"))
			if w := strings.TrimSpace(string(wchan)); w == "wait_for_partner" || w == "" || w == "0" {
				t.Logf("blocked opening after %v", time.Since(start).Round(time.Millisecond))
				return
			}
		}
	}
	cmd.Process.Kill()
	t.Fatal("not blocked in an open within 60 s")
}
