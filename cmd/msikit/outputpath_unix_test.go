//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fileWriters is every command that writes one file with -o: the package
// writers, and the transform and document writers (rewrite
// --as-transform, diff -o, sbom -o), which go through the same code.
func fileWriters(t *testing.T, dir string) []writer {
	t.Helper()
	ws := writers(t, dir)
	// OLD for diff -o: the sample with writers' Property.idt imported
	// (a row more), so that the transform to a copy of the sample is
	// not empty.
	other := filepath.Join(dir, "other.msi")
	if code, _, stderr := runCLI(t, "import", samplePath(), filepath.Join(dir, "Property.idt"), "-o", other); code != exitOK {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	return append(ws,
		writer{"rewrite --as-transform", func(in, out string) []string { return []string{"rewrite", "--as-transform", in, "-o", out} }, false},
		writer{"diff -o", func(in, out string) []string { return []string{"diff", other, in, "-o", out} }, false},
		writer{"sbom -o", func(in, out string) []string { return []string{"sbom", in, "-o", out} }, false},
	)
}

// TestWritersRefuseSpecialOutput: -o naming a named pipe, or a character
// device (a copy of /dev/null, when the test may make one), is refused at
// once by every writer, with one line that names it: the new file is
// renamed into place, so it would replace the pipe or device (as root,
// -o /dev/null would replace the system's) rather than write to it. The
// pipe or device stays, the input is untouched and no temporary file is
// left. (A named pipe is never opened, so nothing waits for a reader.)
func TestWritersRefuseSpecialOutput(t *testing.T) {
	dir := t.TempDir()
	for _, w := range fileWriters(t, dir) {
		t.Run(w.name, func(t *testing.T) {
			d := t.TempDir()
			in := copySample(t, d, "in.msi")
			inSum := sha(t, in)
			fifo := filepath.Join(d, "fifo")
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Skip(err)
			}
			outs := map[string]string{fifo: "named pipe"}
			null := filepath.Join(d, "null")
			if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err == nil {
				outs[null] = "character device"
			}
			for out, what := range outs {
				code, _, stderr := runCLI(t, w.args(in, out)...)
				checkOneLineError(t, code, stderr, out, in)
				if !strings.Contains(stderr, out) || !strings.Contains(stderr, "is a "+what+", not a regular file") {
					t.Errorf("-o %s: %q does not say it is a %s", out, stderr, what)
				}
				if fi, err := os.Lstat(out); err != nil || fi.Mode().IsRegular() {
					t.Errorf("-o %s: replaced by a regular file (%v)", out, err)
				}
			}
			if sha(t, in) != inSum {
				t.Error("the input changed")
			}
			if l := tempLeftovers(t, d); len(l) > 0 {
				t.Errorf("temporary files left: %q", l)
			}
		})
	}
}

// TestWritersFollowSymlink: every -o writer treats a symbolic link at OUT
// alike: the file it points to is replaced and the link stays; a link to
// nothing is refused with one line, creating nothing. (sign and sbom -o
// used to replace the link itself, and write a file for a link to
// nothing, where the others followed it.)
func TestWritersFollowSymlink(t *testing.T) {
	dir := t.TempDir()
	for _, w := range fileWriters(t, dir) {
		t.Run(w.name, func(t *testing.T) {
			d := t.TempDir()
			in := copySample(t, d, "in.msi")
			if err := os.Mkdir(filepath.Join(d, "real"), 0o755); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(d, "real", "target")
			if err := os.WriteFile(target, []byte("OLD"), 0o600); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(d, "link")
			if err := os.Symlink("real/target", link); err != nil {
				t.Fatal(err)
			}
			if code, _, stderr := runCLI(t, w.args(in, link)...); code != exitOK {
				t.Fatalf("-o link: exit %d: %s", code, stderr)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("-o link: the link was replaced (%v)", err)
			}
			if b, _ := os.ReadFile(target); string(b) == "OLD" {
				t.Error("-o link: the file it points to was not replaced")
			}
			if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 {
				t.Errorf("-o link: target mode %v, want its old 0600", fi.Mode().Perm())
			}
			dangling := filepath.Join(d, "dangling")
			if err := os.Symlink("real/missing", dangling); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCLI(t, w.args(in, dangling)...)
			checkOneLineError(t, code, stderr, dangling, in)
			if !strings.Contains(stderr, "symbolic link to a missing file") {
				t.Errorf("-o dangling: %q does not say why", stderr)
			}
			if _, err := os.Lstat(filepath.Join(d, "real", "missing")); err == nil {
				t.Error("-o dangling: created the missing file")
			}
			if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("-o dangling: the link was replaced (%v)", err)
			}
			for _, sub := range []string{d, filepath.Join(d, "real")} {
				if l := tempLeftovers(t, sub); len(l) > 0 {
					t.Errorf("temporary files left: %q", l)
				}
			}
		})
	}
}

