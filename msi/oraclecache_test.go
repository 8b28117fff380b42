package msi

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// msiinfoExports runs "msiinfo export FILE TABLE" once per file and table
// for the whole test binary. TestExportIDTMatchesMsiinfo and
// TestCorpusTablesMatchMsiinfo both compare every table of every corpus
// package with it, and msiinfo runs are most of their time. Each file has
// its own working folder, kept until the tests end, so that the binary
// cell files msiinfo writes there can be compared (msiinfoDir).
var msiinfoExports struct {
	mu   sync.Mutex
	root string            // temporary folder, removed by TestMain
	dirs map[string]string // corpus file → msiinfo's working folder
	runs map[[2]string]*msiinfoRun
}

// msiinfoRun is one cached export: the first caller runs msiinfo, the
// others wait for it. The output is dropped after its second use, since
// exactly two tests read each one.
type msiinfoRun struct {
	once sync.Once
	mu   sync.Mutex
	out  []byte
	err  error
	uses int
}

// msiinfoDir returns the folder msiinfo export runs in for file, creating
// it on first use.
func msiinfoDir(t testing.TB, file string) string {
	t.Helper()
	c := &msiinfoExports
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.root == "" {
		root, err := os.MkdirTemp("", "msikit-msiinfo-")
		if err != nil {
			t.Fatal(err)
		}
		c.root, c.dirs, c.runs = root, map[string]string{}, map[[2]string]*msiinfoRun{}
	}
	if d, ok := c.dirs[file]; ok {
		return d
	}
	d := filepath.Join(c.root, strconv.Itoa(len(c.dirs)))
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	c.dirs[file] = d
	return d
}

// cachedMsiinfoExport returns what "msiinfo export file table" writes to
// standard output (run in msiinfoDir(file)), and its error.
func cachedMsiinfoExport(t testing.TB, msiinfo, file, table string) ([]byte, error) {
	t.Helper()
	dir := msiinfoDir(t, file)
	c := &msiinfoExports
	c.mu.Lock()
	r := c.runs[[2]string{file, table}]
	if r == nil {
		r = &msiinfoRun{}
		c.runs[[2]string{file, table}] = r
	}
	c.mu.Unlock()
	r.once.Do(func() { r.out, r.err = runMsiinfo(t, msiinfo, dir, "export", file, table) })
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.out
	if r.uses++; r.uses == 2 {
		r.out = nil
	}
	return out, r.err
}

// removeMsiinfoExports deletes the working folders (TestMain).
func removeMsiinfoExports() {
	if msiinfoExports.root != "" {
		os.RemoveAll(msiinfoExports.root)
	}
}
