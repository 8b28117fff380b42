package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/extractgen"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
	"github.com/msikit/msikit/msi/install"
)

// repoRoot is the module root, two levels up from this package.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// hostileFiles lists every crafted fixture: testdata/crafted (msi and
// cab level), cfb/testdata/adversarial (container level), and a package
// whose storages nest 5,000 deep, generated here.
func hostileFiles(t *testing.T) []string {
	t.Helper()
	root := repoRoot(t)
	var files []string
	for _, pat := range []string{"testdata/crafted/*.ms?", "testdata/crafted/*.cab", "cfb/testdata/adversarial/*.cfb"} {
		p, _ := filepath.Glob(filepath.Join(root, pat))
		files = append(files, p...)
	}
	if len(files) < 30 {
		t.Fatalf("only %d crafted fixtures found", len(files))
	}
	var buf bytes.Buffer
	w := cfb.NewWriter(&buf, &cfb.WriterOptions{Version: 4})
	if err := w.Mkdir(strings.Repeat("a/", 4999)+"a", nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(t.TempDir(), "deep-nesting.msi")
	if err := os.WriteFile(deep, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return append(files, deep)
}

// checkOneLineError checks a failed run: exit status 1 and exactly one
// stderr line "msikit: <file>: <reason>", no panic trace, where file is
// one of files (a writer may name its input or its output as context).
func checkOneLineError(t *testing.T, code int, stderr string, files ...string) {
	t.Helper()
	if code != exitFailure {
		t.Errorf("exit status %d, want 1; stderr:\n%s", code, stderr)
	}
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
		t.Fatalf("panic trace on stderr:\n%s", stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Fatalf("stderr is %d lines, want exactly one:\n%s", len(lines), stderr)
	}
	for _, file := range files {
		prefix := "msikit: " + file + ": "
		if strings.HasPrefix(lines[0], prefix) && len(strings.TrimSpace(strings.TrimPrefix(lines[0], prefix))) > 0 {
			return
		}
	}
	t.Errorf("stderr %q, want \"msikit: <file>: <reason>\" with <file> one of %q", lines[0], files)
}

// TestInfoOnHostileFiles runs "msikit info" on every crafted fixture:
// one line and exit status 1 on the ones that are malformed, exit status
// 0 on the valid packages that attack extraction and layout.
func TestInfoOnHostileFiles(t *testing.T) {
	for _, f := range hostileFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			start := time.Now()
			code, _, stderr := runCLI(t, "info", f)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if readsCleanly(f) {
				if code != exitOK || stderr != "" {
					t.Errorf("a readable package: exit %d, stderr %q", code, stderr)
				}
				return
			}
			checkOneLineError(t, code, stderr, f)
			t.Log(strings.TrimSpace(stderr))
		})
	}
}

