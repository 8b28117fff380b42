package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/safefile"
)

// TestExportCollisionAdvice: export -d onto a file system that takes two
// of its names for one (binary cells "A" and "a" on Windows' or macOS's
// default file systems) says which two, why, and what to do, instead of
// a bare "file exists". No file system here ignores case: the error is a
// real one from a safefile.Dir whose folder is made to behave as one
// does for these names (a hard link "a" to the file "A" written first,
// as internal/safefile's TestDirNameCollision does), passed through what
// export reports for a folder export's error.
func TestExportCollisionAdvice(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "out")
	d, err := safefile.CreateDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	fill := func(w io.Writer) error { _, err := io.WriteString(w, "data"); return err }
	if err := d.WriteFile("Binary/A", fill); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(d.Path(), "Binary", "A"), filepath.Join(d.Path(), "Binary", "a")); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	werr := d.WriteFile("Binary/a", fill)
	if werr == nil {
		t.Fatal("the second file was written")
	}
	got := collisionAdvice(werr)
	want := filepath.Join(dst, "Binary", "A") + " and " + filepath.Join(dst, "Binary", "a") +
		" cannot both be written: the folder's file system treats names that differ only in case as one name, so the second would replace the first;" +
		" nothing was written: export to a folder on a case-sensitive file system (on Windows, fsutil file setCaseSensitiveInfo DIR enable; on macOS, a case-sensitive APFS volume)," +
		" or export the tables as one JSON document, --json without -d (binary cells by name, without their data)"
	if diff := cmp.Diff(want, got.Error()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if !errors.Is(got, fs.ErrExist) {
		t.Errorf("%v does not match fs.ErrExist", got)
	}
	// Any other error is left as it is.
	other := errors.New("no space left on device")
	if got := collisionAdvice(other); got != other {
		t.Errorf("collisionAdvice(%v) = %v", other, got)
	}
}
