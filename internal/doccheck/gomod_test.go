package doccheck

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestGoModTidy checks that go.mod and go.sum are what "go mod tidy"
// makes them: direct dependencies not marked "// indirect", no stale
// go.sum lines. It needs the modules in the local module cache (it never
// downloads) and skips when they are not there.
func TestGoModTidy(t *testing.T) {
	root, _ := moduleRoot(t)
	cmd := exec.Command("go", "mod", "tidy", "-diff")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if len(out) > 0 {
		t.Fatalf("go.mod/go.sum are not tidy; run go mod tidy:\n%s", out)
	}
	if err != nil {
		t.Skipf("go mod tidy -diff could not run offline: %v: %s", err, stderr.String())
	}
}
