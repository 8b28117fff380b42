//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// stdioChildArgs is the variable that makes TestStdioChild run msikit
// with its arguments (one per line) on the test process's own standard
// streams.
const stdioChildArgs = "MSIKIT_TEST_STDIO_ARGS"

// TestStdioChild is msikit run as a child by TestWritersRefuseStdout: it
// does nothing unless the parent set stdioChildArgs.
func TestStdioChild(t *testing.T) {
	args := os.Getenv(stdioChildArgs)
	if args == "" {
		t.Skip("run by TestWritersRefuseStdout")
	}
	os.Exit(run(context.Background(), strings.Split(args, "\n"), os.Stdin, os.Stdout, os.Stderr))
}

// TestWritersRefuseStdout: every command that writes a file refuses
// -o /dev/stdout when standard output is redirected to a regular file
// (msikit rewrite IN -o /dev/stdout >> log), and -o naming the file
// standard output is redirected to: the output, renamed into place,
// replaced the log, losing what it held (and what >> appends to), while
// the descriptor went on writing to the unlinked old file. The log keeps
// its line, nothing else is written to it, and the error says why. So
// does export -d into the folder of the file standard output is
// redirected to.
func TestWritersRefuseStdout(t *testing.T) {
	dir := t.TempDir()
	in := copySample(t, dir, "in.msi")
	changed := filepath.Join(dir, "changed.msi")
	mst := filepath.Join(dir, "t.mst")
	prop := filepath.Join(dir, "Property.idt")
	for _, args := range [][]string{
		{"rewrite", in, "--leaf-features", "-o", changed},
		{"diff", in, changed, "-o", mst},
		{"export", "-d", dir, in, "Property"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitOK {
			t.Fatalf("%q: exit %d, %s", args, code, stderr)
		}
	}
	writers := [][]string{
		{"rewrite", in, "--leaf-features", "-o"},
		{"repack", in, "-o"},
		{"cfb", "repack", in, "-o"},
		{"import", in, prop, "-o"},
		{"apply", in, mst, "-o"},
		{"diff", in, changed, "-o"},
		{"sbom", in, "-o"},
	}
	// export -d DIR into a folder holding the file standard output is
	// redirected to (msikit export -d . pkg > Property.idt).
	writers = append(writers, []string{"export", in, "-d"})
	for _, w := range writers {
		for _, out := range []string{"/dev/stdout", "/dev/fd/1", "LOG"} {
			log := filepath.Join(t.TempDir(), "log")
			if w[0] == "export" {
				if out != "LOG" {
					continue
				}
				log = filepath.Join(t.TempDir(), "Property.idt")
				out = filepath.Dir(log)
			}
			if err := os.WriteFile(log, []byte("log line\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if out == "LOG" {
				out = log
			}
			args := append(append([]string(nil), w...), out)
			f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestStdioChild$")
			cmd.Env = append(os.Environ(), stdioChildArgs+"="+strings.Join(args, "\n"))
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = f, &stderr
			err = cmd.Run()
			f.Close()
			code := -1
			if cmd.ProcessState != nil {
				code = cmd.ProcessState.ExitCode()
			}
			if code != exitFailure || !strings.Contains(stderr.String(), "is the file standard output is open on") {
				t.Errorf("%q >> log: exit %d (%v), stderr %q; want exit 1 saying the output is standard output", args, code, err, stderr.String())
			}
			got, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(got, []byte("log line\n")) || bytes.Contains(got, []byte("\xd0\xcf\x11\xe0")) {
				t.Errorf("%q >> log: the log holds %d bytes starting %q; want its line kept and no package in it", args, len(got), got[:min(len(got), 16)])
			}
		}
	}
}
