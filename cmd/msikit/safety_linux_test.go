package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/msikit/msikit/msi"
)

// bigInput writes a database of about 32 MiB (sample.msi with a big
// stream), big enough that writing it takes a while.
func bigInput(t *testing.T, dir string) string {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	blob := make([]byte, 32<<20)
	for i := 0; i+8 <= len(blob); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			blob[i+j] = byte(v >> (8 * j))
		}
	}
	db, err := msi.Open(filepath.Join(repoRoot(t), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SetStream("BigPayload", bytes.NewReader(blob), int64(len(blob))); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "big.msi")
	if err := db.Save(p, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSIGKILLDuringWrite kills a writing msikit process part way through
// the write. The destination keeps its old content, the input its
// SHA-256; and while it writes, the process holds the input open
// read-only and never opens the destination path itself.
func TestSIGKILLDuringWrite(t *testing.T) {
	dir := t.TempDir()
	in := bigInput(t, dir)
	for _, w := range writers(t, dir) {
		t.Run(w.name, func(t *testing.T) {
			checkWriter(t, w)
			d := t.TempDir()
			out := filepath.Join(d, "out.msi")
			if err := os.WriteFile(out, []byte("OLD"), 0o644); err != nil {
				t.Fatal(err)
			}
			inSum := sha(t, in)
			cmd, stderr, exited := startChild(t, nil, w.args(in, out)...)
			// Wait for the temporary file to hold part of the output,
			// then stop the process there.
			caught := false
			deadline := time.Now().Add(60 * time.Second)
		poll:
			for time.Now().Before(deadline) {
				select {
				case err := <-exited:
					t.Fatalf("the write finished (%v) before it could be killed; stderr: %s", err, stderr.String())
				default:
				}
				for _, tmp := range tempLeftovers(t, d) {
					if fi, err := os.Stat(tmp); err == nil && fi.Size() > 0 {
						caught = true
						break poll
					}
				}
				time.Sleep(time.Millisecond)
			}
			if !caught {
				cmd.Process.Kill()
				t.Fatal("no partial output after 60s")
			}
			cmd.Process.Signal(syscall.SIGSTOP)
			checkOpenFiles(t, cmd.Process.Pid, in, out)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			err := <-exited
			if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child ended with %v, want killed", err)
			}
			if b, _ := os.ReadFile(out); string(b) != "OLD" {
				t.Errorf("destination is %d bytes after SIGKILL, want the old 3", len(b))
			}
			if sha(t, in) != inSum {
				t.Error("the input changed")
			}
			// A killed process cannot remove its temporary file; it is
			// hidden (".out.msi.tmp-*") and never mistaken for the output.
			t.Logf("left by the kill: %q", tempLeftovers(t, d))
		})
	}
}

// checkOpenFiles checks the open files of process pid: in, if open, is
// open read-only, and out itself is not open (only its temporary file).
func checkOpenFiles(t *testing.T, pid int, in, out string) {
	t.Helper()
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(fdDir)
	if err != nil {
		t.Fatal(err)
	}
	inFi, _ := os.Stat(in)
	outFi, _ := os.Stat(out)
	sawIn := false
	for _, fd := range fds {
		target := filepath.Join(fdDir, fd.Name())
		fi, err := os.Stat(target)
		if err != nil {
			continue
		}
		if os.SameFile(fi, outFi) {
			t.Errorf("fd %s: the destination itself is open", fd.Name())
		}
		if !os.SameFile(fi, inFi) {
			continue
		}
		sawIn = true
		info, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%s", pid, fd.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(info), "\n") {
			if v, ok := strings.CutPrefix(line, "flags:"); ok {
				flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
				if err != nil {
					t.Fatal(err)
				}
				if flags&syscall.O_ACCMODE != syscall.O_RDONLY || flags&syscall.O_TRUNC != 0 {
					t.Errorf("fd %s: the input is open with flags %o, want read-only", fd.Name(), flags)
				}
			}
		}
	}
	if !sawIn {
		t.Logf("the input is not open at the time of the kill")
	}
}
