package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/testenv"
)

// decodeJSON runs descriptor decode --json with args and returns its
// descriptors, its output's size and its standard error.
func decodeJSON(t *testing.T, args ...string) ([]foundDescriptor, int, string) {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{"descriptor", "decode", "--json"}, args...)...)
	if code != exitOK {
		t.Fatalf("descriptor decode %.200q: exit %d, %s", args, code, stderr)
	}
	var found []foundDescriptor
	if err := json.Unmarshal([]byte(out), &found); err != nil {
		t.Fatal(err)
	}
	return found, len(out), stderr
}

// A text INPUT is named by each of its descriptors clipped: a text of
// 12 KB holding 300 descriptors was quoted whole by each (a 126 KB one of
// 3,000, 378 MB of JSON).
func TestDescriptorDecodeClipsTextInput(t *testing.T) {
	text := "zz" + strings.Repeat(" "+sampleVerb, 300)
	found, size, _ := decodeJSON(t, text)
	if len(found) != 300 {
		t.Fatalf("%d descriptors, want 300", len(found))
	}
	if diff := cmp.Diff(clip.String(text), found[299].Input); diff != "" {
		t.Errorf("input (-want +got):\n%s", diff)
	}
	if size > 300*(clip.Keep+500) {
		t.Errorf("%d bytes of JSON for 300 descriptors", size)
	}
}

// The descriptors listed are bounded for all INPUTs together (the bound
// was per INPUT: 12 files of 10,000 listed 120,000), and so are the
// package notes explaining them: 10,000 descriptors naming a component of
// msi-components-one-id.msi repeated its 2 KB answer 10,000 times.
func TestDescriptorDecodeBounds(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, name := range []string{"a.txt", "b.txt"} {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(strings.Repeat(sampleVerb+"\r\n", 6000)), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	found, _, stderr := decodeJSON(t, files...)
	if len(found) != maxFound || found[maxFound-1].Where != files[1]+":4000" {
		t.Errorf("%d descriptors listed, the last at %s; want %d, the last at %s:4000", len(found), found[len(found)-1].Where, maxFound, files[1])
	}
	if want := "msikit: descriptor decode: the first 10000 descriptors are listed, the rest are not\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}

	pkg := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-components-one-id.msi")
	var size int
	found, size, _ = decodeJSON(t, "--package", pkg, files[0])
	if diff := cmp.Diff([]string{notesLeftOut}, found[len(found)-1].Package); diff != "" {
		t.Errorf("the last descriptor's package notes (-want +got):\n%s", diff)
	}
	if len(found[0].Package) < 2 {
		t.Errorf("the first descriptor's package notes: %q", found[0].Package)
	}
	if limit := maxNoteBytes + 6000*1024; size > limit {
		t.Errorf("%d bytes of JSON (limit %d)", size, limit)
	}
}