// readsCleanly reports whether the library reads everything info shows
// of the package at path without an error.
func readsCleanly(path string) bool {
	db, err := msi.Open(path)
	if err != nil {
		return false
	}
	defer db.Close()
	for _, name := range db.TableNames() {
		if _, err := db.Table(name); err != nil {
			return false
		}
	}
	if _, err := db.SummaryInfo(); err != nil {
		return false
	}
	cabs, err := install.Cabinets(db)
	if err != nil {
		return false
	}
	for _, c := range cabs {
		if c.Err != nil {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// Data safety of the commands that write.

func sha(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// tempLeftovers lists safefile's temporary files left in dir.
func tempLeftovers(t *testing.T, dir string) []string {
	t.Helper()
	p, err := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writer is a command that writes a package: its arguments for input in
// and output out, and whether it has --in-place.
type writer struct {
	name    string
	args    func(in, out string) []string
	inPlace bool
}

// writers lists every command that writes a package. setup puts the
// extra inputs they need (an IDT file) in dir.
func writers(t *testing.T, dir string) []writer {
	t.Helper()
	db, err := msi.Open(filepath.Join(repoRoot(t), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var text bytes.Buffer
	if err := idt.Export(&text, db, "Property", nil); err != nil {
		t.Fatal(err)
	}
	// One new row, so that the import changes the package: an import of
	// the table's own rows changes nothing, and its write is then often
	// over before TestSIGKILLDuringWrite can catch it.
	text.WriteString("WritersTestProperty\t1\r\n")
	pki := testenv.NewPKI(t, "ecdsa", time.Time{}, time.Time{})
	idtPath := filepath.Join(dir, "Property.idt")
	if err := os.WriteFile(idtPath, text.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// A transform of sample.msi for apply (any package it is applied to
	// is a copy of sample.msi).
	mstPath := filepath.Join(dir, "fix.mst")
	if code, _, stderr := runCLI(t, "rewrite", "--as-transform", filepath.Join(repoRoot(t), "testdata", "sample.msi"), "-o", mstPath); code != exitOK {
		t.Fatalf("rewrite --as-transform: exit %d: %s", code, stderr)
	}
	return []writer{
		{"repack", func(in, out string) []string { return []string{"repack", in, "-o", out} }, true},
		{"apply", func(in, out string) []string { return []string{"apply", in, mstPath, "-o", out} }, true},
		{"cfb repack", func(in, out string) []string { return []string{"cfb", "repack", in, "-o", out} }, false},
		{"import", func(in, out string) []string { return []string{"import", in, idtPath, "-o", out} }, true},
		{"rewrite", func(in, out string) []string { return []string{"rewrite", in, "-o", out} }, true},
		{"sign", func(in, out string) []string {
			return []string{"sign", in, "--cert", pki.CertFile, "--key", pki.KeyFile, "-o", out}
		}, true},
	}
}

// TestWritersReproducible: every package writer but sign (whose
// signatures are randomised) writes the same bytes when given the same
// input twice: a changed package's new PackageCode is derived from the
// change, not drawn at random.
func TestWritersReproducible(t *testing.T) {
	dir := t.TempDir()
	for _, w := range writers(t, dir) {
		if w.name == "sign" {
			continue
		}
		t.Run(w.name, func(t *testing.T) {
			var outs [][]byte
			for i := range 2 {
				d := t.TempDir()
				in := copySample(t, d, "in.msi")
				out := filepath.Join(d, "out.msi")
				if code, _, stderr := runCLI(t, w.args(in, out)...); code != exitOK {
					t.Fatalf("run %d: exit %d: %s", i+1, code, stderr)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				outs = append(outs, b)
			}
			if !bytes.Equal(outs[0], outs[1]) {
				t.Errorf("two runs on the same input wrote different files (%d and %d bytes)", len(outs[0]), len(outs[1]))
			}
		})
	}
}

// checkWriter fails for a command that does not exist or lacks the
// --output and --sync flags every package writer has.
func checkWriter(t *testing.T, w writer) {
	t.Helper()
	args := w.args("in", "out")
	cmd := findCommand(commands(), args[0])
	if cmd != nil && len(cmd.Sub) > 0 {
		cmd = findCommand(cmd.Sub, args[1])
	}
	if cmd == nil {
		t.Fatalf("no command %q", w.name)
	}
	fs := flag.NewFlagSet(w.name, flag.ContinueOnError)
	cmd.Setup(fs)
	for _, f := range []string{"output", "sync"} {
		if fs.Lookup(f) == nil {
			t.Fatalf("msikit %s has no --%s flag", w.name, f)
		}
	}
}

// copySample copies testdata/sample.msi to dir/name.
func copySample(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWritersReplaceAtomically: a successful write replaces an existing
// destination by rename (a new inode, keeping the old mode), leaves no
// temporary file and never changes the input; --in-place replaces the
// input the same way.
func TestWritersReplaceAtomically(t *testing.T) {
	dir := t.TempDir()
	for _, w := range writers(t, dir) {
		t.Run(w.name, func(t *testing.T) {
			checkWriter(t, w)
			d := t.TempDir()
			in := copySample(t, d, "in.msi")
			out := filepath.Join(d, "out.msi")
			if err := os.WriteFile(out, []byte("OLD"), 0o600); err != nil {
				t.Fatal(err)
			}
			inSum, oldIno := sha(t, in), inode(t, out)
			code, _, stderr := runCLI(t, w.args(in, out)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if sha(t, in) != inSum {
				t.Error("the input changed")
			}
			checkReplaced(t, "", out, oldIno)
			if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
				t.Errorf("destination mode %v, want the old 0600", fi.Mode().Perm())
			}
			oldIno = inode(t, out)
			if code, _, stderr := runCLI(t, append(w.args(in, out), "--sync")...); code != exitOK {
				t.Fatalf("--sync: exit %d: %s", code, stderr)
			}
			checkReplaced(t, "--sync: ", out, oldIno)
			if !w.inPlace {
				return
			}
			ino := inode(t, in)
			code, _, stderr = runCLI(t, w.args(in, "")[:len(w.args(in, ""))-2]...)
			if code != exitUsage {
				t.Errorf("without -o or --in-place: exit %d, want 2 (%s)", code, stderr)
			}
			if sha(t, in) != inSum {
				t.Error("the input changed without --in-place")
			}
			args := append(w.args(in, "")[:len(w.args(in, ""))-2], "--in-place")
			if code, _, stderr = runCLI(t, args...); code != exitOK {
				t.Fatalf("--in-place: exit %d: %s", code, stderr)
			}
			checkReplaced(t, "--in-place: ", in, ino)
		})
	}
}

// checkReplaced reports (prefixed by label) unless path is a new inode
// that opens as a database, with no temporary file left beside it.
func checkReplaced(t *testing.T, label, path string, oldIno uint64) {
	t.Helper()
	if inode(t, path) == oldIno {
		t.Errorf("%sthe file was written in place, not replaced by rename", label)
	}
	if _, err := msi.Open(path); err != nil {
		t.Errorf("%soutput does not open: %v", label, err)
	}
	if l := tempLeftovers(t, filepath.Dir(path)); len(l) > 0 {
		t.Errorf("%stemporary files left: %q", label, l)
	}
}

// TestWritersRefuseSamePath: naming the input as the output, directly,
// through another spelling or through a symbolic link, is refused without
// --in-place and nothing is touched.
func TestWritersRefuseSamePath(t *testing.T) {
	dir := t.TempDir()
	for _, w := range writers(t, dir) {
		t.Run(w.name, func(t *testing.T) {
			checkWriter(t, w)
			d := t.TempDir()
			in := copySample(t, d, "in.msi")
			link := filepath.Join(d, "link.msi")
			if err := os.Symlink(in, link); err != nil {
				t.Fatal(err)
			}
			inSum, ino := sha(t, in), inode(t, in)
			if err := os.Mkdir(filepath.Join(d, "x"), 0o755); err != nil {
				t.Fatal(err)
			}
			wd, _ := os.Getwd()
			rel, err := filepath.Rel(wd, in)
			if err != nil {
				t.Fatal(err)
			}
			// The same file by name, by other spellings (not cleaned), by
			// a relative path and through a symbolic link.
			for _, out := range []string{in, d + "/./in.msi", d + "/x/../in.msi", rel, link} {
				code, _, stderr := runCLI(t, w.args(in, out)...)
				checkOneLineError(t, code, stderr, out, in)
				if !strings.Contains(stderr, "same file") {
					t.Errorf("-o %s: %q does not say it is the same file", out, stderr)
				}
				if sha(t, in) != inSum || inode(t, in) != ino {
					t.Fatalf("-o %s: the input was touched", out)
				}
				if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Fatalf("-o %s: the symbolic link was replaced", out)
				}
			}
			if l := tempLeftovers(t, d); len(l) > 0 {
				t.Errorf("temporary files left: %q", l)
			}
		})
	}
}

// TestSameFileAdvice: the error for an output that is the input advises
// --in-place only to commands that have the flag.
func TestSameFileAdvice(t *testing.T) {
	d := t.TempDir()
	in := copySample(t, d, "in.msi")
	other := copySample(t, d, "other.msi")
	for _, tt := range []struct {
		name    string
		args    []string
		inPlace bool
	}{
		{"repack", []string{"repack", in, "-o", in}, true},
		{"rewrite", []string{"rewrite", in, "-o", in}, true},
		{"cfb repack", []string{"cfb", "repack", in, "-o", in}, false},
		{"diff -o", []string{"diff", other, in, "-o", in}, false},
		{"sbom -o", []string{"sbom", in, "-o", in}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			checkOneLineError(t, code, stderr, in)
			if !strings.Contains(stderr, "same file") {
				t.Errorf("%q does not say it is the same file", stderr)
			}
			if got := strings.Contains(stderr, "--in-place"); got != tt.inPlace {
				t.Errorf("%q: mentions --in-place: %v, want %v", stderr, got, tt.inPlace)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Child processes: failing writes and SIGKILL.

const (
	childArgsEnv  = "MSIKIT_SAFETY_CHILD_ARGS"
	childFsizeEnv = "MSIKIT_SAFETY_CHILD_FSIZE"
	childASEnv    = "MSIKIT_SAFETY_CHILD_AS" // address-space limit in bytes
	// childSignalsEnv makes the child handle signals as main does.
	childSignalsEnv = "MSIKIT_SAFETY_CHILD_SIGNALS"
)

// TestSafetyChild is not a test: it is the msikit process the tests below
// start (the test binary re-executed), running the arguments in
// $MSIKIT_SAFETY_CHILD_ARGS (JSON) with an optional file size limit.
func TestSafetyChild(t *testing.T) {
	args := os.Getenv(childArgsEnv)
	if args == "" {
		t.Skip("helper process for the data-safety tests")
	}
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(99)
	}
	if s := os.Getenv(childFsizeEnv); s != "" {
		n, _ := strconv.ParseUint(s, 10, 64)
		// Writes past n bytes fail with EFBIG (Go ignores SIGXFSZ).
		if err := limitFileSize(n); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(99)
		}
	}
	if s := os.Getenv(childASEnv); s != "" {
		n, _ := strconv.ParseUint(s, 10, 64)
		// A runaway allocation ends the child, not the machine.
		if err := limitMemory(n); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(99)
		}
	}
	if len(argv) == 6 && argv[0] == childGenerate {
		// Not a command: write a generated package (see generateInChild).
		n := make([]int, 4)
		for i := range n {
			n[i], _ = strconv.Atoi(argv[2+i])
		}
		if err := extractgen.Write(testenv.SampleMSI(), argv[1], n[0], n[1], n[2], n[3]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(99)
		}
		os.Exit(0)
	}
	if len(argv) == 3 && argv[0] == childGenerateCells {
		// Not a command: write a package of many binary cells (see
		// generateCellsInChild).
		n, _ := strconv.Atoi(argv[2])
		if err := writeCells(argv[1], n); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(99)
		}
		os.Exit(0)
	}
	ctx := context.Background()
	if os.Getenv(childSignalsEnv) != "" {
		ctx, _ = signalContext()
	}
	os.Exit(run(ctx, argv, os.Stdin, os.Stdout, os.Stderr))
}

// needFileSizeLimit skips the test where a child's file size cannot be
// limited (childFsizeEnv).
func needFileSizeLimit(t *testing.T) {
	t.Helper()
	if !canLimitFileSize {
		t.Skipf("needs a file size limit (setrlimit), which %s does not have", runtime.GOOS)
	}
}

// child returns the command that runs msikit args in a child process,
// killed if it runs for more than two minutes (a hung child then fails
// its test instead of stalling the whole package).
func child(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	return childWithin(t, 2*time.Minute, env, args...)
}

// generatorLimit is the time after which a child writing a test package
// (generateInChild, generateCellsInChild) is killed. The package is the
// test's input, not what it tests, and the child is this test binary
// (slower under -race): generateInChild's 40,000 files took 33.5 s of
// CPU time under -race, and 165 s of wall time on a 2-core machine at
// load 9 (2026-12-04), past the two minutes of child, which killed it
// and failed TestExtractTerminated. The limit only keeps a hung child
// from stalling the package.
const generatorLimit = 10 * time.Minute

// childWithin is child killed after limit instead of two minutes.
func childWithin(t *testing.T, limit time.Duration, env []string, args ...string) *exec.Cmd {
	t.Helper()
	j, _ := json.Marshal(args)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSafetyChild$")
	cmd.Env = append(append(os.Environ(), childArgsEnv+"="+string(j)), env...)
	return cmd
}

// childGenerate is the pseudo-command TestSafetyChild takes to write a
// package with internal/extractgen.
const childGenerate = "__extractgen"

// generateInChild writes a package of files files in dirs folders, size
// bytes each, in folders cabinet folders to out (extractgen.Write) in a
// child process, so that this process does not grow (more so under
// -race, which keeps what it once used).
func generateInChild(t *testing.T, out string, files, dirs, size, folders int) {
	t.Helper()
	args := []string{childGenerate, out}
	for _, n := range []int{files, dirs, size, folders} {
		args = append(args, strconv.Itoa(n))
	}
	if b, err := childWithin(t, generatorLimit, nil, args...).CombinedOutput(); err != nil {
		t.Fatalf("generating %s: %v\n%s", out, err, b)
	}
}

// childGenerateCells is the pseudo-command TestSafetyChild takes to write
// a package of many binary cells (writeCells).
const childGenerateCells = "__cellsgen"

// generateCellsInChild writes sample.msi with n more Binary rows, each
// with a 1 KiB stream of its own, to out, in a child process (see
// generateInChild).
func generateCellsInChild(t *testing.T, out string, n int) {
	t.Helper()
	if b, err := childWithin(t, generatorLimit, nil, childGenerateCells, out, strconv.Itoa(n)).CombinedOutput(); err != nil {
		t.Fatalf("generating %s: %v\n%s", out, err, b)
	}
}

// writeCells writes sample.msi with n more Binary rows, each with a 1 KiB
// stream of its own, to out.
func writeCells(out string, n int) error {
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		return err
	}
	defer db.Close()
	bin, err := db.Table("Binary")
	if err != nil {
		return err
	}
	for i := range n {
		name := fmt.Sprintf("cell%06d", i)
		if err := bin.Insert(msi.StrValue(name), msi.BinaryValue()); err != nil {
			return err
		}
		data := bytes.Repeat([]byte(name), 1<<10/len(name)+1)[:1<<10]
		if err := db.SetStream("Binary."+name, bytes.NewReader(data), int64(len(data))); err != nil {
			return err
		}
	}
	return db.Save(out, nil)
}

// startChild starts msikit args in a child process (see child) and
// returns it, its standard error and a channel that receives what Wait
// returns.
func startChild(t *testing.T, env []string, args ...string) (*exec.Cmd, *bytes.Buffer, <-chan error) {
	t.Helper()
	cmd := child(t, env, args...)
	stderr := new(bytes.Buffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return cmd, stderr, exited
}

// runFsizeLimited runs the program in a child whose file size limit is
// limit bytes (writes past it fail with EFBIG, as a full disk fails them
// with ENOSPC), and returns its exit status and standard error.
func runFsizeLimited(t *testing.T, limit int, args ...string) (int, string) {
	t.Helper()
	cmd := child(t, []string{childFsizeEnv + "=" + strconv.Itoa(limit)}, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stderr.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, stderr.String()
}

// TestWritersFailedWrite: a write that fails part way (the file size limit
// makes the temporary file's writes fail with EFBIG, as a full disk fails
// them with ENOSPC) is reported on one line, leaves the old destination
// and the input as they were, and leaves no temporary file.
func TestWritersFailedWrite(t *testing.T) {
	needFileSizeLimit(t)
	dir := t.TempDir()
	for _, w := range writers(t, dir) {
		t.Run(w.name, func(t *testing.T) {
			checkWriter(t, w)
			d := t.TempDir()
			in := copySample(t, d, "in.msi")
			out := filepath.Join(d, "out.msi")
			if err := os.WriteFile(out, []byte("OLD"), 0o644); err != nil {
				t.Fatal(err)
			}
			inSum := sha(t, in)
			code, stderr := runFsizeLimited(t, 8192, w.args(in, out)...)
			checkOneLineError(t, code, stderr, out, in)
			if !strings.Contains(stderr, "file too large") {
				t.Errorf("stderr %q does not give the cause", stderr)
			}
			// The operating system's error names the file and the
			// operation; package prefixes around it only add noise.
			if strings.Contains(stderr, "writing: ") || !strings.Contains(stderr, ": write: ") {
				t.Errorf("stderr %q nests package prefixes around the system error", stderr)
			}
			if b, _ := os.ReadFile(out); string(b) != "OLD" {
				t.Errorf("destination is %d bytes, want the old 3", len(b))
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

// ---------------------------------------------------------------------------
// Disk full: the library's writers and safefile given an io.Writer that
// fails with ENOSPC.

// fullWriter accepts n bytes, then fails with ENOSPC.
type fullWriter struct{ n int }

func (w *fullWriter) Write(p []byte) (int, error) {
	if len(p) <= w.n {
		w.n -= len(p)
		return len(p), nil
	}
	k := w.n
	w.n = 0
	return k, &os.PathError{Op: "write", Path: "out.msi", Err: syscall.ENOSPC}
}

func TestDiskFull(t *testing.T) {
	sample := filepath.Join(repoRoot(t), "testdata", "sample.msi")
	for _, n := range []int{0, 511, 4096, 12000} {
		t.Run(fmt.Sprintf("msi-after-%d", n), func(t *testing.T) {
			db, err := msi.Open(sample)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = db.Write(&fullWriter{n: n}, &msi.WriteOptions{Compact: true})
			checkDiskFull(t, err, "msi: ")
		})
		t.Run(fmt.Sprintf("cfb-after-%d", n), func(t *testing.T) {
			rc, err := cfb.OpenReader(sample)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			w := cfb.NewWriter(&fullWriter{n: n}, nil)
			if err := w.Copy(rc.Root); err != nil {
				t.Fatal(err)
			}
			checkDiskFull(t, w.Close(), "cfb: ")
		})
	}
	t.Run("safefile", func(t *testing.T) {
		d := t.TempDir()
		out := filepath.Join(d, "out.msi")
		if err := os.WriteFile(out, []byte("OLD"), 0o644); err != nil {
			t.Fatal(err)
		}
		err := safefile.Write(out, func(w io.Writer) error {
			if _, err := w.Write(make([]byte, 10000)); err != nil {
				return err
			}
			_, err := (&fullWriter{}).Write([]byte("x"))
			return err
		})
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("got %v, want ENOSPC", err)
		}
		if b, _ := os.ReadFile(out); string(b) != "OLD" {
			t.Errorf("destination is %d bytes, want the old 3", len(b))
		}
		if l := tempLeftovers(t, d); len(l) > 0 {
			t.Errorf("temporary files left: %q", l)
		}
	})
}

// checkDiskFull wants a one-line error with the package prefix that
// still matches ENOSPC.
func checkDiskFull(t *testing.T, err error, prefix string) {
	t.Helper()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("got %v, want an error matching ENOSPC", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, prefix) || strings.Contains(msg, "\n") {
		t.Errorf("error %q: want one line starting %q", msg, prefix)
	}
	t.Log(err)
}

// TestExtractFailedWrite: extraction whose writes fail part way (file
// size limit of 20 bytes) exits 1 and leaves only complete files (equal
// to a normal extraction's) and no temporary files.
func TestExtractFailedWrite(t *testing.T) {
	needFileSizeLimit(t)
	d := t.TempDir()
	in := copySample(t, d, "in.msi")
	inSum := sha(t, in)
	good := filepath.Join(d, "good")
	if code, _, stderr := runCLI(t, "extract", in, "-d", good); code != exitOK {
		t.Fatalf("normal extraction: exit %d: %s", code, stderr)
	}
	bad := filepath.Join(d, "bad")
	cmd := child(t, []string{childFsizeEnv + "=20"}, "extract", in, "-d", bad)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
		t.Fatalf("got %v, want exit status 1; stderr:\n%s", err, stderr.String())
	}
	if s := stderr.String(); strings.Contains(s, "panic") || !strings.Contains(s, "file too large") {
		t.Errorf("stderr does not give the cause (or panics):\n%s", s)
	}
	complete, failed := 0, 0
	err = filepath.WalkDir(bad, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
			return nil
		}
		rel, _ := filepath.Rel(bad, p)
		want, err := os.ReadFile(filepath.Join(good, rel))
		if err != nil {
			t.Errorf("%s: not in the normal extraction", rel)
			return nil
		}
		if got, _ := os.ReadFile(p); !bytes.Equal(got, want) {
			t.Errorf("%s: partial file (%d of %d bytes)", rel, len(got), len(want))
		}
		complete++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(good, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if fi, _ := e.Info(); fi != nil && fi.Size() > 20 {
				failed++
			}
		}
		return nil
	})
	if failed == 0 {
		t.Fatal("no file over the limit: the test proves nothing")
	}
	if sha(t, in) != inSum {
		t.Error("the input changed")
	}
	// Nothing beside the output either (a new folder is filled as a
	// temporary folder beside it, then renamed).
	var names []string
	ents, _ := os.ReadDir(d)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"bad", "good", "in.msi"}, names); diff != "" {
		t.Errorf("entries of the parent folder (-want +got):\n%s", diff)
	}
	t.Logf("%d complete files written, %d files over the limit refused; stderr:\n%s", complete, failed, stderr.String())
}

// TestBufferedStdout: standard output that is a pipe or a file is buffered
// (run flushes it): a child's output through a pipe equals the in-process
// output, and a flush that fails (/dev/full) fails the command with one
// line instead of losing the output silently.
func TestBufferedStdout(t *testing.T) {
	for _, args := range [][]string{
		{"streams", samplePath()},
		{"export", samplePath(), "File"},
		{"info", samplePath()},
	} {
		code, want, _ := runCLI(t, args...)
		cmd := child(t, nil, args...)
		got, err := cmd.Output()
		if err != nil || code != exitOK {
			t.Fatalf("%v: in process exit %d; child: %v", args, code, err)
		}
		if diff := cmp.Diff(want, string(got)); diff != "" {
			t.Errorf("%v: child's output through a pipe (-in process +child):\n%s", args, diff)
		}
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	cmd := child(t, nil, "export", samplePath(), "File")
	cmd.Stdout = full
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure || !strings.Contains(stderr.String(), "no space left on device") {
		t.Errorf("export to /dev/full: %v, stderr %q; want exit status 1 naming the full device", err, stderr.String())
	}
}

// TestStdoutStderrOrder: with standard output and standard error going to
// one file (> log 2>&1), lines keep the order the command wrote them in,
// although standard output is buffered: rewriting a folder of a good and
// a broken package gives the good one's report, then the broken one's
// error line, then the summary.
func TestStdoutStderrOrder(t *testing.T) {
	in := t.TempDir()
	copySample(t, in, "a.msi")
	if err := os.WriteFile(filepath.Join(in, "b.msi"), []byte("not a package"), 0o644); err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := child(t, nil, "rewrite", in, "-o", filepath.Join(t.TempDir(), "out"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err == nil {
		t.Fatal("rewrite of a folder holding a broken package succeeded")
	}
	b, err := os.ReadFile(log.Name())
	if err != nil {
		t.Fatal(err)
	}
	// The first line of each part, in the order they appear.
	var got []string
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, filepath.Join(in, "a.msi")+" -> "):
			got = append(got, "a.msi report")
		case strings.HasPrefix(line, "msikit: "+filepath.Join(in, "b.msi")+": "):
			got = append(got, "b.msi error")
		case strings.HasPrefix(line, "msikit: ") && strings.Contains(line, "failed"):
			got = append(got, "summary")
		}
	}
	if diff := cmp.Diff([]string{"a.msi report", "b.msi error", "summary"}, got); diff != "" {
		t.Errorf("order of the lines in one file (-want +got):\n%s\nlog:\n%s", diff, b)
	}
}

// TestIsTerminal: /dev/null is a character device but no terminal, and a
// pipe or a regular file is neither.
func TestIsTerminal(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct {
		name string
		f    *os.File
	}{{"/dev/null", null}, {"pipe", w}, {"file", f}} {
		if isTerminal(c.f) {
			t.Errorf("isTerminal(%s) = true", c.name)
		}
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !isTerminal(tty) {
			t.Error("isTerminal(/dev/tty) = false")
		}
	}
}
