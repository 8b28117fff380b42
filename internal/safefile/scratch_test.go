package safefile

import (
	"io"
	"os"
	"runtime"
	"testing"
)

// A scratch file holds what is written to it, leaves no name behind while
// open where the system allows that, and none at all once closed.
func TestScratch(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("TMP", tmp) // os.TempDir on Windows
	s, err := NewScratch("scratch-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteString("spilled"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(s)
	if err != nil || string(b) != "spilled" {
		t.Errorf("read back %q, %v; want %q", b, err, "spilled")
	}
	left, _ := os.ReadDir(tmp)
	if runtime.GOOS != "windows" && len(left) != 0 {
		t.Errorf("while open: %d names in the temporary directory, want none", len(left))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("after Close: %d names in the temporary directory, want none", len(left))
	}
}
