//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
)

// TestInputNamedPipe: every command given a named pipe where it reads a
// package (or an IDT file, which import reads twice) fails at once with
// one error line saying what the pipe is: a package is read at offsets,
// and opening a pipe for reading would wait for a writer forever (a
// SIGTERM only cancels the command's context, which an open does not
// watch). Commands that read text as a stream (log explain's log,
// descriptor decode's file, the key files) still take pipes.
func TestInputNamedPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.msi")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	idtPipe := filepath.Join(dir, "Property.idt")
	if err := syscall.Mkfifo(idtPipe, 0o644); err != nil {
		t.Fatal(err)
	}
	cert, key := testenv.SigningCert(t)
	sample := samplePath()
	out := filepath.Join(dir, "out")
	for _, args := range [][]string{
		{"info", fifo},
		{"info", "--base", sample, fifo},
		{"tables", fifo},
		{"export", fifo, "Property"},
		{"streams", fifo},
		{"cat", fifo, `\x05SummaryInformation`},
		{"extract", fifo, "-d", out},
		{"sbom", fifo},
		{"repack", fifo, "-o", out + ".msi"},
		{"rewrite", fifo, "-o", out + ".msi"},
		{"rewrite", fifo, "--dry-run"},
		{"diff", sample, fifo},
		{"diff", fifo, sample},
		{"apply", fifo, sample, "-o", out + ".msi"},
		{"apply", sample, fifo, "-o", out + ".msi"},
		{"validate", fifo},
		{"audit", fifo},
		{"verify", fifo},
		{"sign", fifo, "--cert", cert, "--key", key, "-o", out + ".msi"},
		{"cfb", "ls", fifo},
		{"cfb", "cat", fifo, `\x05SummaryInformation`},
		{"cfb", "repack", fifo, "-o", out + ".msi"},
		{"import", fifo, idtPipe, "-o", out + ".msi"},
		{"import", sample, idtPipe, "-o", out + ".msi"},
		{"descriptor", "decode", "--package", fifo, "']gAVn-}f(ZXfeAR6.jiF<"},
	} {
		what := strings.Join(args, " ")
		type result struct {
			code   int
			stderr string
		}
		done := make(chan result, 1)
		go func() {
			code, _, stderr := runCLI(t, args...)
			done <- result{code, stderr}
		}()
		var got result
		select {
		case got = <-done:
		case <-time.After(10 * time.Second):
			// Let opens waiting for a writer return, then fail.
			for _, p := range []string{fifo, idtPipe} {
				if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
			}
			got = <-done
			t.Errorf("%s: still running after 10 s", what)
		}
		lines := strings.Split(strings.TrimSuffix(got.stderr, "\n"), "\n")
		if got.code != exitFailure || len(lines) != 1 || !strings.Contains(lines[0], "not a regular file (a named pipe)") {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and one line refusing the named pipe", what, got.code, got.stderr, exitFailure)
			continue
		}
		checkErrorLine(t, lines[0])
	}
}
