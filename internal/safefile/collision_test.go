package safefile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDirNameCollision: a new file whose name the file system takes for
// that of a file written before (Binary/a after Binary/A on a file system
// that ignores case) is a *NameCollisionError naming both, in the
// destination, not a bare "file exists"; by WriteFile at once, by
// WriteData (written in the background on Linux) at the latest by
// Commit, which then moves nothing.
//
// No file system here ignores case, so the test makes the folder behave
// as one does for these two names: once A is written, a hard link a to
// it is made in the temporary folder, so that creating a finds an
// existing entry that is the file A, as looking a up on a
// case-insensitive file system finds A. Without that link, both are
// written (a case-sensitive file system).
func TestDirNameCollision(t *testing.T) {
	for _, how := range []string{"WriteFile", "WriteData"} {
		t.Run(how, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "out")
			d, err := CreateDir(dst)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Abort()
			write := func(rel string) error {
				if how == "WriteData" {
					return d.WriteData(rel, []byte(rel))
				}
				return d.WriteFile(rel, func(w io.Writer) error { _, err := io.WriteString(w, rel); return err })
			}
			// A first, whole, by WriteFile: the link needs it on disk.
			if err := d.WriteFile("Binary/A", func(w io.Writer) error { _, err := io.WriteString(w, "A"); return err }); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(filepath.Join(d.Path(), "Binary", "A"), filepath.Join(d.Path(), "Binary", "a")); err != nil {
				t.Skipf("no hard links here: %v", err)
			}
			err = write("Binary/a")
			if err == nil {
				err = d.Commit()
			}
			var ce *NameCollisionError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *NameCollisionError", err)
			}
			want := &NameCollisionError{Name: filepath.Join(dst, "Binary", "a"), Other: filepath.Join(dst, "Binary", "A")}
			if diff := cmp.Diff(want, ce, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Ignore())); diff != "" {
				t.Errorf("collision (-want +got):\n%s", diff)
			}
			if !errors.Is(err, fs.ErrExist) {
				t.Errorf("%v does not match fs.ErrExist", err)
			}
			wantMsg := want.Other + " and " + want.Name + " cannot both be written: the folder's file system treats names that differ only in case as one name, so the second would replace the first"
			if got := ce.Error(); got != wantMsg {
				t.Errorf("message\n got %q\nwant %q", got, wantMsg)
			}
			d.Abort()
			if _, err := os.Stat(dst); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the destination was made (%v)", err)
			}
		})
	}
	// A file written twice by its caller is no collision: the plain
	// error, naming the destination.
	dst := filepath.Join(t.TempDir(), "out")
	d, err := CreateDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	fill := func(w io.Writer) error { return nil }
	if err := d.WriteFile("x", fill); err != nil {
		t.Fatal(err)
	}
	err = d.WriteFile("x", fill)
	var ce *NameCollisionError
	if !errors.Is(err, fs.ErrExist) || errors.As(err, &ce) {
		t.Errorf("writing x twice: got %v, want a plain fs.ErrExist", err)
	}
}
