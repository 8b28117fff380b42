package doccheck

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOtherSystems checks that msikit, which runs "on any operating
// system" (README), builds and vets, tests included (go vet type-checks
// them), for the systems it is most likely to meet besides Linux, and
// that the module builds for Plan 9, which has no Unix error numbers. A
// test that uses a Linux-only system call (rlimits, /proc) without a
// build tag fails here first. It type-checks the module for six systems,
// so -short skips it.
func TestOtherSystems(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the module for six systems")
	}
	root, _ := moduleRoot(t)
	statGoFiles(t, root)
	for _, c := range []struct {
		goos string
		args []string
	}{
		{"windows", []string{"vet", "./..."}},
		{"darwin", []string{"vet", "./..."}},
		{"freebsd", []string{"vet", "./..."}},
		{"openbsd", []string{"vet", "./..."}},
		{"netbsd", []string{"vet", "./..."}},
		{"plan9", []string{"build", "./..."}},
	} {
		t.Run(c.goos, func(t *testing.T) {
			cmd := exec.Command("go", c.args...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOOS="+c.goos, "GOARCH=amd64", "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("GOOS=%s go %s: %v\n%s", c.goos, c.args[0], err, out)
			}
		})
	}
}

// statGoFiles stats every Go file of the module (and lists its folders),
// so that go test's cache of a result that the go command computed from
// them goes stale when one changes: go test records the files a test
// opens or stats, not those a child process reads.
func statGoFiles(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")):
			return filepath.SkipDir
		case !d.IsDir() && strings.HasSuffix(p, ".go"):
			_, err = os.Stat(p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
