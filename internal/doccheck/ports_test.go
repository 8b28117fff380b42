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
// build tag fails here first. Linux on 32-bit x86 and on arm64 is vetted
// too: int is 32 bits there, and system structures' fields have other
// types (Rusage.Maxrss is an int32 on 386). It type-checks the module for
// eight targets, so -short skips it.
func TestOtherSystems(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the module for eight targets")
	}
	root, _ := moduleRoot(t)
	statGoFiles(t, root)
	for _, c := range []struct {
		goos, goarch string
		args         []string
	}{
		{"windows", "amd64", []string{"vet", "./..."}},
		{"darwin", "amd64", []string{"vet", "./..."}},
		{"freebsd", "amd64", []string{"vet", "./..."}},
		{"openbsd", "amd64", []string{"vet", "./..."}},
		{"netbsd", "amd64", []string{"vet", "./..."}},
		{"linux", "386", []string{"vet", "./..."}},
		{"linux", "arm64", []string{"vet", "./..."}},
		{"plan9", "amd64", []string{"build", "./..."}},
	} {
		t.Run(c.goos+"-"+c.goarch, func(t *testing.T) {
			cmd := exec.Command("go", c.args...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOOS="+c.goos, "GOARCH="+c.goarch, "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("GOOS=%s GOARCH=%s go %s: %v\n%s", c.goos, c.goarch, c.args[0], err, out)
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
