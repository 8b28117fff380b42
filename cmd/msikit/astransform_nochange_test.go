package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// When the passes change nothing, rewrite --as-transform writes no
// transform and says the package installs as it is: it used to say
// "install it with TRANSFORMS=." (the base name of no file).
func TestRewriteAsTransformNoChange(t *testing.T) {
	in := filepath.Join(repoRoot(t), "testdata", "crafted", "valid", "msi-int-rows-100k.msi")
	out := filepath.Join(t.TempDir(), "fix.mst")
	code, stdout, stderr := runCLI(t, "rewrite", in, "--as-transform", "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a transform was written (%v)", err)
	}
	for _, want := range []string{"(no change, no transform written)", "untouched (same bytes); install it as it is"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "TRANSFORMS=") {
		t.Errorf("output names a transform to install with:\n%s", stdout)
	}
}
