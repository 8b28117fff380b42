package testenv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCorpusSetting(t *testing.T) {
	root := RepoRoot()
	abs := t.TempDir()
	tests := []struct {
		env      string
		wantDir  string
		wantFail bool
	}{
		{abs, abs, false},
		{"testdata", filepath.Join(root, "testdata"), false}, // relative: from the repository root
		{"./testdata/crafted", filepath.Join(root, "testdata", "crafted"), false},
		{"no-such-folder", "", true},
		{filepath.Join(abs, "missing"), "", true},
		{filepath.Join(root, "go.mod"), "", true}, // a file, not a folder
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv("MSIKIT_CORPUS", tt.env)
			if got := CorpusDir(); got != tt.wantDir {
				t.Errorf("CorpusDir() = %q, want %q", got, tt.wantDir)
			}
			if err := checkCorpusSetting(); (err != nil) != tt.wantFail {
				t.Errorf("checkCorpusSetting() = %v, want failure %v", err, tt.wantFail)
			}
		})
	}
	t.Run("unset", func(t *testing.T) {
		t.Setenv("MSIKIT_CORPUS", "")
		os.Unsetenv("MSIKIT_CORPUS")
		if err := checkCorpusSetting(); err != nil {
			t.Errorf("checkCorpusSetting() with no $MSIKIT_CORPUS: %v", err)
		}
	})
}

func TestSkipSummary(t *testing.T) {
	var c skipCounter
	if got := c.summary("./msi"); got != "" {
		t.Errorf("nothing skipped: summary %q, want none", got)
	}
	c.add("msiinfo", "msitools")
	c.add("msiinfo", "msitools")
	c.add("wine", "wine wine64")
	c.add("python3 module olefile", "python3-olefile")
	want := "./msi: 4 oracle checks skipped (not found: msiinfo, python3 module olefile, wine; install: apt-get install msitools python3-olefile wine wine64)\n"
	if diff := cmp.Diff(want, c.summary("./msi")); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	c.corpus.Store(true)
	want = want[:len(want)-1] + "; corpus tests skipped (no folder at ../shared/corpus or $MSIKIT_CORPUS)\n"
	if diff := cmp.Diff(want, c.summary("./msi")); diff != "" {
		t.Errorf("summary with the corpus missing (-want +got):\n%s", diff)
	}
}

// NeedTool and HaveTool count the checks they skip.
func TestSkipsCounted(t *testing.T) {
	if Required() {
		t.Skip("MSIKIT_REQUIRE_ORACLES=1 turns the skips into failures")
	}
	t.Setenv("PATH", t.TempDir())
	before := skips.n
	t.Run("NeedTool", func(t *testing.T) {
		NeedTool(t, "msiinfo", "msitools")
		t.Error("NeedTool returned for a missing tool")
	})
	if HaveTool(t, "msiinfo", "msitools") {
		t.Error("HaveTool reports a missing tool")
	}
	if got := skips.n - before; got != 2 {
		t.Errorf("%d skips counted, want 2", got)
	}
	skips.mu.Lock()
	skips.n = before
	delete(skips.missing, "msiinfo")
	skips.mu.Unlock()
}
