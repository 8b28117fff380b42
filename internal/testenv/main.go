package testenv

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// skips counts, in one test binary, the oracle checks skipped because a
// tool is missing, and whether a corpus test found no corpus.
var skips skipCounter

type skipCounter struct {
	mu      sync.Mutex
	n       int
	missing map[string]string // what is missing → Debian package
	corpus  atomic.Bool
}

func (c *skipCounter) add(what, pkg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.missing == nil {
		c.missing = map[string]string{}
	}
	c.n++
	c.missing[what] = pkg
}

// summary is the line Run prints, or "" when nothing was skipped. pkg
// names the package ("./msi").
func (c *skipCounter) summary(pkg string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var parts []string
	if c.n > 0 {
		var what, debs []string
		seen := map[string]bool{}
		for w, p := range c.missing {
			what = append(what, w)
			for _, d := range strings.Fields(p) {
				if !seen[d] {
					seen[d] = true
					debs = append(debs, d)
				}
			}
		}
		sort.Strings(what)
		sort.Strings(debs)
		checks := "checks"
		if c.n == 1 {
			checks = "check"
		}
		parts = append(parts, fmt.Sprintf("%d oracle %s skipped (not found: %s; install: apt-get install %s)",
			c.n, checks, strings.Join(what, ", "), strings.Join(debs, " ")))
	}
	if c.corpus.Load() {
		parts = append(parts, "corpus tests skipped (no folder at ../shared/corpus or $MSIKIT_CORPUS)")
	}
	if len(parts) == 0 {
		return ""
	}
	return pkg + ": " + strings.Join(parts, "; ") + "\n"
}

// Main is TestMain for a package whose tests use oracles or the corpus:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// It exits with Run's status.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run runs the package's tests and returns the exit status, for a TestMain
// with more to do (Main is the usual form). Before the tests it refuses an
// $MSIKIT_CORPUS that names no folder, so that a typo fails loudly instead
// of skipping every corpus test. After them it prints one line saying how
// many oracle checks were skipped for lack of which tools, and what to
// install (and that corpus tests were skipped, if they were).
//
// "go test ./..." shows a passing package's output only with -v, so
// without -v, and when standard output is not a terminal, the line goes to
// the terminal go test was started from (/dev/tty) if there is one; it is
// not shown again when go test reuses a cached result.
func Run(m *testing.M) int {
	if err := checkCorpusSetting(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if line := skips.summary(packageName()); line != "" {
		printSummary(line)
	}
	return code
}

// checkCorpusSetting returns an error when $MSIKIT_CORPUS is set but
// names no folder.
func checkCorpusSetting() error {
	if v := os.Getenv("MSIKIT_CORPUS"); v != "" && CorpusDir() == "" {
		return fmt.Errorf("MSIKIT_CORPUS=%s: %s is not a folder (a relative path is taken from the repository root)", v, corpusSetting())
	}
	return nil
}

// packageName is the test's package as a path from the repository root
// ("./msi"), from the folder go test runs it in.
func packageName() string {
	wd, err := os.Getwd()
	if err != nil {
		return "msikit"
	}
	rel, err := filepath.Rel(RepoRoot(), wd)
	if err != nil || strings.HasPrefix(rel, "..") {
		return filepath.Base(wd)
	}
	return "./" + filepath.ToSlash(rel)
}

// printSummary writes line where it is seen: standard output when go
// test shows it (-v, or a terminal in local folder mode), otherwise the
// controlling terminal, and standard output when there is none (it then
// shows if the package fails).
func printSummary(line string) {
	if verbose() || isTerminal(os.Stdout) {
		io.WriteString(os.Stdout, line)
		return
	}
	if tty := openTTY(); tty != nil {
		io.WriteString(tty, line)
		tty.Close()
		return
	}
	io.WriteString(os.Stdout, line)
}

// verbose reports whether the tests run with -v (go test -json runs them
// with -test.v=test2json).
func verbose() bool {
	f := flag.Lookup("test.v")
	return f != nil && f.Value.String() != "false"
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
