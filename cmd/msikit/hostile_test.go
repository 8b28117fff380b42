package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// Budgets every command must keep on any input under 5 MB (SECURITY.md),
// measured as the process sees them: wall time (or, on a machine other
// jobs share, CPU time: see overTime) and peak resident memory of a child
// msikit process.
const (
	childTimeBudget = 5 * time.Second
	childRSSBudget  = 256 << 20
	// childRSSMargin is how close to childRSSBudget a run's peak RSS may
	// come before the harness names it in its log (go test -v): runs
	// within the budget but this close to it are the ones a slightly
	// bigger attack would break.
	childRSSMargin = 64 << 20
	// childCPUMargin is the same for time: a run whose CPU time is over
	// childTimeBudget-childCPUMargin is named in the log, as a machine
	// slower than this one would take it near the budget.
	childCPUMargin = 2500 * time.Millisecond
)

// craftedCommand is one command line the harness runs on every fixture:
// FILE is the fixture, OUT a path inside the run's own folder, CERT and
// KEY a throwaway signing certificate and key. out names what the command
// may create there ("" for nothing).
type craftedCommand struct {
	args []string
	out  string
}

var craftedCommands = []craftedCommand{
	{[]string{"info", "FILE"}, ""},
	{[]string{"info", "--json", "FILE"}, ""},
	{[]string{"tables", "FILE"}, ""},
	{[]string{"tables", "-l", "FILE"}, ""},
	{[]string{"export", "FILE", "_SummaryInformation"}, ""},
	{[]string{"export", "FILE", "-f", "json"}, ""},
	{[]string{"export", "FILE", "-d", "OUT"}, "out"},
	{[]string{"export", "FILE", "-d", "OUT", "-f", "json"}, "out"},
	{[]string{"streams", "FILE"}, ""},
	{[]string{"cat", "FILE", `\x05SummaryInformation`}, ""},
	{[]string{"extract", "FILE", "-d", "OUT"}, "out"},
	{[]string{"rewrite", "FILE", "--dry-run"}, ""},
	{[]string{"rewrite", "FILE", "--dry-run", "--json"}, ""},
	{[]string{"rewrite", "FILE", "-o", "OUT.msi"}, "out.msi"},
	{[]string{"rewrite", "FILE", "--validate", "-o", "OUT.msi"}, "out.msi"},
	{[]string{"sbom", "FILE"}, ""},
	{[]string{"sbom", "FILE", "--format", "spdx", "-o", "OUT.json"}, "out.json"},
	{[]string{"validate", "FILE"}, ""},
	{[]string{"validate", "--json", "FILE"}, ""},
	{[]string{"validate", "--sarif", "FILE"}, ""},
	{[]string{"repack", "FILE", "-o", "OUT.msi"}, "out.msi"},
	{[]string{"import", "FILE", "IDT", "-o", "OUT.msi"}, "out.msi"},
	// An empty Binary table: the report fingerprints the rows it
	// replaces, binary cells by their streams' bytes.
	{[]string{"import", "FILE", "BINIDT", "-o", "OUT.msi"}, "out.msi"},
	{[]string{"cfb", "ls", "FILE"}, ""},
	{[]string{"cfb", "cat", "FILE", `\x05SummaryInformation`}, ""},
	{[]string{"cfb", "repack", "FILE", "-o", "OUT.msi"}, "out.msi"},
	{[]string{"audit", "FILE"}, ""},
	{[]string{"audit", "--sarif", "FILE"}, ""},
	{[]string{"audit", "--json", "FILE"}, ""},
	{[]string{"descriptor", "decode", "FILE"}, ""},
	{[]string{"descriptor", "decode", "--package", "FILE", "']gAVn-}f(ZXfeAR6.jiF<"}, ""},
	{[]string{"log", "explain", "--package", "FILE", "FILE"}, ""},
	// A log and a text file naming the sample's component App, feature
	// Core and product on each of their lines (APPLOG, APPDESCS): every
	// line a question to the package's index.
	{[]string{"log", "explain", "--package", "FILE", "APPLOG"}, ""},
	{[]string{"descriptor", "decode", "--package", "FILE", "APPDESCS"}, ""},
	{[]string{"verify", "--no-chain", "FILE"}, ""},
	{[]string{"verify", "--json", "FILE"}, ""},
	{[]string{"sign", "FILE", "--cert", "CERT", "--key", "KEY", "-o", "OUT.msi"}, "out.msi"},
	// Transforms and patches: FILE read as one (against testdata/sample.msi,
	// SAMPLE), as the base of one, and compared as a database.
	{[]string{"info", "--base", "SAMPLE", "FILE"}, ""},
	{[]string{"diff", "SAMPLE", "FILE"}, ""},
	{[]string{"diff", "FILE", "SAMPLE"}, ""},
	{[]string{"diff", "SAMPLE", "FILE", "-o", "OUT.mst"}, "out.mst"},
	{[]string{"apply", "SAMPLE", "FILE", "--ignore", "all", "--skip-check", "all", "-o", "OUT.msi"}, "out.msi"},
	{[]string{"apply", "FILE", "MST", "--ignore", "all", "--skip-check", "all", "-o", "OUT.msi"}, "out.msi"},
	{[]string{"rewrite", "FILE", "--as-transform", "-o", "OUT.mst"}, "out.mst"},
}

