package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// Required reports whether missing oracles are failures (CI) rather than
// skips (a fresh developer machine).
func Required() bool { return os.Getenv("MSIKIT_REQUIRE_ORACLES") == "1" }

// missing skips or fails t because what is absent, and counts the skip
// for Run's summary.
func missing(t testing.TB, what, install string) {
	t.Helper()
	msg := what + " not found; install " + install + " (Debian: apt-get install " + install + ") to run this oracle test"
	if Required() {
		t.Fatal("MSIKIT_REQUIRE_ORACLES=1: " + msg)
	}
	skips.add(what, install)
	t.Skip(msg)
}

// HaveTool reports whether the command name is installed, for a test that
// runs an oracle check only when it can. When it is missing, the skipped
// check is counted for Run's summary and logged, or, with
// MSIKIT_REQUIRE_ORACLES=1, t fails. pkg is the Debian package that
// provides it.
func HaveTool(t testing.TB, name, pkg string) bool {
	t.Helper()
	if _, err := exec.LookPath(name); err == nil {
		return true
	}
	msg := name + " not found; install " + pkg + " (Debian: apt-get install " + pkg + ") to run this oracle check"
	if Required() {
		t.Fatal("MSIKIT_REQUIRE_ORACLES=1: " + msg)
	}
	skips.add(name, pkg)
	t.Log("skipped: " + msg)
	return false
}

// NeedTool returns the path of the command name, or skips/fails t.
// pkg is the Debian package that provides it.
func NeedTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, name, pkg)
	}
	return p
}

// NeedOlefile returns a python3 interpreter that can import olefile.
// Debian's python3-olefile is installed for /usr/bin/python3, which may not
// be the first python3 on PATH.
func NeedOlefile(t testing.TB) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		p, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		if exec.Command(p, "-c", "import olefile").Run() == nil {
			return p
		}
	}
	missing(t, "python3 module olefile", "python3-olefile")
	return ""
}

// NeedWine returns the wine command, or skips/fails t.
func NeedWine(t testing.TB) string {
	t.Helper()
	if testing.Short() && !Required() {
		t.Skip("wine tests are slow; skipped in -short mode")
	}
	return NeedTool(t, "wine", "wine wine64")
}

// RepoRoot returns the module root (the folder holding go.mod).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// CorpusDir returns the shared corpus folder (../shared/corpus beside the
// repository, or $MSIKIT_CORPUS), or "" if it does not exist. A relative
// $MSIKIT_CORPUS is taken from the repository root, where "go test ./..."
// is typed, not from the package folder each test runs in.
func CorpusDir() string {
	dir := corpusSetting()
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dir
	}
	return ""
}

// corpusSetting is the folder CorpusDir looks at.
func corpusSetting() string {
	dir := os.Getenv("MSIKIT_CORPUS")
	if dir == "" {
		return filepath.Join(RepoRoot(), "..", "shared", "corpus")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(RepoRoot(), dir)
	}
	return dir
}

// CorpusFiles returns every package in the corpus's real and synthetic
// folders (sorted), or skips t when the corpus is absent. The corpus is
// data we do not ship, so its absence is a skip even in CI.
func CorpusFiles(t testing.TB) []string {
	t.Helper()
	dir := CorpusDir()
	if dir == "" {
		skips.corpus.Store(true)
		t.Skip("shared corpus not found (../shared/corpus or $MSIKIT_CORPUS); corpus tests skipped")
	}
	var files []string
	for _, sub := range []string{"real", "synthetic"} {
		ents, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range ents {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(dir, sub, e.Name()))
			}
		}
	}
	sort.Strings(files)
	return files
}

// IsCorrupt reports whether a corpus file is one of the deliberately broken
// ones (name starting with "corrupt-"), which may fail to open.
func IsCorrupt(path string) bool {
	return strings.HasPrefix(filepath.Base(path), "corrupt-")
}

// Command returns an exec.Cmd for an oracle tool that runs in a fresh
// temporary folder of t's, removed when t ends. Oracles may write files
// into their working folder (msiinfo export writes binary cells as
// Table/Stream files there), which must never land in the source tree.
// Arguments naming an existing regular file relative to the test's own
// folder are made absolute, so they still name it from there.
func Command(t testing.TB, name string, args ...string) *exec.Cmd {
	t.Helper()
	args = append([]string(nil), args...)
	for i, a := range args {
		if filepath.IsAbs(a) {
			continue
		}
		if fi, err := os.Stat(a); err == nil && fi.Mode().IsRegular() {
			if abs, err := filepath.Abs(a); err == nil {
				args[i] = abs
			}
		}
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = t.TempDir()
	return cmd
}

// SampleMSI returns the path of testdata/sample.msi, the small installer
// database most tests start from.
func SampleMSI() string { return filepath.Join(RepoRoot(), "testdata", "sample.msi") }
