//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fullDisk mounts a tmpfs of size bytes (as root; the test is skipped
// where that is not allowed) and returns its folder.
func fullDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a small tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// TestFolderWritersDiskFull: extract and export -d on a file system too
// small for their output fail with one line that names the file they
// could not write by its path in DIR (never the hidden temporary folder)
// and, for extract, how many files are in place; a new DIR is not
// created and no temporary folder is left. (Before, extract said only
// "no space left on device", and export named DIR/.msikit-tmp-*/FILE.)
func TestFolderWritersDiskFull(t *testing.T) {
	in := samplePath()
	for _, tt := range []struct {
		name string
		args func(dir string) []string
		want string // in the error, after DIR/
	}{
		{"extract", func(dir string) []string { return []string{"extract", in, "-d", dir} }, "Program Files (x86)/SynthCorp/"},
		{"export -d", func(dir string) []string { return []string{"export", in, "-d", dir} }, ""},
		{"export --json -d", func(dir string) []string { return []string{"export", in, "--json", "-d", dir} }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			disk := fullDisk(t, "40k")
			for _, existing := range []bool{false, true} {
				dir := filepath.Join(disk, "out")
				if existing {
					if err := os.Mkdir(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, "old"), []byte("old"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				code, _, stderr := runCLI(t, tt.args(dir)...)
				checkOneLineError(t, code, stderr, in)
				if !strings.Contains(stderr, "no space left on device") || !strings.Contains(stderr, "write "+dir+"/"+tt.want) || strings.Contains(stderr, "tmp-") {
					t.Errorf("existing %v: %q does not name the file in %s it could not write", existing, stderr, dir)
				}
				if tt.name == "extract" && !strings.Contains(stderr, " files written") {
					t.Errorf("existing %v: %q does not say how many files are in place", existing, stderr)
				}
				var left []string
				filepath.Walk(disk, func(p string, _ os.FileInfo, err error) error {
					if err == nil && strings.Contains(filepath.Base(p), ".tmp-") || strings.Contains(filepath.Base(p), "msikit-tmp") {
						left = append(left, p)
					}
					return nil
				})
				if len(left) > 0 {
					t.Errorf("existing %v: temporary files or folders left: %q", existing, left)
				}
				if _, err := os.Stat(dir); !existing && err == nil {
					t.Errorf("a new %s was created by a failed write", dir)
				}
				os.RemoveAll(dir)
			}
		})
	}
}
