package safefile

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// openName opens name with d and returns the base name of the file it
// got (the file's first line is its own name) or "" when it failed.
func openName(t *testing.T, d *Folder, name string) string {
	t.Helper()
	f, _, err := d.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// needCaseSensitive skips t on a file system that folds case (macOS,
// Windows), where names differing in case are the same file.
func needCaseSensitive(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "case"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(filepath.Join(dir, "case"))
	if _, err := os.Stat(filepath.Join(dir, "CASE")); err == nil {
		t.Skip("the file system folds case")
	}
}

// TestFolderOpen: exact names first, then the first case-insensitive
// match in name order; names that leave the folder are refused.
func TestFolderOpen(t *testing.T) {
	dir := t.TempDir()
	needCaseSensitive(t, dir)
	for _, n := range []string{"DATA1.CAB", "data1.cab", "Disk2.cab", "\u212a.cab"} { // Kelvin sign
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "In.cab"), []byte("In.cab"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := NewFolder(dir)
	got := map[string]string{}
	for _, n := range []string{"data1.cab", "DATA1.CAB", "Data1.Cab", "disk2.CAB", "k.cab", "K.CAB", "sub/In.cab", `sub\In.cab`, "sub/in.cab", "../x.cab", "/etc/passwd", "", "none.cab"} {
		got[n] = openName(t, d, n)
	}
	want := map[string]string{
		"data1.cab": "data1.cab", "DATA1.CAB": "DATA1.CAB",
		"Data1.Cab": "DATA1.CAB", // the first in name order
		"disk2.CAB": "Disk2.cab",
		"k.cab":     "\u212a.cab", "K.CAB": "\u212a.cab", // strings.EqualFold folds the Kelvin sign to k
		"sub/In.cab": "In.cab", `sub\In.cab`: "In.cab",
		"sub/in.cab": "", // only plain names are matched case-insensitively
		"../x.cab":   "", "/etc/passwd": "", "": "", "none.cab": "",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files opened (-want +got):\n%s", d)
	}
	if _, _, err := NewFolder("").Open("a.cab"); err == nil {
		t.Errorf("a Folder of no folder opened a file")
	}
}

// TestFolderListsOnce: the folder is listed on the first name without a
// file of its own, and not again: a file added later is found by its
// exact name but not case-insensitively.
func TestFolderListsOnce(t *testing.T) {
	dir := t.TempDir()
	needCaseSensitive(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "A.CAB"), []byte("A.CAB"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := NewFolder(dir)
	if got := openName(t, d, "a.cab"); got != "A.CAB" {
		t.Fatalf("a.cab opened %q, want A.CAB", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "B.CAB"), []byte("B.CAB"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := openName(t, d, "b.cab"); got != "" {
		t.Errorf("b.cab opened %q after the folder was listed, want nothing (the folder listed again)", got)
	}
	if got := openName(t, d, "B.CAB"); got != "B.CAB" {
		t.Errorf("B.CAB opened %q, want B.CAB", got)
	}
	if got := openName(t, NewFolder(dir), "b.cab"); got != "B.CAB" {
		t.Errorf("a new Folder: b.cab opened %q, want B.CAB", got)
	}
}