// TestExtractLinkOutsideCreatesNothing: extracting into a folder that
// holds a symbolic link, where the package has a folder, to a folder
// outside refuses every file below it and creates nothing outside, not
// even the package's subfolders (os.MkdirAll of each file's folder used
// to create them through the link before the check refused the files).
// A link to a folder inside DIR is followed; a named pipe where a file
// goes is refused without waiting.
func TestExtractLinkOutsideCreatesNothing(t *testing.T) {
	d := t.TempDir()
	out, outside := filepath.Join(d, "out"), filepath.Join(d, "outside")
	for _, p := range []string{out, outside, filepath.Join(out, "inside")} {
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(out, "Program Files (x86)")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "extract", samplePath(), "-d", out)
	if code != exitFailure || stdout != "" || !strings.Contains(stderr, "would leave the output folder") {
		t.Errorf("exit %d, want 1 with every file refused; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if ents, _ := os.ReadDir(outside); len(ents) > 0 {
		t.Errorf("created outside the output folder: %v", ents)
	}

	// The same link to a folder inside: followed.
	os.Remove(filepath.Join(out, "Program Files (x86)"))
	if err := os.Symlink("inside", filepath.Join(out, "Program Files (x86)")); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(out, "inside", "SynthCorp", "bin", "app.exe")
	os.MkdirAll(filepath.Dir(fifo), 0o755)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "extract", samplePath(), "-d", out)
	if code != exitFailure || !strings.Contains(stderr, "not written: Program Files (x86)/SynthCorp/bin/app.exe: is a named pipe") {
		t.Errorf("exit %d, want 1 with the named pipe refused; stderr:\n%s", code, stderr)
	}
	if n := strings.Count(stdout, "\n"); n != 16 {
		t.Errorf("%d files extracted through the link inside, want 16:\n%s", n, stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "inside", "SynthCorp", "data", "data1.txt")); err != nil {
		t.Errorf("not extracted through the link inside: %v", err)
	}
}

// TestBatchOutputDanglingLink: rewrite and sbom with several packages
// given -o a symbolic link to nothing refuse it in words, as export -d
// and extract -d do ("mkdir: file exists" before), and create nothing.
func TestBatchOutputDanglingLink(t *testing.T) {
	d := t.TempDir()
	a, b := copySample(t, d, "a.msi"), copySample(t, d, "b.msi")
	link := filepath.Join(d, "out")
	if err := os.Symlink("missing/folder", link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"rewrite", a, b, "-o", link}, {"sbom", a, b, "-o", link}} {
		code, _, stderr := runCLI(t, args...)
		checkOneLineError(t, code, stderr, link)
		if !strings.Contains(stderr, "is a symbolic link to nothing") {
			t.Errorf("%s: %q does not say why", args[0], stderr)
		}
		if _, err := os.Lstat(filepath.Join(d, "missing")); err == nil {
			t.Errorf("%s: created the link's target", args[0])
		}
	}
}
