//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

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

// TestFolderArgumentEntries: a folder given to verify, sbom or rewrite
// stands for its entries with a package extension that are not folders.
// A symbolic link counts as what it points to (a folder of links to
// packages is a folder of packages), and an entry that is not a regular
// file (a named pipe, a dangling link) is reported as a failed package,
// not left out unsaid; a folder, or a link to one, is not a package.
func TestFolderArgumentEntries(t *testing.T) {
	root := t.TempDir()
	in, real := filepath.Join(root, "in"), filepath.Join(root, "real")
	for _, d := range []string{in, real, filepath.Join(in, "sub.msi")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(in, "a.msi"), filepath.Join(real, "b.msi")} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"link.msi": "../real/b.msi", "dangling.msi": "nowhere.msi", "linkdir.msi": "../real"} {
		if err := os.Symlink(target, filepath.Join(in, link)); err != nil {
			t.Skip(err)
		}
	}
	fifo := filepath.Join(in, "fifo.msi")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	for _, tc := range []struct {
		args       []string
		wantStdout []string
		wantStderr []string
	}{
		{
			args: []string{"verify", in},
			wantStdout: []string{
				in + "/a.msi: not signed",
				in + "/dangling.msi: error: no such file or directory",
				in + "/fifo.msi: error: not a regular file (a named pipe): it is read at offsets; copy it to a file first",
				in + "/link.msi: not signed",
				"0 valid, 4 not valid",
			},
			wantStderr: []string{"msikit: verify: 4 of 4 packages not valid"},
		},
		{
			args: []string{"sbom", "--jobs", "1", "-o", filepath.Join(root, "sboms"), in},
			wantStdout: []string{
				in + "/a.msi: " + root + "/sboms/a.msi.cdx.json: 17 files, 0 merge modules, 0 streams",
				in + "/link.msi: " + root + "/sboms/link.msi.cdx.json: 17 files, 0 merge modules, 0 streams",
			},
			wantStderr: []string{
				"msikit: " + in + "/dangling.msi: no such file or directory",
				"msikit: " + in + "/fifo.msi: not a regular file (a named pipe): it is read at offsets; copy it to a file first",
				"msikit: sbom: 2 of 4 packages failed",
			},
		},
	} {
		what := strings.Join(tc.args, " ")
		var code int
		var stdout, stderr string
		testenv.FinishOrReleasePipes(t, what, func() { code, stdout, stderr = runCLI(t, tc.args...) }, fifo)
		if code != exitFailure {
			t.Errorf("%s: exit %d, want %d", what, code, exitFailure)
		}
		if diff := cmp.Diff(tc.wantStdout, strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")); diff != "" {
			t.Errorf("%s: stdout (-want +got):\n%s", what, diff)
		}
		if diff := cmp.Diff(tc.wantStderr, strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")); diff != "" {
			t.Errorf("%s: stderr (-want +got):\n%s", what, diff)
		}
	}
	// rewrite writes a package for the link and none for the others.
	out := filepath.Join(root, "rewritten")
	var code int
	testenv.FinishOrReleasePipes(t, "rewrite", func() { code, _, _ = runCLI(t, "rewrite", "--jobs", "1", "-o", out, in) }, fifo)
	if code != exitFailure {
		t.Errorf("rewrite: exit %d, want %d", code, exitFailure)
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"a.msi", "link.msi"}, names); diff != "" {
		t.Errorf("rewrite -o %s (-want +got):\n%s", out, diff)
	}
}

// TestOutputFolderNamedPipe: every command given a named pipe (or a
// regular file) where it needs an output folder says what it is, in the
// words of a refused output file ("is a named pipe, not a folder"): the
// batch writers called a pipe "a file", export -d "exists and is not a
// folder", and a trailing separator ("-o pipe/") got "mkdir: file
// exists". Nothing blocks on the pipe.
func TestOutputFolderNamedPipe(t *testing.T) {
	dir := t.TempDir()
	a, b := copySample(t, dir, "a.msi"), copySample(t, dir, "b.msi")
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		target, what string
	}{{fifo, "is a named pipe, not a folder"}, {fifo + "/", "is a named pipe, not a folder"}, {file, "is a regular file, not a folder"}, {file + "/", "is a regular file, not a folder"}} {
		for _, args := range [][]string{
			{"rewrite", a, b, "--leaf-features", "-o", c.target},
			{"sbom", a, b, "-o", c.target},
			{"export", "-d", c.target, a},
			{"export", "-f", "json", "-d", c.target, a},
			{"extract", a, "-d", c.target},
		} {
			code, _, stderr := runCLI(t, args...)
			if code == exitOK || !strings.Contains(stderr, c.target) || !strings.Contains(stderr, c.what) {
				t.Errorf("%q: exit %d, stderr %q; want it to say %q", args, code, stderr, c.what)
			}
		}
	}
	// One input and -o PIPE/ (a folder, by its trailing separator).
	for _, args := range [][]string{
		{"rewrite", a, "--leaf-features", "-o", fifo + "/"},
		{"sbom", a, "-o", fifo + "/"},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitFailure || !strings.Contains(stderr, "is a named pipe, not a folder") {
			t.Errorf("%q: exit %d, stderr %q; want it to say the pipe is a named pipe, not a folder", args, code, stderr)
		}
	}
}
