//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

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
		var code int
		var stderr string
		testenv.FinishOrReleasePipes(t, what, func() { code, _, stderr = runCLI(t, args...) }, fifo, idtPipe)
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if code != exitFailure || len(lines) != 1 || !strings.Contains(lines[0], "not a regular file (a named pipe)") {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and one line refusing the named pipe", what, code, stderr, exitFailure)
			continue
		}
		checkErrorLine(t, lines[0])
	}
}
