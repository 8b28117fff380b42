package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// treeSums returns the SHA-256 of every regular file below dir, by
// slash-separated relative path.
func treeSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h := sha256.Sum256(b)
		sums[filepath.ToSlash(rel)] = hex.EncodeToString(h[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

func TestExtractCommand(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "extract", samplePath(), "-d", out)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	got := treeSums(t, out)
	// Standard output lists exactly the files written.
	var listed, written []string
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		rel, err := filepath.Rel(out, filepath.FromSlash(l))
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, filepath.ToSlash(rel))
	}
	for p := range got {
		written = append(written, p)
	}
	sort.Strings(listed)
	sort.Strings(written)
	if diff := cmp.Diff(written, listed); diff != "" {
		t.Errorf("stdout vs files written (-written +listed):\n%s", diff)
	}
	if _, ok := got["Program Files/SynthCorp/bin/app.exe"]; !ok {
		t.Errorf("Program Files/SynthCorp/bin/app.exe not extracted; got %v", written)
	}

	// Oracle: msiextract writes the same contents at the same paths.
	tool := testenv.NeedTool(t, "msiextract", "msitools")
	theirs := t.TempDir()
	if msg, err := exec.Command(tool, "-C", theirs, samplePath()).CombinedOutput(); err != nil {
		t.Fatalf("msiextract: %v: %s", err, msg)
	}
	if diff := cmp.Diff(treeSums(t, theirs), got); diff != "" {
		t.Errorf("msiextract (-) vs msikit extract (+):\n%s", diff)
	}
}

func TestExtractSelectedFiles(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCLI(t, "extract", samplePath(), "-d", out, "--file", "app.exe", "--file", "data1.txt")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var got []string
	for p := range treeSums(t, out) {
		got = append(got, p)
	}
	sort.Strings(got)
	want := []string{"Program Files/SynthCorp/bin/app.exe", "Program Files/SynthCorp/data/data1.txt"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	code, _, stderr = runCLI(t, "extract", samplePath(), "-d", t.TempDir(), "--file", "nope")
	if code != exitFailure || !strings.Contains(stderr, "nope: no such File row") {
		t.Errorf("unknown key: exit %d, stderr %q", code, stderr)
	}
}

// editedSample saves a copy of the sample with one Directory row's
// DefaultDir replaced.
func editedSample(t *testing.T, dirKey, defaultDir string) string {
	t.Helper()
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := db.Table("Directory")
	if err != nil {
		t.Fatal(err)
	}
	err = tab.Update([]msi.Value{msi.StrValue(dirKey)}, func(vals []msi.Value) error {
		for i, c := range tab.Columns() {
			if c.Name == "DefaultDir" {
				vals[i] = msi.StrValue(defaultDir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "edited.msi")
	if err := db.Save(p, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExtractRefusesEscapingPaths(t *testing.T) {
	for _, dd := range []string{"..", "a/../../b", `..\..\evil`, "/etc", "bin:.."} {
		t.Run(dd, func(t *testing.T) {
			pkg := editedSample(t, "BINDIR", dd)
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			code, _, stderr := runCLI(t, "extract", pkg, "-d", out)
			if strings.HasPrefix(dd, "bin:") {
				// Only the source part is bad: the target is fine, and
				// the files come from the cabinet.
				if code != exitOK {
					t.Fatalf("exit %d, stderr %q", code, stderr)
				}
				return
			}
			if code != exitFailure || !strings.Contains(stderr, "escape") {
				t.Errorf("exit %d, stderr %q; want failure naming the escape", code, stderr)
			}
			for p := range treeSums(t, parent) {
				if !strings.HasPrefix(p, "out/") {
					t.Errorf("wrote %s outside the output folder", p)
				}
			}
			if _, ok := treeSums(t, out)["Program Files/SynthCorp/data/data1.txt"]; !ok {
				t.Errorf("the other files were not extracted")
			}
		})
	}
}

func TestExtractRefusesSymlinkEscape(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	outside := filepath.Join(parent, "outside")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(out, "Program Files")); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	code, _, stderr := runCLI(t, "extract", samplePath(), "-d", out)
	if code != exitFailure || !strings.Contains(stderr, "symbolic link") {
		t.Errorf("exit %d, stderr %q; want a refusal", code, stderr)
	}
	if len(treeSums(t, outside)) != 0 {
		t.Errorf("files written through the link: %v", treeSums(t, outside))
	}
}

func TestExtractReportsCabinetProblems(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("shared corpus not found")
	}
	tests := []struct {
		pkg      string
		code     int
		inStderr string
	}{
		{"lessmsi-msi_with_external_cab.msi", exitFailure, "missing cabinet msi_with_external_cab.cab"},
		{"wix3-Baseliner-rtmldr.msp", exitOK, "cabinet #rtmldr.cab is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			pkg := filepath.Join(dir, "real", tt.pkg)
			if _, err := os.Stat(pkg); err != nil {
				t.Skipf("corpus lacks %s", tt.pkg)
			}
			code, _, stderr := runCLI(t, "extract", pkg, "-d", t.TempDir())
			if code != tt.code || !strings.Contains(stderr, tt.inStderr) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tt.code, tt.inStderr)
			}
		})
	}
}

func TestExtractBadInput(t *testing.T) {
	checkBadInputs(t, "extract", "FILE", "-d", t.TempDir())
	checkUsage(t, []string{"extract"}, []string{"extract", "a.msi", "b.msi"})
}