// craftedFiles lists every file below testdata/crafted (the malformed
// fixtures, the valid but hostile ones in valid/, and whatever other
// folder a later round adds), README files aside.
func craftedFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	root := filepath.Join(testenv.RepoRoot(), "testdata", "crafted")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasSuffix(d.Name(), ".md") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 25 {
		t.Fatalf("only %d crafted fixtures", len(files))
	}
	return files
}

// buildMsikit builds the command into a temporary folder of t's, or
// returns $MSIKIT_TEST_BIN when set (to hold another build, an older
// release say, to the same promises).
func buildMsikit(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("MSIKIT_TEST_BIN"); bin != "" {
		return bin
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build msikit with")
	}
	bin := filepath.Join(t.TempDir(), "msikit")
	cmd := exec.Command(gotool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// snapshot records every path below dir: files with their size and
// modification time, folders and links as such (a folder's time changes
// with its entries, which are recorded themselves).
func snapshot(t *testing.T, dir string) map[string]string {
	return snapshotSkip(t, dir, nil)
}

// snapshotSkip is snapshot leaving out the folders below dir for which
// skip (given their path relative to dir) is true.
func snapshotSkip(t *testing.T, dir string, skip func(rel string) bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if skip != nil && d.IsDir() && skip(rel) {
			return fs.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			out[rel] = fmt.Sprintf("%v %d %d", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		} else {
			out[rel] = fi.Mode().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// childResult is one finished child msikit.
type childResult struct {
	code   int
	wall   time.Duration
	cpu    time.Duration // user and system time, the child's descendants included
	rss    int64         // peak resident set, bytes
	stderr string
}

// runChild runs bin args in dir with standard output discarded, killed after
// a minute (a hang fails the test instead of stalling it).
func runChild(t *testing.T, bin, dir string, args []string) childResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = devnull, &stderr
	peak := measureRSS(t, cmd)
	start := time.Now()
	err = cmd.Run()
	r := childResult{wall: time.Since(start), stderr: stderr.String()}
	if cmd.ProcessState == nil {
		t.Fatalf("%q did not run: %v", args, err)
	}
	r.code = cmd.ProcessState.ExitCode()
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.rss = peak()
	return r
}

// overTime reports whether a child broke the time budget, by
// testenv.OverTime with the child's own CPU time: the budget is for a
// 2-core machine running the command, so a run slower than that in wall
// time still keeps it when its CPU time (what a machine of its own would
// have taken, the command being at most as parallel as its CPU time is
// long) fits; a run that waits instead of working (a sleep, a blocked
// read) is over budget past 6 times it (30 s) whatever its CPU time.
func overTime(r childResult) bool {
	return testenv.OverTime(r.wall, r.cpu, childTimeBudget)
}

// TestEveryCommandOnCraftedFixtures runs every command on every file in
// testdata/crafted as a child msikit process (built once) and checks what
// SECURITY.md promises for hostile input: exit status 0 or 1, standard
// error made of "msikit: ..." lines (no panic or goroutine dump), at most
// 5 s and 256 MiB peak RSS, and nothing written but the output the command
// was given. A run over the time budget is tried once more: on a loaded
// machine any run can stall once, a runaway does every time; and a run
// whose wall time was stretched by other jobs keeps the budget when its
// CPU time does (overTime).
//
// Each run gets a fresh folder five levels below the test's base folder,
// so that a name climbing out of the output folder ("../../x") lands in
// the snapshot; the fixtures' own folder is compared too. Work folders are
// on /dev/shm when there is one, so that the budget measures msikit and
// not a disk shared with other jobs (-short: the valid/ fixtures only).
func TestEveryCommandOnCraftedFixtures(t *testing.T) {
	bin := buildMsikit(t)
	files := craftedFiles(t)
	if testing.Short() {
		var valid []string
		for _, f := range files {
			if filepath.Base(filepath.Dir(f)) == "valid" {
				valid = append(valid, f)
			}
		}
		files = valid
	}
	runCraftedCommands(t, bin, files, filepath.Join(testenv.RepoRoot(), "testdata", "crafted"), nil)
}

// TestEveryCommandOnScaledFixtures runs every command, with the same
// budgets, on the growing attacks of fuzz's hostile fixtures (a chain, a
// shared string, thousands of tables...) rebuilt just under 5 MB, the size
// up to which the budgets are promised: fuzz's
// TestWriteScaledHostileFixtures builds them, run as a child "go test".
func TestEveryCommandOnScaledFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the scaled fixtures (about 5 MB each) and runs every command on them")
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the scaled fixtures with")
	}
	bin := buildMsikit(t)
	dir := t.TempDir()
	gen := exec.Command(gotool, "test", "-count=1", "-run", "^TestWriteScaledHostileFixtures$", "./fuzz")
	gen.Dir = testenv.RepoRoot()
	gen.Env = append(os.Environ(), "MSIKIT_SCALED_OUT="+dir)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("building the scaled fixtures: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.msi"))
	for _, ext := range []string{"*.msm", "*.msp", "*.mst"} {
		more, _ := filepath.Glob(filepath.Join(dir, ext))
		files = append(files, more...)
	}
	if len(files) < 10 {
		t.Fatalf("%d scaled fixtures in %s, want 10", len(files), dir)
	}
	runCraftedCommands(t, bin, files, dir, scaledOverBudget)
}

// scaledOverBudget lists the runs of TestEveryCommandOnScaledFixtures
// (fixture, then command line) known to break the time or memory budget
// at 5 MB: open work, measured when the scaled fixtures were added (peak
// RSS on a loaded 2-core machine). They are still run and checked for
// their exit status, their stderr and what they write; their figures are
// logged instead of failing the test. Remove an entry when it is fixed.
var scaledOverBudget = map[string]string{}

// runCraftedCommands runs every craftedCommands entry on each of files
// (below fixtureDir, which must not change) as a child process, checking
// the budgets and that nothing is written outside the command's output.
func runCraftedCommands(t *testing.T, bin string, files []string, fixtureDir string, known map[string]string) {
	t.Helper()
	base := t.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "msikit-test-"); err == nil {
			base = d
			t.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	idt := filepath.Join(base, "Property.idt")
	if err := os.WriteFile(idt, []byte("Property\tValue\r\ns72\tl0\r\nProperty\tProperty\r\nHOSTILE\t1\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	binIDT := filepath.Join(base, "Binary.idt")
	if err := os.WriteFile(binIDT, []byte("Name\tData\r\ns72\tv0\r\nBinary\tName\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	appLog, appDescs := filepath.Join(base, "app.log"), filepath.Join(base, "app-descriptors.txt")
	const appDescriptor = "i1~4%'&DgEz&,O?^&(1jCore>I&j9QIF,^5IB`9,+4dB9" // App in Core of the sample's product
	logLines := "MSI (c) (00:00) [00:00:00:000]: Detection of product '{06D83F77-1CB2-5C83-5361-FE484B11B8CA}', feature 'Core', component '{805D3563-7EEA-36D6-AC8C-CB1C120D5142}' failed.\r\n" +
		"MSI (c) (00:00) [00:00:00:000]: Entering MsiProvideComponentFromDescriptor. Descriptor: " + appDescriptor + ", PathBuf: 0\r\n"
	if err := os.WriteFile(appLog, []byte(strings.Repeat(logLines, 2000)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(appDescs, []byte(strings.Repeat(appDescriptor+"\n", 4000)), 0o644); err != nil {
		t.Fatal(err)
	}
	// A package and a transform that fit it, for the commands that read
	// FILE as the base of a transform or as a transform of it.
	sample := filepath.Join(base, "sample.msi")
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sample, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mst := filepath.Join(base, "sample.mst")
	if r := runChild(t, bin, base, []string{"rewrite", sample, "--as-transform", "-o", mst}); r.code != exitOK {
		t.Fatalf("rewrite --as-transform of sample.msi: exit %d\n%s", r.code, r.stderr)
	}
	cert, key := testenv.SigningCert(t)
	fixturesBefore := snapshot(t, fixtureDir)
	var mu sync.Mutex // guards worst and worstWhat
	var worst childResult
	var worstWhat string
	// The fixtures run in parallel (as many at a time as -parallel, the
	// CPU count by default), each in its own folder below runs/, which the
	// others' snapshots leave out; what they share (sample, transform,
	// IDT, certificate) they only read. The checks that need every run
	// done are cleanups: they run after the parallel subtests.
	t.Cleanup(func() {
		if diff := cmp.Diff(fixturesBefore, snapshot(t, fixtureDir)); diff != "" {
			t.Errorf("the fixtures' folder changed (-before +after):\n%s", diff)
		}
		if !rssMeasured {
			t.Logf("peak RSS not checked: measured on Linux only, not on %s", runtime.GOOS)
			return
		}
		t.Logf("peak RSS %d MiB (%s, %v)", worst.rss>>20, worstWhat, worst.wall)
	})
	for i, f := range files {
		rel, _ := filepath.Rel(fixtureDir, f)
		runs := filepath.Join(base, "runs")
		mine := filepath.Join("runs", strconv.Itoa(i))
		others := func(p string) bool { return filepath.Dir(p) == "runs" && p != mine }
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			t.Parallel()
			run := filepath.Join(runs, strconv.Itoa(i))
			defer os.RemoveAll(run)
			for _, c := range craftedCommands {
				what := strings.Join(c.args, " ")
				var r childResult
				for try := 0; try < 2; try++ {
					work := filepath.Join(run, "a", "b", "c", "d")
					os.RemoveAll(run)
					if err := os.MkdirAll(work, 0o755); err != nil {
						t.Fatal(err)
					}
					before := snapshotSkip(t, base, others)
					args := make([]string, len(c.args))
					for i, a := range c.args {
						switch a {
						case "CERT":
							a = cert
						case "KEY":
							a = key
						}
						a = strings.ReplaceAll(a, "FILE", f)
						a = strings.ReplaceAll(a, "SAMPLE", sample)
						a = strings.ReplaceAll(a, "MST", mst)
						a = strings.ReplaceAll(a, "BINIDT", binIDT)
						a = strings.ReplaceAll(a, "IDT", idt)
						a = strings.ReplaceAll(a, "APPLOG", appLog)
						a = strings.ReplaceAll(a, "APPDESCS", appDescs)
						args[i] = strings.ReplaceAll(a, "OUT", filepath.Join(work, "out"))
					}
					r = runChild(t, bin, work, args)
					_, over := known[filepath.Base(f)+" "+what]
					checkChild(t, what, r, !over)
					// Only the named output may have appeared, and only in
					// the run's folder.
					after := snapshotSkip(t, base, others)
					var extra []string
					for p := range after {
						if _, ok := before[p]; ok {
							continue
						}
						inWork, _ := filepath.Rel(base, work)
						if c.out != "" && (p == filepath.Join(inWork, c.out) || strings.HasPrefix(p, filepath.Join(inWork, c.out)+string(filepath.Separator))) {
							continue
						}
						extra = append(extra, p)
					}
					for p, v := range before {
						if after[p] != v {
							extra = append(extra, p+" (changed or removed)")
						}
					}
					sort.Strings(extra)
					if len(extra) > 0 {
						t.Errorf("%s: wrote outside its output: %q", what, extra)
					}
					if r.wall <= childTimeBudget {
						break
					}
				}
				if why, over := known[filepath.Base(f)+" "+what]; over {
					t.Logf("%s: %v, %d MiB (known over budget: %s)", what, r.wall.Round(time.Millisecond), r.rss>>20, why)
				} else if overTime(r) {
					t.Errorf("%s: took %v twice (%v of CPU time), budget %v", what, r.wall, r.cpu, childTimeBudget)
				} else if r.wall > childTimeBudget {
					t.Logf("%s: took %v twice on a loaded machine, with %v of CPU time: within the budget of %v", what, r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), childTimeBudget)
				}
				if r.cpu > childTimeBudget-childCPUMargin && !overTime(r) {
					t.Logf("%s: %v of CPU time, within %v of the budget (%v wall, %d MiB)", what, r.cpu.Round(time.Millisecond), childCPUMargin, r.wall.Round(time.Millisecond), r.rss>>20)
				}
				if r.rss > childRSSBudget-childRSSMargin && r.rss <= childRSSBudget {
					t.Logf("%s: peak RSS %d MiB, within %d MiB of the budget (%v, %v of CPU)", what, r.rss>>20, childRSSMargin>>20, r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond))
				}
				mu.Lock()
				if r.rss > worst.rss {
					worst, worstWhat = r, what+" "+rel
				}
				mu.Unlock()
			}
		})
	}
}

// checkChild checks one finished run against the promises for hostile
// input.
func checkChild(t *testing.T, what string, r childResult, budget bool) {
	t.Helper()
	if r.code != exitOK && r.code != exitFailure {
		t.Errorf("%s: exit status %d, want 0 or 1; stderr:\n%.2000s", what, r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "fatal error") {
		t.Fatalf("%s: crash on stderr:\n%.4000s", what, r.stderr)
	}
	for _, line := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if line != "" && !strings.HasPrefix(line, "msikit: ") {
			t.Errorf("%s: stderr line %q is not \"msikit: ...\"", what, line)
			break
		}
	}
	if r.code == exitFailure && r.stderr == "" {
		t.Errorf("%s: exit status 1 and nothing on stderr", what)
	}
	if budget && r.rss > childRSSBudget {
		t.Errorf("%s: peak RSS %d MiB, budget %d MiB", what, r.rss>>20, childRSSBudget>>20)
	}
}

// TestChildRSSIsTheChilds: a child's peak RSS as measureRSS reports it is
// the child's own, however big this process is when it starts the child
// (on Linux a child's ru_maxrss otherwise starts from this process's
// peak; see measureRSS).
func TestChildRSSIsTheChilds(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 300 MiB")
	}
	bin := buildMsikit(t)
	big := make([]byte, 300<<20)
	for i := 0; i < len(big); i += 4096 {
		big[i] = 1
	}
	r := runChild(t, bin, t.TempDir(), []string{"version"})
	runtime.KeepAlive(big)
	if r.code != exitOK {
		t.Fatalf("msikit version: exit %d\n%s", r.code, r.stderr)
	}
	if !rssMeasured {
		t.Skipf("peak RSS is measured on Linux only, not on %s", runtime.GOOS)
	}
	if r.rss <= 0 || r.rss > 100<<20 {
		t.Errorf("msikit version: peak RSS %d MiB while this process holds 300 MiB; want the child's own (a few MiB)", r.rss>>20)
	}
}
