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

// diff -o of two packages that differ only in what a transform cannot
// carry (msi-duplicate-rows.msi is the sample with rows repeated) writes
// nothing and says why, rather than that their tables do not differ.
func TestDiffOnlyUnexpressible(t *testing.T) {
	root := repoRoot(t)
	out := filepath.Join(t.TempDir(), "t.mst")
	code, _, stderr := runCLI(t, "diff", filepath.Join(root, "testdata", "sample.msi"),
		filepath.Join(root, "testdata", "crafted", "valid", "msi-duplicate-rows.msi"), "-o", out)
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	if want := "only in what a transform cannot carry (4 differences; msikit diff without -o lists them): no transform written"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a transform was written (%v)", err)
	}
}
